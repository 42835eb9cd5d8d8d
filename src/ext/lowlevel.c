/*
 * The corner of h5py's low-level API that client libraries reach through
 * `.id` (h5netcdf on every group, dimension and user type):
 *
 *   group.id.get_create_plist().get_link/attr_creation_order()
 *   dataset.id.get_type().get_class(), datatype.id.get_class()
 *   dataset.id.get_type() == datatype.id   (H5Tequal: same type, structurally)
 *
 * TypeID is a snapshot of a cached type description: it makes no HDF5
 * call, so reading it never waits for the I/O thread.  The creation-order
 * flags are read by one task (ops_plist.c) and handed to a plain Python
 * object (h5async._compat.h5p), a snapshot as h5py's property list copy is.
 */
#include "lowlevel.h"

#include "common.h"
#include "dtype.h"

typedef struct {
    PyObject_HEAD
    ha_type *type;          /* owned */
    PyArray_Descr *dtype;   /* owned */
} TypeIDObject;

/* HDF5's H5T_class_t values, which h5py exposes as h5t.INTEGER ... and
 * clients compare with numbers (h5netcdf: 6 compound, 8 enum, 9 vlen). */
enum { CLS_INTEGER = 0, CLS_FLOAT = 1, CLS_STRING = 3, CLS_OPAQUE = 5, CLS_COMPOUND = 6,
       CLS_REFERENCE = 7, CLS_ENUM = 8, CLS_VLEN = 9, CLS_ARRAY = 10 };

static int class_of(const ha_type *t)
{
    switch (t->cls) {
    case HA_T_INT:
    case HA_T_UINT:
        return CLS_INTEGER;
    case HA_T_FLOAT:
        return CLS_FLOAT;
    case HA_T_BOOL: /* h5py's bool is an int8 enum */
    case HA_T_ENUM:
        return CLS_ENUM;
    case HA_T_COMPLEX: /* {r, i} */
    case HA_T_COMPOUND:
        return CLS_COMPOUND;
    case HA_T_BYTES:
    case HA_T_VLSTR:
        return CLS_STRING;
    case HA_T_ARRAY:
        return CLS_ARRAY;
    case HA_T_REF:
    case HA_T_REGREF:
        return CLS_REFERENCE;
    case HA_T_VLSEQ:
        return CLS_VLEN;
    case HA_T_OPAQUE:
        break;
    }
    return CLS_OPAQUE;
}

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Structural equality of two descriptions, as H5Tequal compares types. */
static int type_equal(const ha_type *a, const ha_type *b)
{
    if (a == b)
        return 1;
    if (!a || !b || a->cls != b->cls || a->size != b->size || a->nfields != b->nfields)
        return 0;
    switch (a->cls) {
    case HA_T_INT:
    case HA_T_UINT:
    case HA_T_FLOAT:
    case HA_T_COMPLEX:
        return a->order == b->order;
    case HA_T_BYTES:
        return a->cset == b->cset && a->nullpad == b->nullpad;
    case HA_T_VLSTR:
        return a->cset == b->cset;
    case HA_T_COMPOUND:
        for (int i = 0; i < a->nfields; i++)
            if (!str_eq(a->fields[i].name, b->fields[i].name) ||
                a->fields[i].offset != b->fields[i].offset ||
                !type_equal(a->fields[i].type, b->fields[i].type))
                return 0;
        return 1;
    case HA_T_ENUM:
        for (int i = 0; i < a->nfields; i++)
            if (!str_eq(a->members[i].name, b->members[i].name) ||
                a->members[i].value != b->members[i].value)
                return 0;
        return type_equal(a->base, b->base);
    case HA_T_ARRAY:
        if (a->arank != b->arank ||
            memcmp(a->adims, b->adims, (size_t)a->arank * sizeof a->adims[0]))
            return 0;
        return type_equal(a->base, b->base);
    case HA_T_VLSEQ:
        return type_equal(a->base, b->base);
    case HA_T_OPAQUE:
        return str_eq(a->tag, b->tag);
    case HA_T_BOOL:
    case HA_T_REF:
    case HA_T_REGREF:
        return 1;
    }
    return 0;
}

static PyObject *typeid_new(ha_state *st, const ha_type *type, PyArray_Descr *dtype)
{
    if (!type || !dtype) {
        PyErr_SetString(PyExc_ValueError, "the object has no datatype");
        return NULL;
    }
    TypeIDObject *o = PyObject_New(TypeIDObject, st->TypeIDType);
    if (!o)
        return NULL;
    o->dtype = (PyArray_Descr *)Py_NewRef((PyObject *)dtype);
    if (!(o->type = ha_type_copy(type))) {
        Py_DECREF(o);
        return PyErr_NoMemory();
    }
    return (PyObject *)o;
}

static void typeid_dealloc(TypeIDObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    ha_type_free(o->type);
    Py_XDECREF(o->dtype);
    tp->tp_free(o);
    Py_DECREF(tp);
}

/* The description `obj` stands for: a TypeID's, or a named datatype's. */
static const ha_type *type_of(ha_state *st, PyObject *obj)
{
    if (Py_TYPE(obj) == st->TypeIDType)
        return ((TypeIDObject *)obj)->type;
    if (PyObject_TypeCheck(obj, st->ObjectIDType) &&
        ((ObjectID *)obj)->kind == HA_OBJ_DATATYPE)
        return ((ObjectID *)obj)->type;
    return NULL;
}

static PyObject *typeid_richcompare(PyObject *a, PyObject *b, int op)
{
    ha_state *st = ha_state_of(a);
    const ha_type *ta = type_of(st, a), *tb = type_of(st, b);
    if ((op != Py_EQ && op != Py_NE) || !ta || !tb)
        Py_RETURN_NOTIMPLEMENTED;
    int eq = type_equal(ta, tb);
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static PyObject *typeid_get_class(TypeIDObject *o, PyObject *unused)
{
    (void)unused;
    return PyLong_FromLong(class_of(o->type));
}

static PyObject *typeid_get_size(TypeIDObject *o, PyObject *unused)
{
    (void)unused;
    /* HDF5's size: a variable-length string or sequence is hvl_t/char *. */
    size_t n = o->type->cls == HA_T_VLSEQ ? 16 : o->type->size;
    return PyLong_FromSize_t(n);
}

static PyObject *typeid_copy(TypeIDObject *o, PyObject *unused)
{
    (void)unused;
    return typeid_new(ha_state_of((PyObject *)o), o->type, o->dtype);
}

/* TypeID._from_dtype(dtype): h5py.h5t.py_create(). */
static PyObject *typeid_from_dtype(PyObject *cls, PyObject *arg)
{
    PyObject *m = PyType_GetModuleByDef((PyTypeObject *)cls, &ha_module_def);
    ha_state *st = m ? PyModule_GetState(m) : NULL;
    PyArray_Descr *d = NULL;
    if (!st)
        return NULL;
    if (!PyArray_DescrConverter(arg, &d))
        return NULL;
    ha_type *t = ha_type_from_descr(d);
    PyObject *r = t ? typeid_new(st, t, d) : NULL;
    ha_type_free(t);
    Py_DECREF(d);
    return r;
}

PyObject *ha_typeid_of(ObjectID *o)
{
    return typeid_new(ha_state_of((PyObject *)o), o->type, o->dtype);
}

static PyObject *typeid_false(TypeIDObject *o, PyObject *unused)
{
    (void)o;
    (void)unused;
    Py_RETURN_FALSE;
}

static PyObject *typeid_close(TypeIDObject *o, PyObject *unused)
{
    (void)o;
    (void)unused;
    Py_RETURN_NONE;
}

static PyObject *typeid_dtype(TypeIDObject *o, void *c)
{
    (void)c;
    return Py_NewRef((PyObject *)o->dtype);
}

static PyObject *typeid_repr(TypeIDObject *o)
{
    return PyUnicode_FromFormat("<h5async TypeID class %d, dtype %R>", class_of(o->type),
                                (PyObject *)o->dtype);
}

static PyMethodDef typeid_methods[] = {
    {"get_class", (PyCFunction)typeid_get_class, METH_NOARGS,
     "get_class($self, /)\n--\n\nHDF5's type class code (h5py.h5t.INTEGER, COMPOUND, ...)."},
    {"get_size", (PyCFunction)typeid_get_size, METH_NOARGS,
     "get_size($self, /)\n--\n\nBytes of one element."},
    {"copy", (PyCFunction)typeid_copy, METH_NOARGS,
     "copy($self, /)\n--\n\nAn independent copy."},
    {"committed", (PyCFunction)typeid_false, METH_NOARGS,
     "committed($self, /)\n--\n\nFalse: a TypeID is a transient copy."},
    {"_from_dtype", (PyCFunction)typeid_from_dtype, METH_O | METH_CLASS,
     "_from_dtype($type, dtype, /)\n--\n\nThe TypeID for a numpy dtype (h5py.h5t.py_create)."},
    {"close", (PyCFunction)typeid_close, METH_NOARGS,
     "close($self, /)\n--\n\nDoes nothing (a TypeID holds no HDF5 id)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef typeid_getset[] = {
    {"dtype", (getter)typeid_dtype, NULL, "the numpy dtype", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot typeid_slots[] = {
    {Py_tp_dealloc, typeid_dealloc},
    {Py_tp_repr, typeid_repr},
    {Py_tp_richcompare, typeid_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, typeid_methods},
    {Py_tp_getset, typeid_getset},
    {Py_tp_doc, "A datatype, as h5py's h5t.TypeID: get_class(), get_size(), dtype, and ==\n"
                "comparing types structurally (HDF5's H5Tequal).  Made by\n"
                "dataset.id.get_type(); holds no HDF5 id."},
    {0, NULL},
};

PyType_Spec ha_typeid_spec = {
    .name = "h5async._h5async.TypeID",
    .basicsize = sizeof(TypeIDObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = typeid_slots,
};

/* ---- ObjectID methods ---- */

static PyObject *get_type(ObjectID *self, PyObject *unused)
{
    (void)unused;
    ha_state *st = ha_state_of((PyObject *)self);
    if (ha_oid_check(st, self) < 0)
        return NULL;
    if (self->kind != HA_OBJ_DATASET) {
        PyErr_SetString(PyExc_TypeError, "get_type() is for datasets (a named datatype's "
                                         "id is its type: use get_class() on it)");
        return NULL;
    }
    return typeid_new(st, self->type, self->dtype);
}

static PyObject *get_class(ObjectID *self, PyObject *unused)
{
    (void)unused;
    ha_state *st = ha_state_of((PyObject *)self);
    if (ha_oid_check(st, self) < 0)
        return NULL;
    if (self->kind != HA_OBJ_DATATYPE || !self->type) {
        PyErr_SetString(PyExc_TypeError, "get_class() is for named datatypes "
                                         "(a dataset's: id.get_type().get_class())");
        return NULL;
    }
    return PyLong_FromLong(class_of(self->type));
}

static PyObject *get_create_plist(ObjectID *self, PyObject *unused)
{
    (void)unused;
    static const char *kinds[] = {"", "file", "group", "dataset", "datatype", "attribute"};
    if (self->kind < HA_OBJ_FILE || self->kind > HA_OBJ_DATATYPE) {
        PyErr_SetString(PyExc_TypeError, "get_create_plist() is for files, groups, datasets "
                                         "and named datatypes");
        return NULL;
    }
    ha_state *st = ha_state_of((PyObject *)self);
    ha_task *t = ha_obj_task(st, self, HA_OP_CRT_ORDER);
    if (t)
        t->ival = self->kind == HA_OBJ_FILE;
    if (!(t = ha_run_owned(st, t)))
        return NULL;
    long flags = (long)t->result.ival;
    ha_task_unref(t);
    PyObject *mod = PyImport_ImportModule("h5async._compat.h5p");
    PyObject *make = mod ? PyObject_GetAttrString(mod, "_create_plist") : NULL;
    Py_XDECREF(mod);
    if (!make)
        return NULL;
    /* a dataset's fill time from its cached creation properties (IFSET,
     * HDF5's default, when unset) */
    long fill_time = self->kind == HA_OBJ_DATASET && self->dcpl.fill_time_set
                         ? self->dcpl.fill_time : 2;
    PyObject *r = PyObject_CallFunction(make, "slll", kinds[self->kind], flags & 0xff,
                                        (flags >> 8) & 0xff, fill_time);
    Py_DECREF(make);
    return r;
}

PyMethodDef ha_lowlevel_methods[] = {
    {"get_create_plist", (PyCFunction)get_create_plist, METH_NOARGS,
     "get_create_plist($self, /)\n--\n\n"
     "The object's creation properties h5py's clients read: a snapshot with\n"
     "get_link_creation_order() (files, groups) and get_attr_creation_order()."},
    {"get_type", (PyCFunction)get_type, METH_NOARGS,
     "get_type($self, /)\n--\n\nA dataset's datatype as a TypeID (cached: never waits)."},
    {"get_class", (PyCFunction)get_class, METH_NOARGS,
     "get_class($self, /)\n--\n\nA named datatype's HDF5 class code (h5py.h5t.COMPOUND, ...)."},
    {NULL, NULL, 0, NULL},
};
