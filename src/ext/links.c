/*
 * Links: hard, soft and external; reading a link; move, copy and visit.
 * All but the queries go through the event set like any other write.
 */
#include "common.h"
#include "lowlevel.h"

/* A write-like task `op` on `self` named `name`, with `es` resolved. */
static ha_task *link_task(ObjectID *self, ha_opkind op, PyObject *name, PyObject *es,
                          ha_eventset **core_es)
{
    ha_state *st = ha_state_of((PyObject *)self);
    if (ha_oid_check_writable(st, self, op) < 0 || ha_oid_resolve_es(st, self, es, core_es) < 0)
        return NULL;
    return ha_named_task(st, self, op, name, NULL);
}

static PyObject *finish(ObjectID *self, ha_task *t, ha_eventset *core_es)
{
    int rc = ha_dispatch(ha_state_of((PyObject *)self), t, core_es);
    ha_task_unref(t);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* A str argument's UTF-8 copy into *out; -1 with TypeError. */
static int str_arg(PyObject *s, char **out)
{
    PyObject *n = ha_name_arg(s, NULL);
    if (!n)
        return -1;
    *out = ha_strdup_utf8(n);
    Py_DECREF(n);
    return *out ? 0 : -1;
}

static PyObject *link_hard(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "target", "es", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *name, *target, *es = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO!|O:link_hard", kwlist, &name,
                                     st->ObjectIDType, &target, &es))
        return NULL;
    ObjectID *o = (ObjectID *)target;
    if (ha_oid_check(st, o) < 0)
        return NULL;
    if (ha_oid_file(o)->h != ha_oid_file(self)->h)
        return ha_exc_call(st, HA_E_VALUE, HA_OP_LINK_HARD, "",
                           "interfile hard links are not allowed");
    ha_task *t = link_task(self, HA_OP_LINK_HARD, name, es, &core_es);
    if (!t)
        return NULL;
    t->obj2 = ha_handle_ref(o->h);
    return finish(self, t, core_es);
}

static PyObject *link_soft(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "path", "es", NULL};
    PyObject *name, *path, *es = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|O:link_soft", kwlist, &name, &path, &es))
        return NULL;
    ha_task *t = link_task(self, HA_OP_LINK_SOFT, name, es, &core_es);
    if (!t || str_arg(path, &t->name2) < 0) {
        ha_task_unref(t);
        return NULL;
    }
    return finish(self, t, core_es);
}

static PyObject *link_external(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "filename", "path", "es", NULL};
    PyObject *name, *filename, *path, *es = NULL, *fs = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|O:link_external", kwlist, &name, &filename,
                                     &path, &es) ||
        !PyUnicode_FSDecoder(filename, &fs))
        return NULL;
    ha_task *t = link_task(self, HA_OP_LINK_EXTERNAL, name, es, &core_es);
    if (!t || str_arg(fs, &t->name2) < 0 || str_arg(path, &t->name3) < 0) {
        ha_task_unref(t);
        Py_DECREF(fs);
        return NULL;
    }
    Py_DECREF(fs);
    return finish(self, t, core_es);
}

/* link_get(name) -> ('hard',) | ('soft', path) | ('external', filename, path) */
static PyObject *link_get(ObjectID *self, PyObject *name)
{
    ha_task *t = ha_ask(self, HA_OP_LINK_INFO, name);
    if (!t)
        return NULL;
    static const char *cls[] = {"hard", "soft", "external"};
    PyObject *names = ha_names_list(t), *r = NULL;
    if (names) {
        PyObject *head = Py_BuildValue("(s)", cls[t->result.ival % 3]);
        PyObject *tail = head ? PyList_AsTuple(names) : NULL;
        r = tail ? PySequence_Concat(head, tail) : NULL;
        Py_XDECREF(head);
        Py_XDECREF(tail);
        Py_DECREF(names);
    }
    ha_task_unref(t);
    return r;
}

static PyObject *move(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"source", "dest", "es", NULL};
    PyObject *src, *dst, *es = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|O:move", kwlist, &src, &dst, &es))
        return NULL;
    ha_task *t = link_task(self, HA_OP_LINK_MOVE, src, es, &core_es);
    if (!t || str_arg(dst, &t->name2) < 0) {
        ha_task_unref(t);
        return NULL;
    }
    return finish(self, t, core_es);
}

/* copy(source_name, dest_group, dest_name, flags=0, es=DEFAULT): source is
 * relative to self; the destination may be in another file.  dest_name
 * None names the copy after the source object, found when the copy runs. */
static PyObject *copy(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"source", "dest", "name", "flags", "es", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *src, *dest, *dname, *es = NULL;
    int flags = 0;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    /* h5py's TypeID.copy() on a named datatype's id (lowlevel.c). */
    if (self->kind == HA_OBJ_DATATYPE && PyTuple_GET_SIZE(args) == 0 && !kw)
        return ha_typeid_of(self);
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO!O|iO:copy", kwlist, &src, st->ObjectIDType,
                                     &dest, &dname, &flags, &es))
        return NULL;
    ObjectID *d = (ObjectID *)dest;
    if (ha_oid_check(st, self) < 0 || ha_oid_check_writable(st, d, HA_OP_OBJ_COPY) < 0 ||
        ha_oid_resolve_es(st, d, es, &core_es) < 0)
        return NULL;
    ha_task *t = ha_named_task(st, self, HA_OP_OBJ_COPY, src, NULL);
    if (!t || (dname != Py_None && str_arg(dname, &t->name2) < 0)) {
        ha_task_unref(t);
        return NULL;
    }
    t->obj2 = ha_handle_ref(d->h);
    t->ival = flags;
    return finish(self, t, core_es);
}

static PyObject *visit_names(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"links", NULL};
    int links = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|p:visit_names", kwlist, &links))
        return NULL;
    ha_state *st = ha_state_of((PyObject *)self);
    ha_task *t = NULL;
    if (ha_oid_check(st, self) < 0 || !(t = ha_new_task(HA_OP_VISIT)))
        return NULL;
    t->obj = ha_handle_ref(self->h);
    t->ival = links;
    if (ha_run_sync(st, t) < 0) {
        ha_task_unref(t);
        return NULL;
    }
    PyObject *r = ha_names_list(t);
    ha_task_unref(t);
    return r;
}

PyMethodDef ha_link_methods[] = {
    {"link_hard", (PyCFunction)(void (*)(void))link_hard, METH_VARARGS | METH_KEYWORDS,
     "link_hard($self, /, name, target, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue a hard link `name` to the object `target` (an ObjectID)."},
    {"link_soft", (PyCFunction)(void (*)(void))link_soft, METH_VARARGS | METH_KEYWORDS,
     "link_soft($self, /, name, path, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue a soft link `name` to `path`."},
    {"link_external", (PyCFunction)(void (*)(void))link_external, METH_VARARGS | METH_KEYWORDS,
     "link_external($self, /, name, filename, path, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue an external link `name` to `path` in file `filename`."},
    {"link_get", (PyCFunction)link_get, METH_O,
     "link_get($self, name, /)\n--\n\n"
     "The link `name`: ('hard',), ('soft', path) or ('external', filename, path).\n"
     "Waits for its own lookup; raises KeyError if missing."},
    {"move", (PyCFunction)(void (*)(void))move, METH_VARARGS | METH_KEYWORDS,
     "move($self, /, source, dest, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue renaming link `source` to `dest`."},
    {"copy", (PyCFunction)(void (*)(void))copy, METH_VARARGS | METH_KEYWORDS,
     "copy($self, /, source, dest, name, flags=0, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue copying object `source` (a path here) into group `dest` (an ObjectID) as `name`\n"
     "(None: the source's own name); `flags` ors h5py's copy options."},
    {"visit_names", (PyCFunction)(void (*)(void))visit_names, METH_VARARGS | METH_KEYWORDS,
     "visit_names($self, /, links=False)\n--\n\n"
     "The paths of every object below, relative to it; with links=True, of every link\n"
     "once, whatever it points at (h5py's visit_links).  Waits for its own walk."},
    {NULL, NULL, 0, NULL},
};
