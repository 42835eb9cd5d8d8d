/*
 * Reference: an object reference as h5py has it.  Only the address is
 * kept: like h5py's, a reference does not know its file; g[ref] opens it in
 * g's file.  A null reference (default-constructed, or read from an unset
 * element) is false.
 */
#include "reference.h"

PyObject *ha_reference_new(PyTypeObject *type, uint64_t addr)
{
    ReferenceObject *r = (ReferenceObject *)type->tp_alloc(type, 0);
    if (r)
        r->addr = addr;
    return (PyObject *)r;
}

static PyObject *ref_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    if (PyTuple_GET_SIZE(args) || (kw && PyDict_GET_SIZE(kw))) {
        PyErr_SetString(PyExc_TypeError, "Reference() takes no arguments (use obj.ref)");
        return NULL;
    }
    return ha_reference_new(type, 0);
}

static int ref_bool(ReferenceObject *r) { return r->addr != 0; }

static PyObject *ref_richcompare(PyObject *a, PyObject *b, int op)
{
    if (Py_TYPE(b) != Py_TYPE(a) || (op != Py_EQ && op != Py_NE))
        Py_RETURN_NOTIMPLEMENTED;
    int eq = ((ReferenceObject *)a)->addr == ((ReferenceObject *)b)->addr;
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t ref_hash(ReferenceObject *r)
{
    Py_hash_t h = (Py_hash_t)(r->addr * 1000003u);
    return h == -1 ? -2 : h;
}

static PyObject *ref_repr(ReferenceObject *r)
{
    return PyUnicode_FromString(r->addr ? "<HDF5 object reference>"
                                        : "<HDF5 object reference (null)>");
}

static PyObject *ref_typecode(PyObject *self, void *c)
{
    (void)self;
    (void)c;
    return PyLong_FromLong(0); /* H5R_OBJECT, as h5py */
}

static void ref_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyGetSetDef ref_getset[] = {
    {"typecode", ref_typecode, NULL, "the reference's kind (0: object)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot ref_slots[] = {
    {Py_tp_new, ref_new},
    {Py_tp_dealloc, ref_dealloc},
    {Py_nb_bool, ref_bool},
    {Py_tp_richcompare, ref_richcompare},
    {Py_tp_hash, ref_hash},
    {Py_tp_repr, ref_repr},
    {Py_tp_getset, ref_getset},
    {Py_tp_doc, "Reference()\n--\n\nAn HDF5 object reference (h5py.Reference): obj.ref makes one,\n"
                "group[ref] opens the object it points at.  Reference() is null (false)."},
    {0, NULL},
};

PyType_Spec ha_reference_spec = {
    .name = "h5async._h5async.Reference",
    .basicsize = sizeof(ReferenceObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = ref_slots,
};
