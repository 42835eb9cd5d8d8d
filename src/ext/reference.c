/*
 * Reference: an object reference as h5py has it.  Only the address is
 * kept: like h5py's, a reference does not know its file; g[ref] opens it in
 * g's file.  A null reference (default-constructed, or read from an unset
 * element) is false.
 */
#include "reference.h"

#include <string.h>

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
    /* a base: RegionReference is a Reference, as in h5py */
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_BASETYPE,
    .slots = ref_slots,
};

/* ---- RegionReference ---- */

PyObject *ha_regionref_new(PyTypeObject *type, const void *bytes)
{
    RegionReferenceObject *r = (RegionReferenceObject *)type->tp_alloc(type, 0);
    if (r) {
        memcpy(r->bytes, bytes, HA_REGREF_SIZE);
        memcpy(&r->base.addr, bytes, sizeof r->base.addr);
    }
    return (PyObject *)r;
}

int ha_regionref_bytes(ha_state *st, PyObject *o, const unsigned char **bytes)
{
    if (!PyObject_TypeCheck(o, st->RegionReferenceType))
        return 0;
    *bytes = ((RegionReferenceObject *)o)->bytes;
    return 1;
}

static PyObject *regref_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static const unsigned char null[HA_REGREF_SIZE];
    if (PyTuple_GET_SIZE(args) || (kw && PyDict_GET_SIZE(kw))) {
        PyErr_SetString(PyExc_TypeError,
                        "RegionReference() takes no arguments (use dset.regionref[...])");
        return NULL;
    }
    return ha_regionref_new(type, null);
}

static int regref_bool(RegionReferenceObject *r)
{
    static const unsigned char null[HA_REGREF_SIZE];
    return memcmp(r->bytes, null, HA_REGREF_SIZE) != 0;
}

static PyObject *regref_richcompare(PyObject *a, PyObject *b, int op)
{
    if (Py_TYPE(b) != Py_TYPE(a) || (op != Py_EQ && op != Py_NE))
        Py_RETURN_NOTIMPLEMENTED;
    int eq = !memcmp(((RegionReferenceObject *)a)->bytes, ((RegionReferenceObject *)b)->bytes,
                     HA_REGREF_SIZE);
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t regref_hash(RegionReferenceObject *r)
{
    Py_hash_t h = (Py_hash_t)_Py_HashBytes(r->bytes, HA_REGREF_SIZE);
    return h == -1 ? -2 : h;
}

static PyObject *regref_repr(RegionReferenceObject *r)
{
    return PyUnicode_FromString(regref_bool(r) ? "<HDF5 region reference>"
                                               : "<HDF5 region reference (null>"); /* sic, h5py */
}

static PyObject *regref_typecode(PyObject *self, void *c)
{
    (void)self;
    (void)c;
    return PyLong_FromLong(1); /* H5R_DATASET_REGION, as h5py */
}

static PyGetSetDef regref_getset[] = {
    {"typecode", regref_typecode, NULL, "the reference's kind (1: dataset region)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot regref_slots[] = {
    {Py_tp_new, regref_new},
    {Py_tp_dealloc, ref_dealloc},
    {Py_nb_bool, regref_bool},
    {Py_tp_richcompare, regref_richcompare},
    {Py_tp_hash, regref_hash},
    {Py_tp_repr, regref_repr},
    {Py_tp_getset, regref_getset},
    {Py_tp_doc, "RegionReference()\n--\n\nAn HDF5 dataset region reference "
                "(h5py.RegionReference): a dataset and a selection in it.\n"
                "dset.regionref[sel] makes one, dset[ref] reads the selection, group[ref]\n"
                "opens the dataset.  RegionReference() is null (false)."},
    {0, NULL},
};

PyType_Spec ha_regionref_spec = {
    .name = "h5async._h5async.RegionReference",
    .basicsize = sizeof(RegionReferenceObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = regref_slots,
};
