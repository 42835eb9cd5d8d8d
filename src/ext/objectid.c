/*
 * ObjectID: lifetime, identity, the default event set and the cached
 * metadata getters.  The operations live by area in file.c, group.c,
 * dataset.c and attrs.c; their method tables are joined in module.c.
 */
#include "objectid.h"

#include "common.h"
#include "dtype.h"
#include "errors.h"
#include "submit.h"

ObjectID *ha_oid_new(ha_state *st, ha_handle *h, ObjectID *file, PyObject *path)
{
    ObjectID *o = PyObject_GC_New(ObjectID, st->ObjectIDType);
    if (!o) {
        ha_handle_unref(h);
        return NULL;
    }
    o->h = h;
    o->file = (ObjectID *)Py_XNewRef(file ? (PyObject *)ha_oid_file(file) : NULL);
    o->es = o->filename = o->mode = NULL;
    o->path = Py_NewRef(path);
    o->kind = h->kind;
    o->type = NULL;
    o->dtype = NULL;
    memset(&o->ext, 0, sizeof o->ext);
    memset(&o->dcpl, 0, sizeof o->dcpl);
    o->dcpl.gzip = -1;
    o->have_token = 0;
    o->collective = 0;
    PyObject_GC_Track(o);
    return o;
}

int ha_oid_check(ha_state *st, ObjectID *o)
{
    ha_ecode c = ha_handle_check(o->h);
    if (c != HA_E_NONE) {
        ha_exc_handle(st, c);
        return -1;
    }
    return 0;
}

int ha_oid_check_writable(ha_state *st, ObjectID *o, ha_opkind op)
{
    if (ha_oid_check(st, o) < 0)
        return -1;
    if (ha_handle_file(o->h)->readonly) {
        ha_exc_call(st, HA_E_READONLY, op, "", "no write intent on file");
        return -1;
    }
    return 0;
}

int ha_oid_resolve_es(ha_state *st, ObjectID *o, PyObject *es, ha_eventset **out)
{
    *out = NULL;
    if (!es || es == st->DEFAULT) {
        es = ha_oid_file(o)->es;
        /* A default event set that was closed since means synchronous:
         * closing it must not make the file unusable. */
        if (es && (((EventSetObject *)es)->es == NULL || ha_es_closed(((EventSetObject *)es)->es)))
            return 0;
    }
    if (!es || es == Py_None)
        return 0;
    *out = ha_es_from_py(st, es);
    return *out ? 0 : -1;
}

PyObject *ha_join_path(PyObject *base, PyObject *name)
{
    Py_ssize_t n = PyUnicode_GetLength(name);
    if (n > 0 && PyUnicode_READ_CHAR(name, 0) == '/')
        return Py_NewRef(name);
    if (n == 0 || (n == 1 && PyUnicode_READ_CHAR(name, 0) == '.'))
        return Py_NewRef(base);
    Py_ssize_t b = PyUnicode_GetLength(base);
    if (b > 0 && PyUnicode_READ_CHAR(base, b - 1) == '/')
        return PyUnicode_FromFormat("%U%U", base, name);
    return PyUnicode_FromFormat("%U/%U", base, name);
}

static int oid_traverse(ObjectID *o, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(o));
    Py_VISIT(o->file);
    Py_VISIT(o->es);
    return 0;
}

static int oid_clear(ObjectID *o)
{
    Py_CLEAR(o->file);
    Py_CLEAR(o->es);
    return 0;
}

static void oid_dealloc(ObjectID *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    PyObject_GC_UnTrack(o);
    oid_clear(o);
    Py_CLEAR(o->filename);
    Py_CLEAR(o->mode);
    Py_CLEAR(o->path);
    Py_CLEAR(o->dtype);
    ha_type_free(o->type);
    free(o->dcpl.fill);
    /* May queue a close task: the I/O thread closes the HDF5 object. */
    ha_handle_unref(o->h);
    tp->tp_free(o);
    Py_DECREF(tp);
}

/* ---- identity: same HDF5 object in the same file ---- */

static int fetch_token(ha_state *st, ObjectID *o)
{
    if (o->have_token)
        return 0;
    ha_task *t = ha_run_owned(st, ha_obj_task(st, o, HA_OP_OBJ_INFO));
    if (!t)
        return -1;
    o->fileno = t->result.ival;
    memcpy(o->token, t->result.token, sizeof o->token);
    o->have_token = 1;
    ha_task_unref(t);
    return 0;
}

static PyObject *oid_richcompare(ObjectID *a, PyObject *b, int op)
{
    ha_state *st = ha_state_of((PyObject *)a);
    if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(b, st->ObjectIDType))
        Py_RETURN_NOTIMPLEMENTED;
    ObjectID *o = (ObjectID *)b;
    int eq;
    /* A file compares as its root group, as in h5py (f['/'] == f). */
    int ka = a->kind == HA_OBJ_FILE ? HA_OBJ_GROUP : a->kind;
    int ko = o->kind == HA_OBJ_FILE ? HA_OBJ_GROUP : o->kind;
    if (a->h == o->h)
        eq = 1;
    else if (ka != ko)
        eq = 0;
    else {
        if (fetch_token(st, a) < 0 || fetch_token(st, o) < 0)
            return NULL;
        eq = a->fileno == o->fileno && !memcmp(a->token, o->token, sizeof a->token);
    }
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t oid_hash(ObjectID *o)
{
    if (fetch_token(ha_state_of((PyObject *)o), o) < 0)
        return -1;
    Py_hash_t h = (Py_hash_t)(o->token[0] * 1000003u ^ o->token[1] ^ (uint64_t)o->fileno);
    return h == -1 ? -2 : h;
}

/* ---- getters ---- */

static PyObject *get_kind(ObjectID *o, void *c)
{
    (void)c;
    static const char *names[] = {"", "file", "group", "dataset", "datatype", "attribute"};
    return PyUnicode_FromString(o->kind >= 0 && o->kind <= 5 ? names[o->kind] : "");
}

static PyObject *get_path(ObjectID *o, void *c)
{
    (void)c;
    return Py_NewRef(o->path);
}

static PyObject *get_file(ObjectID *o, void *c)
{
    (void)c;
    return Py_NewRef((PyObject *)ha_oid_file(o));
}

static PyObject *get_valid(ObjectID *o, void *c)
{
    (void)c;
    return PyBool_FromLong(ha_handle_check(o->h) == HA_E_NONE);
}

/* bool(obj.id) is `valid`, as in h5py (anndata tests whether its backing
 * file is open this way). */
static int oid_bool(ObjectID *o) { return ha_handle_check(o->h) == HA_E_NONE; }

static PyObject *get_filename(ObjectID *o, void *c)
{
    (void)c;
    PyObject *f = ha_oid_file(o)->filename;
    return Py_NewRef(f ? f : Py_None);
}

static PyObject *get_mode(ObjectID *o, void *c)
{
    (void)c;
    PyObject *m = ha_oid_file(o)->mode;
    return Py_NewRef(m ? m : Py_None);
}

static PyObject *get_es(ObjectID *o, void *c)
{
    (void)c;
    PyObject *es = ha_oid_file(o)->es;
    return Py_NewRef(es ? es : Py_None);
}

static int set_es(ObjectID *o, PyObject *v, void *c)
{
    (void)c;
    ha_state *st = ha_state_of((PyObject *)o);
    if (v && v != Py_None) {
        ha_eventset *core = ha_es_from_py(st, v);
        if (!core)
            return -1;
        ha_es_unref(core);
    }
    ObjectID *f = ha_oid_file(o);
    Py_XSETREF(f->es, v && v != Py_None ? Py_NewRef(v) : NULL);
    return 0;
}

/* ---- dataset metadata, from the cache ---- */

static PyObject *dims_tuple(int rank, const uint64_t *dims)
{
    PyObject *t = PyTuple_New(rank);
    for (int i = 0; t && i < rank; i++) {
        PyObject *v = dims[i] == HA_UNLIMITED ? Py_NewRef(Py_None)
                                              : PyLong_FromUnsignedLongLong(dims[i]);
        if (!v) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, v);
    }
    return t;
}

static int need_dataset(ObjectID *o)
{
    if (o->kind == HA_OBJ_DATASET)
        return 0;
    PyErr_SetString(PyExc_AttributeError, "only datasets have this property");
    return -1;
}

/*
 * The exact element count as a Python int, for an extent whose count does
 * not fit in 64 bits (a file written elsewhere: we refuse to create one).
 * h5py reports the exact product too.
 */
static PyObject *exact_count(int rank, const uint64_t *dims)
{
    PyObject *n = PyLong_FromLong(1);
    for (int i = 0; n && i < rank; i++) {
        PyObject *d = PyLong_FromUnsignedLongLong(dims[i]);
        Py_XSETREF(n, d ? PyNumber_Multiply(n, d) : NULL);
        Py_XDECREF(d);
    }
    return n;
}

static PyObject *get_dset(ObjectID *o, void *which)
{
    if ((intptr_t)which == 3 && o->kind == HA_OBJ_DATATYPE && o->dtype)
        return Py_NewRef((PyObject *)o->dtype); /* a committed type's dtype */
    if (need_dataset(o) < 0)
        return NULL;
    const ha_extent *e = &o->ext;
    switch ((intptr_t)which) {
    case 0: /* shape */
        return e->null ? Py_NewRef(Py_None) : dims_tuple(e->rank, e->dims);
    case 1: /* maxshape */
        return e->null ? Py_NewRef(Py_None) : dims_tuple(e->rank, e->maxdims);
    case 2: /* chunks */
        return o->dcpl.chunked ? dims_tuple(e->rank, o->dcpl.chunk) : Py_NewRef(Py_None);
    case 3: /* dtype */
        return Py_NewRef((PyObject *)o->dtype);
    case 4: /* ndim */
        return PyLong_FromLong(e->null ? 0 : e->rank);
    case 5: { /* size */
        if (e->null)
            Py_RETURN_NONE; /* an empty dataset has no size, as in h5py */
        uint64_t n;
        if (ha_count_of(e->rank, e->dims, &n) == 0)
            return PyLong_FromUnsignedLongLong(n);
        return exact_count(e->rank, e->dims);
    }
    case 6: /* compression */
        return o->dcpl.gzip >= 0 ? PyUnicode_FromString("gzip")
               : o->dcpl.lzf    ? PyUnicode_FromString("lzf")
               : o->dcpl.filter_id ? PyUnicode_FromString("unknown") /* a plugin, as h5py */
                                   : Py_NewRef(Py_None);
    case 7: /* compression_opts */
        return o->dcpl.gzip >= 0 ? PyLong_FromLong(o->dcpl.gzip) : Py_NewRef(Py_None);
    case 10: /* fillvalue: what unwritten elements read as */
        if (o->type->cls == HA_T_VLSTR && !o->dcpl.fill)
            return PyBytes_FromStringAndSize("", 0); /* as h5py */
        if (ha_type_has_objects(o->type)) {
            /* Zeros, with None for the strings (numpy zero-fills object
             * slots as NULL), as h5py reports it. */
            PyObject *a = PyArray_NewFromDescr(&PyArray_Type, (PyArray_Descr *)Py_NewRef((PyObject *)o->dtype),
                                               0, NULL, NULL, NULL, 0, NULL);
            /* a set one as h5py gives it: strings as bytes */
            if (a && o->dcpl.fill && ha_fill_vlen((PyArrayObject *)a, o->type, o->dcpl.fill, 0) < 0)
                Py_CLEAR(a);
            return a ? PyArray_Return((PyArrayObject *)a) : NULL;
        }
        if (o->dcpl.fill)
            return PyArray_Scalar(o->dcpl.fill, o->dtype, NULL);
        return PyArray_Return((PyArrayObject *)PyArray_Zeros(0, NULL, (PyArray_Descr *)Py_NewRef((PyObject *)o->dtype), 0));
    case 8:
        return PyBool_FromLong(o->dcpl.shuffle);
    case 9:
        return PyBool_FromLong(o->dcpl.fletcher32);
    case 11:
        return o->dcpl.scaleoffset_set ? PyLong_FromLong(o->dcpl.scaleoffset) : Py_NewRef(Py_None);
    }
    Py_RETURN_NONE;
}

static PyObject *get_collective(ObjectID *o, void *c)
{
    (void)c;
    return PyBool_FromLong(o->collective);
}

static int set_collective(ObjectID *o, PyObject *v, void *c)
{
    (void)c;
    int b = v ? PyObject_IsTrue(v) : 0;
    if (b < 0)
        return -1;
    o->collective = b;
    return 0;
}

static PyGetSetDef oid_getset[] = {
    {"collective", (getter)get_collective, (setter)set_collective,
     "parallel HDF5: make this dataset's transfers collective", NULL},
    {"kind", (getter)get_kind, NULL, "'file', 'group', 'dataset' or 'datatype'", NULL},
    {"path", (getter)get_path, NULL, "path of the object in its file", NULL},
    {"file", (getter)get_file, NULL, "the file's ObjectID", NULL},
    {"valid", (getter)get_valid, NULL, "False once the object or its file is closed", NULL},
    {"filename", (getter)get_filename, NULL, "name of the file", NULL},
    {"mode", (getter)get_mode, NULL, "'r' or 'r+'", NULL},
    {"es", (getter)get_es, (setter)set_es, "the file's default event set", NULL},
    {"shape", (getter)get_dset, NULL, "dataset shape (cached)", (void *)0},
    {"maxshape", (getter)get_dset, NULL, "dataset maximum shape (cached)", (void *)1},
    {"chunks", (getter)get_dset, NULL, "chunk shape or None (cached)", (void *)2},
    {"dtype", (getter)get_dset, NULL, "numpy dtype (cached)", (void *)3},
    {"ndim", (getter)get_dset, NULL, "rank (cached)", (void *)4},
    {"size", (getter)get_dset, NULL, "number of elements (cached)", (void *)5},
    {"compression", (getter)get_dset, NULL, "'gzip' or None", (void *)6},
    {"compression_opts", (getter)get_dset, NULL, "gzip level or None", (void *)7},
    {"shuffle", (getter)get_dset, NULL, "shuffle filter on", (void *)8},
    {"fletcher32", (getter)get_dset, NULL, "fletcher32 filter on", (void *)9},
    {"scaleoffset", (getter)get_dset, NULL,
     "scale-offset factor (bits kept for integers, 0 automatic; decimal digits for floats), "
     "or None", (void *)11},
    {"fillvalue", (getter)get_dset, NULL, "value of unwritten elements", (void *)10},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot oid_slots[] = {
    {Py_tp_dealloc, oid_dealloc},
    {Py_tp_traverse, oid_traverse},
    {Py_tp_clear, oid_clear},
    {Py_tp_richcompare, oid_richcompare},
    {Py_tp_hash, oid_hash},
    {Py_nb_bool, oid_bool},
    {Py_tp_getset, oid_getset},
    {Py_tp_methods, NULL},      /* filled in by module.c */
    {Py_tp_doc, "Low-level handle of an HDF5 object (file, group, dataset)."},
    {0, NULL},
};

PyType_Spec ha_objectid_spec = {
    .name = "h5async._h5async.ObjectID",
    .basicsize = sizeof(ObjectID),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = oid_slots,
};
