/* Groups and links: create_group, open, contains, keys, delete. */
#include "common.h"
#include "reference.h"

#include "dtype.h"

PyObject *ha_name_arg(PyObject *name, const char **utf8)
{
    PyObject *s;
    if (PyUnicode_Check(name))
        s = Py_NewRef(name);
    else if (PyBytes_Check(name))
        s = PyUnicode_DecodeUTF8(PyBytes_AS_STRING(name), PyBytes_GET_SIZE(name), "strict");
    else {
        PyErr_Format(PyExc_TypeError, "A name should be string or bytes, not %R",
                     (PyObject *)Py_TYPE(name));
        return NULL;
    }
    if (!s)
        return NULL;
    if (PyUnicode_GetLength(s) == 0) {
        Py_DECREF(s);
        PyErr_SetString(PyExc_ValueError, "Empty names are not allowed");
        return NULL;
    }
    if (utf8 && !(*utf8 = PyUnicode_AsUTF8(s)))
        Py_CLEAR(s);
    return s;
}

char *ha_strdup_utf8(PyObject *s)
{
    const char *u = PyUnicode_AsUTF8(s);
    if (!u)
        return NULL;
    char *d = strdup(u);
    if (!d)
        PyErr_NoMemory();
    return d;
}

/* A task on `self` about `name`; NULL with an exception. */
ha_task *ha_named_task(ha_state *st, ObjectID *self, ha_opkind op, PyObject *name,
                           PyObject **name_out)
{
    PyObject *n = ha_name_arg(name, NULL);
    if (!n || ha_oid_check(st, self) < 0) {
        Py_XDECREF(n);
        return NULL;
    }
    ha_task *t = ha_new_task(op);
    if (t && !(t->name = ha_strdup_utf8(n))) {
        ha_task_unref(t);
        t = NULL;
    }
    if (t)
        t->obj = ha_handle_ref(self->h);
    if (t && name_out)
        *name_out = n;
    else
        Py_DECREF(n);
    return t;
}

static PyObject *create_group(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "es", "track_order", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *name, *es = NULL, *track = Py_None, *n = NULL, *path = NULL;
    ObjectID *o = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO:create_group", kwlist, &name, &es, &track) ||
        ha_oid_check_writable(st, self, HA_OP_GROUP_CREATE) < 0 ||
        ha_oid_resolve_es(st, self, es, &core_es) < 0)
        return NULL;
    ha_task *t = ha_named_task(st, self, HA_OP_GROUP_CREATE, name, &n);
    if (!t)
        return NULL;
    t->ival = track != Py_None && PyObject_IsTrue(track);
    if (!(path = ha_join_path(self->path, n)))
        goto done;
    ha_handle *h = ha_handle_new(HA_OBJ_GROUP, PyUnicode_AsUTF8(path), self->h);
    if (!h) {
        PyErr_NoMemory();
        goto done;
    }
    t->target = ha_handle_ref(h);
    if ((o = ha_oid_new(st, h, self, path)) && ha_dispatch(st, t, core_es) < 0)
        Py_CLEAR(o);
done:
    ha_task_unref(t);
    Py_XDECREF(n);
    Py_XDECREF(path);
    return (PyObject *)o;
}

/* Fill a dataset ObjectID's cache from what the executing thread found. */
int ha_oid_cache_dataset(ObjectID *o, const ha_type *type, const ha_extent *ext,
                         const ha_dcpl *dcpl)
{
    if (!(o->type = ha_type_copy(type))) {
        PyErr_NoMemory();
        return -1;
    }
    if (!(o->dtype = ha_descr_from_type(type)))
        return -1;
    o->ext = *ext;
    o->dcpl = *dcpl;
    o->dcpl.fill = NULL;
    size_t nbytes;
    /* a deep copy: the strings a fill value holds are in its block */
    if (dcpl->fill && !(o->dcpl.fill = ha_vlen_dup(type, 1, dcpl->fill, &nbytes))) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* What an open found: the kind, and a dataset's or datatype's metadata. */
static int cache_opened(ObjectID *o, ha_task *t)
{
    o->kind = t->result.kind;
    if (o->kind == HA_OBJ_DATASET)
        return ha_oid_cache_dataset(o, t->result.type, &t->result.extent, &t->result.dcpl);
    if (o->kind == HA_OBJ_DATATYPE) {
        if (!(o->type = ha_type_copy(t->result.type))) {
            PyErr_NoMemory();
            return -1;
        }
        return (o->dtype = ha_descr_from_type(o->type)) ? 0 : -1;
    }
    return 0;
}

/* g[name] = np.dtype(...): commit_type(name, dtype, es=DEFAULT), queued. */
static PyObject *commit_type(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "dtype", "es", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *name, *dtobj, *es = NULL;
    PyArray_Descr *d = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|O:commit_type", kwlist, &name, &dtobj, &es) ||
        ha_oid_check_writable(st, self, HA_OP_TYPE_COMMIT) < 0 ||
        ha_oid_resolve_es(st, self, es, &core_es) < 0 || !PyArray_DescrConverter(dtobj, &d))
        return NULL;
    ha_task *t = ha_named_task(st, self, HA_OP_TYPE_COMMIT, name, NULL);
    int rc = -1;
    if (t && (t->ftype = ha_type_from_descr(d)))
        rc = ha_dispatch(st, t, core_es);
    ha_task_unref(t);
    Py_DECREF(d);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *open_obj(ObjectID *self, PyObject *name)
{
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *n = NULL, *path = NULL;
    ObjectID *o = NULL;
    if (!PyUnicode_Check(name) && !PyBytes_Check(name))
        return PyErr_Format(PyExc_TypeError, "Accessing a group is done with bytes or str, not %R",
                            (PyObject *)Py_TYPE(name)); /* h5py's words for g[name] */
    ha_task *t = ha_named_task(st, self, HA_OP_OBJ_OPEN, name, &n);
    if (!t)
        return NULL;
    if (!(path = ha_join_path(self->path, n)))
        goto done;
    ha_handle *h = ha_handle_new(HA_OBJ_GROUP, PyUnicode_AsUTF8(path), self->h);
    if (!h) {
        PyErr_NoMemory();
        goto done;
    }
    t->target = ha_handle_ref(h);
    if (!(o = ha_oid_new(st, h, self, path)))
        goto done;
    if (ha_run_sync(st, t) < 0) {
        Py_CLEAR(o);
        goto done;
    }
    if (cache_opened(o, t) < 0)
        Py_CLEAR(o);
done:
    ha_task_unref(t);
    Py_XDECREF(n);
    Py_XDECREF(path);
    return (PyObject *)o;
}

/* g[ref]: open the object `ref` points at, in self's file; waits. */
static PyObject *deref(ObjectID *self, PyObject *ref)
{
    ha_state *st = ha_state_of((PyObject *)self);
    if (!PyObject_TypeCheck(ref, st->ReferenceType))
        return PyErr_Format(PyExc_TypeError, "expected a Reference, not %.100s",
                            Py_TYPE(ref)->tp_name);
    if (ha_oid_check(st, self) < 0)
        return NULL;
    const unsigned char *region = NULL;
    int is_region = ha_regionref_bytes(st, ref, &region);
    static const unsigned char null[HA_REGREF_SIZE];
    if (is_region ? !memcmp(region, null, HA_REGREF_SIZE) : !((ReferenceObject *)ref)->addr) {
        PyErr_SetString(PyExc_ValueError, is_region ? "Invalid HDF5 region reference"
                                                    : "Invalid HDF5 object reference");
        return NULL;
    }
    ObjectID *o = NULL;
    PyObject *path = NULL;
    ha_task *t = ha_new_task(HA_OP_REF_OPEN);
    ha_handle *h = t ? ha_handle_new(HA_OBJ_GROUP, "(reference)", self->h) : NULL;
    PyObject *tmp = PyUnicode_FromString("(reference)");
    if (!h || !tmp) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        ha_handle_unref(h);
        goto done;
    }
    t->obj = ha_handle_ref(self->h);
    t->ival = (int64_t)((ReferenceObject *)ref)->addr;
    if (is_region) { /* its dataset */
        t->ival2 = 1;
        t->fsel.kind = HA_SEL_REGION;
        memcpy(t->fsel.region, region, HA_REGREF_SIZE);
    }
    t->target = ha_handle_ref(h);
    if (!(o = ha_oid_new(st, h, self, tmp)) || ha_run_sync(st, t) < 0) {
        Py_CLEAR(o);
        goto done;
    }
    /* Its name is known now: for the object (h.name) and for messages. */
    if (!(path = PyUnicode_DecodeUTF8(t->result.names[0], (Py_ssize_t)strlen(t->result.names[0]),
                                      "surrogateescape"))) {
        Py_CLEAR(o);
        goto done;
    }
    Py_SETREF(o->path, Py_NewRef(path));
    char *hp = strdup(t->result.names[0]);
    if (hp) { /* only this finished task has used the handle */
        free(h->path);
        h->path = hp;
    }
    if (cache_opened(o, t) < 0)
        Py_CLEAR(o);
done:
    ha_task_unref(t);
    Py_XDECREF(tmp);
    Py_XDECREF(path);
    return (PyObject *)o;
}

/* obj.ref: an object reference to this object; waits. */
static PyObject *get_ref(ObjectID *self, PyObject *unused)
{
    (void)unused;
    ha_state *st = ha_state_of((PyObject *)self);
    ha_task *t = ha_ask(self, HA_OP_OBJ_REF, NULL);
    if (!t)
        return NULL;
    PyObject *r = ha_reference_new(st->ReferenceType, t->result.token[0]);
    ha_task_unref(t);
    return r;
}

/* Run a task that answers a question about `name`; returns its result. */
ha_task *ha_obj_task(ha_state *st, ObjectID *self, ha_opkind op)
{
    ha_task *t = NULL;
    if (ha_oid_check(st, self) < 0 || !(t = ha_new_task(op)))
        return NULL;
    t->obj = ha_handle_ref(self->h);
    return t;
}

ha_task *ha_run_owned(ha_state *st, ha_task *t)
{
    if (t && ha_run_sync(st, t) < 0) {
        ha_task_unref(t);
        t = NULL;
    }
    return t;
}

ha_task *ha_ask(ObjectID *self, ha_opkind op, PyObject *name)
{
    ha_state *st = ha_state_of((PyObject *)self);
    return ha_run_owned(st, name ? ha_named_task(st, self, op, name, NULL)
                                 : ha_obj_task(st, self, op));
}

PyObject *ha_names_list(ha_task *t)
{
    PyObject *list = PyList_New((Py_ssize_t)t->result.nnames);
    for (size_t i = 0; list && i < t->result.nnames; i++) {
        PyObject *s = PyUnicode_DecodeUTF8(t->result.names[i],
                                           (Py_ssize_t)strlen(t->result.names[i]),
                                           "surrogateescape");
        if (!s)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, s);
    }
    return list;
}

int ha_is_empty_name(PyObject *name)
{
    return (PyUnicode_Check(name) && PyUnicode_GET_LENGTH(name) == 0) ||
           (PyBytes_Check(name) && PyBytes_GET_SIZE(name) == 0);
}

PyObject *ha_ask_bool(ObjectID *self, ha_opkind op, PyObject *name)
{
    if (!PyUnicode_Check(name) && !PyBytes_Check(name))
        return ha_name_arg(name, NULL); /* TypeError */
    ha_task *t = ha_ask(self, op, name);
    if (!t)
        return NULL;
    PyObject *r = PyBool_FromLong((long)t->result.ival);
    ha_task_unref(t);
    return r;
}

PyObject *ha_ask_names(ObjectID *self, ha_opkind op)
{
    ha_task *t = ha_ask(self, op, NULL);
    if (!t)
        return NULL;
    PyObject *r = ha_names_list(t);
    ha_task_unref(t);
    return r;
}

PyObject *ha_delete_named(ObjectID *self, PyObject *args, PyObject *kw, ha_opkind op)
{
    static char *kwlist[] = {"name", "es", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *name, *es = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:delete", kwlist, &name, &es) ||
        ha_oid_check_writable(st, self, op) < 0 ||
        ha_oid_resolve_es(st, self, es, &core_es) < 0)
        return NULL;
    ha_task *t = ha_named_task(st, self, op, name, NULL);
    if (!t)
        return NULL;
    int rc = ha_dispatch(st, t, core_es);
    ha_task_unref(t);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* As h5py: a closed group contains nothing, and nothing is named ''. */
static PyObject *contains(ObjectID *self, PyObject *name)
{
    if (ha_handle_check(self->h) == HA_E_CLOSED || ha_is_empty_name(name))
        Py_RETURN_FALSE;
    return ha_ask_bool(self, HA_OP_LINK_EXISTS, name);
}

static PyObject *keys(ObjectID *self, PyObject *unused)
{
    (void)unused;
    return ha_ask_names(self, HA_OP_LINK_LIST);
}

static PyObject *delete_link(ObjectID *self, PyObject *args, PyObject *kw)
{
    return ha_delete_named(self, args, kw, HA_OP_LINK_DELETE);
}

PyObject *ha_file_close(ObjectID *self, PyObject *args, PyObject *kw);
PyObject *ha_file_flush(ObjectID *self, PyObject *args, PyObject *kw);

PyMethodDef ha_group_methods[] = {
    {"create_group", (PyCFunction)(void (*)(void))create_group, METH_VARARGS | METH_KEYWORDS,
     "create_group($self, /, name, es=h5async._h5async.DEFAULT, track_order=None)\n--\n\n"
     "Queue the creation of group `name` (and missing intermediate groups) and return its\n"
     "ObjectID at once.  es: event set (DEFAULT: the file's; None: wait).  Argument errors\n"
     "raise at once; an existing name (ValueError) is raised by es.wait()."},
    {"open", (PyCFunction)open_obj, METH_O,
     "open($self, name, /)\n--\n\n"
     "Open the object at path `name` and return its ObjectID.  Waits for this open;\n"
     "raises KeyError if nothing is there."},
    {"commit_type", (PyCFunction)(void (*)(void))commit_type, METH_VARARGS | METH_KEYWORDS,
     "commit_type($self, /, name, dtype, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue storing `dtype` as the committed (named) datatype `name` (h5py's\n"
     "g[name] = np.dtype(...)).  es: event set (DEFAULT: the file's; None: wait)."},
    {"deref", (PyCFunction)deref, METH_O,
     "deref($self, ref, /)\n--\n\n"
     "Open the object the Reference `ref` points at (in this object's file) and return its\n"
     "ObjectID.  Waits for this open; ValueError for a null reference."},
    {"get_ref", (PyCFunction)get_ref, METH_NOARGS,
     "get_ref($self, /)\n--\n\n"
     "An object reference (Reference) to this object.  Waits for its own task."},
    {"contains", (PyCFunction)contains, METH_O,
     "contains($self, name, /)\n--\n\n"
     "Whether a link `name` exists (bool).  Waits for its own check."},
    {"keys", (PyCFunction)keys, METH_NOARGS,
     "keys($self, /)\n--\n\n"
     "The link names of this group, a list of str.  Waits for its own listing."},
    {"delete", (PyCFunction)(void (*)(void))delete_link, METH_VARARGS | METH_KEYWORDS,
     "delete($self, /, name, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue the removal of link `name`; with es=None wait and raise KeyError if missing."},
    {"close", (PyCFunction)(void (*)(void))ha_file_close, METH_VARARGS | METH_KEYWORDS,
     "close($self, /, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Close the file and every object in it.  With an event set, queued; otherwise waits\n"
     "and raises the unretrieved failures of the file's operations."},
    {"flush", (PyCFunction)(void (*)(void))ha_file_flush, METH_VARARGS | METH_KEYWORDS,
     "flush($self, /, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue H5Fflush of the file (es=None: wait for it)."},
    {NULL, NULL, 0, NULL},
};
