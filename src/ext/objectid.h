/*
 * ObjectID: the Python face of one core handle (a file, group, dataset or
 * named datatype), with the metadata h5py reads often cached here so that
 * reading `shape` or `dtype` never waits for the engine (the prior fork's
 * failure: every `shape` forced the queue to drain).
 */
#ifndef HA_EXT_OBJECTID_H
#define HA_EXT_OBJECTID_H

#include "desc.h"
#include "eventset_type.h"
#include "handle.h"
#include "np.h"
#include "task.h"

typedef struct ObjectID ObjectID;
struct ObjectID {
    PyObject_HEAD
    ha_handle *h;           /* owned */
    ObjectID *file;         /* owned; the file's ObjectID (self for a file: NULL) */
    PyObject *es;           /* file only: default EventSet or NULL */
    PyObject *filename;     /* file only: str */
    PyObject *mode;         /* file only: 'r' or 'r+' */
    PyObject *path;         /* str: the object's path in the file */
    int kind;               /* ha_objkind */
    /* datasets: cached at create, open and resize */
    ha_type *type;          /* owned */
    PyArray_Descr *dtype;   /* owned */
    ha_extent ext;          /* ext.null: an empty (H5S_NULL) dataset */
    ha_dcpl dcpl;           /* chunks and filters (fill not kept) */
    int collective;         /* datasets, parallel HDF5: collective transfers */
    /* identity, filled on first comparison */
    int have_token;
    int64_t fileno;
    uint64_t token[2];
};

extern PyType_Spec ha_objectid_spec;

/* A new ObjectID owning `h` (stolen), in file `file` (borrowed, NULL for a
 * file itself), at `path` (borrowed). */
ObjectID *ha_oid_new(ha_state *st, ha_handle *h, ObjectID *file, PyObject *path);

/* The file's ObjectID. */
static inline ObjectID *ha_oid_file(ObjectID *o) { return o->file ? o->file : o; }

/* 0 if operations may be submitted on `o`, else -1 with ValueError. */
int ha_oid_check(ha_state *st, ObjectID *o);

/* 0 if `o`'s file was opened with write intent, else -1 with h5py's
 * exception for operation `op` on a read-only file (the table in errors.c:
 * ValueError for creating objects, OSError for writing data, KeyError for
 * deleting ...). */
int ha_oid_check_writable(ha_state *st, ObjectID *o, ha_opkind op);

/*
 * The event set to use for an operation given `es` (NULL: not given): the
 * file's default when not given, none for None.  Returns 0 and sets *out
 * to a new reference (NULL means synchronous), or -1 with an exception.
 * Declare *out HA_ES_AUTO (eventset_type.h) so that it is always released.
 */
int ha_oid_resolve_es(ha_state *st, ObjectID *o, PyObject *es, ha_eventset **out);

/* path joined with `name` ("/a" + "b" -> "/a/b"; absolute names win). */
PyObject *ha_join_path(PyObject *base, PyObject *name);

/* Method tables contributed by group.c, dataset.c and attrs.c. */
extern PyMethodDef ha_group_methods[];
extern PyMethodDef ha_dataset_methods[];
extern PyMethodDef ha_attrs_methods[];
extern PyMethodDef ha_link_methods[];

#endif
