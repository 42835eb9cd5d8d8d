/* Small helpers shared by the operation files of the extension. */
#ifndef HA_EXT_COMMON_H
#define HA_EXT_COMMON_H

#include "errors.h"
#include "objectid.h"
#include "submit.h"

/* A new task, or NULL with MemoryError. */
static inline ha_task *ha_new_task(ha_opkind op)
{
    ha_task *t = ha_task_new(op);
    if (!t)
        PyErr_NoMemory();
    return t;
}

/*
 * An HDF5 object or attribute name from str or bytes, as a new str, or
 * NULL with TypeError (h5py's "A name should be string or bytes, not ...")
 * or ValueError.  `*utf8` (optional) borrows its UTF-8.
 */
PyObject *ha_name_arg(PyObject *name, const char **utf8);

/* A malloc'd copy of a str's UTF-8, or NULL with an error. */
char *ha_strdup_utf8(PyObject *s);

/* A task `op` on `self` about `name` (checked); NULL with an exception.
 * `*name_out` (optional) receives the name as a new str. */
ha_task *ha_named_task(ha_state *st, ObjectID *self, ha_opkind op, PyObject *name,
                       PyObject **name_out);

/* Run `op` on `self` (about `name`, or NULL) synchronously; returns the
 * finished task (the caller unrefs it) or NULL with an exception. */
ha_task *ha_ask(ObjectID *self, ha_opkind op, PyObject *name);

/* A new task `op` on `self` (checked open and of this process), for the
 * caller to fill in and pass to ha_run_owned; NULL with an exception. */
ha_task *ha_obj_task(ha_state *st, ObjectID *self, ha_opkind op);
/* Run `t` synchronously: the finished task, or NULL with an exception (t
 * is released then).  Accepts NULL (an earlier failure) and passes it on. */
ha_task *ha_run_owned(ha_state *st, ha_task *t);

/* The names a LINK_LIST / ATTR_LIST task returned, as a list of str. */
PyObject *ha_names_list(ha_task *t);

/* `name in obj` through a query op; TypeError for a name that is neither
 * str nor bytes, as h5py. */
PyObject *ha_ask_bool(ObjectID *self, ha_opkind op, PyObject *name);
/* Whether `name` is '' or b''. */
int ha_is_empty_name(PyObject *name);
/* The names a listing op returns. */
PyObject *ha_ask_names(ObjectID *self, ha_opkind op);
/* delete(name, es=DEFAULT) through `op`, checked for write intent. */
PyObject *ha_delete_named(ObjectID *self, PyObject *args, PyObject *kw, ha_opkind op);

#endif
