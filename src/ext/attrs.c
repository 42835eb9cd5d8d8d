/*
 * Attributes.  attrs[name] = value replaces the attribute with one of the
 * value's type and shape; modify() keeps the stored type when the shape
 * matches, as h5py's AttributeManager does.  Python str becomes a UTF-8
 * variable-length string, as h5py writes it.
 */
#include "common.h"

#include "dtype.h"
#include "future.h"

/* The array h5py would store for `value` (new reference). */
/*
 * modify() with an object array whose items are all arrays of one dtype:
 * variable-length sequences of it (new reference), as h5py converts such a
 * value to the stored sequence type.  NULL without an error otherwise.
 */
static PyArray_Descr *items_sequence_descr(PyObject *value)
{
    if (!PyArray_Check(value) || PyArray_DESCR((PyArrayObject *)value)->type_num != NPY_OBJECT ||
        PyDataType_METADATA(PyArray_DESCR((PyArrayObject *)value)) ||
        PyArray_SIZE((PyArrayObject *)value) == 0 ||
        !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)value))
        return NULL;
    PyObject **items = PyArray_DATA((PyArrayObject *)value);
    PyArray_Descr *base = NULL;
    for (npy_intp i = 0; i < PyArray_SIZE((PyArrayObject *)value); i++) {
        if (!items[i] || !PyArray_Check(items[i]))
            return NULL;
        PyArray_Descr *d = PyArray_DESCR((PyArrayObject *)items[i]);
        if (base && !PyArray_EquivTypes(base, d))
            return NULL;
        base = d;
    }
    return ha_object_descr("vlen", (PyObject *)base);
}

/* With a subarray dtype ('(3,)i'), the data's trailing axes must be the
 * subarray's shape (h5py's check; numpy would repeat each value instead).
 * 1, or 0 with ValueError. */
static int subarray_fits(PyObject *value, PyArray_Descr *dtype)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FromAny(value, NULL, 0, 0, 0, NULL);
    PyObject *shape = PyDataType_SUBARRAY(dtype)->shape;
    Py_ssize_t n = PyTuple_Check(shape) ? PyTuple_GET_SIZE(shape) : 1;
    int ok = a && PyArray_NDIM(a) >= n;
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        PyObject *d = PyTuple_Check(shape) ? PyTuple_GET_ITEM(shape, i) : shape;
        ok = PyArray_DIM(a, PyArray_NDIM(a) - n + i) == PyLong_AsSsize_t(d);
    }
    if (a && !ok)
        PyErr_SetString(PyExc_ValueError, "Array dtype shape is incompatible with data shape");
    Py_XDECREF(a);
    return ok;
}

static PyArrayObject *attr_array(PyObject *value, PyArray_Descr *dtype)
{
    PyArrayObject *a;
    if (dtype) {
        Py_INCREF(dtype);
        a = (PyArrayObject *)PyArray_FromAny(value, dtype, 0, 0,
                                             NPY_ARRAY_CARRAY | NPY_ARRAY_FORCECAST, NULL);
        /* numpy hands back an object array as it is, without the given
         * dtype's metadata (vlen, ref): put it back. */
        if (a && dtype->type_num == NPY_OBJECT && PyDataType_METADATA(dtype) &&
            PyArray_DESCR(a) != dtype) {
            Py_INCREF(dtype);
            Py_SETREF(a, (PyArrayObject *)PyArray_View(a, dtype, NULL));
        }
    } else {
        a = ha_array_for_new_object(value);
    }
    if (!a)
        return NULL;
    int utf8;
    PyArray_Descr *d = PyArray_DESCR(a);
    PyObject *meta = PyDataType_METADATA(d);
    if (d->type_num == NPY_OBJECT && !ha_descr_is_vlstr(d, &utf8) &&
        !(meta && (PyDict_GetItemString(meta, "ref") || PyDict_GetItemString(meta, "vlen")))) {
        /* Object arrays of str become vlen strings (their items are
         * checked when staged). */
        PyArray_Descr *vl = ha_vlstr_descr(1);
        PyArrayObject *c = vl ? (PyArrayObject *)PyArray_CastToType(a, vl, 0) : NULL;
        Py_DECREF(a);
        a = c;
    }
    return a;
}

static PyObject *attr_write(ObjectID *self, PyObject *args, PyObject *kw, int modify)
{
    static char *kwlist[] = {"name", "value", "es", "dtype", "shape", "empty", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *name, *value, *es = NULL, *dtobj = Py_None, *shape = Py_None, *ret = NULL;
    PyArray_Descr *dtype = NULL;
    PyArrayObject *arr = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    ha_task *t = NULL;
    int empty = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOOp:write_attr", kwlist, &name, &value, &es,
                                     &dtobj, &shape, &empty) ||
        ha_oid_check_writable(st, self, HA_OP_ATTR_WRITE) < 0 ||
        ha_oid_resolve_es(st, self, es, &core_es) < 0)
        return NULL;
    if (dtobj != Py_None && !PyArray_DescrConverter(dtobj, &dtype))
        return NULL;
    if (empty) {
        /* h5py.Empty: a null dataspace of this dtype, no data. */
        if (!dtype) {
            PyErr_SetString(PyExc_TypeError, "an empty attribute needs a dtype");
            goto done;
        }
        if (!(t = ha_named_task(st, self, HA_OP_ATTR_WRITE, name, NULL)) ||
            !(t->type = ha_type_from_descr(dtype)))
            goto done;
        t->ival = modify;
        t->extent.null = 1;
        goto submit;
    }
    if (modify && !dtype && PyLong_Check(value) && _PyLong_NumBits(value) > 64) {
        /* beyond 64 bits numpy makes an object array; converted to the
         * stored dtype (h5py) it is a float, or out of an integer's range */
        PyObject *f = PyNumber_Float(value); /* OverflowError beyond a double */
        arr = f ? (PyArrayObject *)PyArray_FromAny(f, NULL, 0, 0, 0, NULL) : NULL;
        Py_XDECREF(f);
        if (!arr)
            goto done;
    } else if (modify && !dtype && !(dtype = items_sequence_descr(value)) && PyErr_Occurred()) {
        goto done;
    } else if (dtype && PyDataType_HASSUBARRAY(dtype) && !subarray_fits(value, dtype)) {
        goto done;
    } else if (!(arr = attr_array(value, dtype && PyDataType_HASSUBARRAY(dtype)
                                              ? PyDataType_SUBARRAY(dtype)->base
                                              : dtype))) {
        /* a subarray dtype: the data's trailing axes are each element's */
        goto done;
    }
    if (shape != Py_None) {
        PyObject *r = PyArray_Reshape(arr, shape);
        if (!r)
            goto done;
        Py_SETREF(arr, (PyArrayObject *)r);
    }
    if (PyArray_NDIM(arr) > HA_MAX_RANK) {
        PyErr_SetString(PyExc_ValueError, "too many dimensions");
        goto done;
    }
    if (!(t = ha_named_task(st, self, HA_OP_ATTR_WRITE, name, NULL)) ||
        !(t->type = ha_type_from_descr(PyArray_DESCR(arr))) ||
        !(t->buf = ha_stage_array(arr, t->type, &t->nbytes)))
        goto done;
    t->own_buf = 1;
    /* A Python value modifying an integer attribute is converted by
     * numpy's rules in h5py, which refuse what does not fit; an array of
     * another dtype is converted by HDF5, which clamps. */
    t->ival = modify && !PyArray_Check(value) ? 2 : modify;
    t->extent.rank = PyArray_NDIM(arr);
    for (int i = 0; i < t->extent.rank; i++)
        t->extent.dims[i] = t->extent.maxdims[i] = (uint64_t)PyArray_DIM(arr, i);
submit:
    if (ha_dispatch(st, t, core_es) == 0)
        ret = Py_NewRef(Py_None);
done:
    ha_task_unref(t);
    Py_XDECREF(dtype);
    Py_XDECREF(arr);
    return ret;
}

static PyObject *attr_set(ObjectID *self, PyObject *args, PyObject *kw)
{
    return attr_write(self, args, kw, 0);
}

static PyObject *attr_modify(ObjectID *self, PyObject *args, PyObject *kw)
{
    return attr_write(self, args, kw, 1);
}

static PyObject *attr_get(ObjectID *self, PyObject *name)
{
    ha_task *t = ha_ask(self, HA_OP_ATTR_READ, name);
    if (!t)
        return NULL;
    PyObject *ret = NULL;
    PyArray_Descr *d = ha_descr_from_type(t->result.type);
    if (d && t->result.extent.null) {
        ret = (PyObject *)d; /* an empty attribute: its dtype, for h5py.Empty */
        d = NULL;
    } else if (d) {
        npy_intp dims[HA_MAX_RANK];
        int rank = t->result.extent.null ? 1 : t->result.extent.rank;
        for (int i = 0; i < rank; i++)
            dims[i] = t->result.extent.null ? 0 : (npy_intp)t->result.extent.dims[i];
        ret = ha_array_from_result(t->result.type, d, rank, dims, t->result.data);
    }
    Py_XDECREF(d);
    ha_task_unref(t);
    return ret;
}

/* attr_read_async(name, es=DEFAULT) -> Future of the value. */
static PyObject *attr_read_async(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "es", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *name, *es = NULL, *fut = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:attr_read_async", kwlist, &name, &es) ||
        ha_oid_resolve_es(st, self, es, &core_es) < 0)
        return NULL;
    ha_task *t = ha_named_task(st, self, HA_OP_ATTR_READ, name, NULL);
    if (!t)
        return NULL;
    fut = ha_future_new(st, t, NULL, HA_FUT_ATTR);
    if (fut && ha_queue(st, t, core_es) < 0)
        Py_CLEAR(fut);
    ha_task_unref(t);
    return fut;
}

static PyObject *attr_contains(ObjectID *self, PyObject *name)
{
    /* H5Aexists refuses an empty name, and h5py passes that on. */
    if (ha_is_empty_name(name))
        return ha_exc_call(ha_state_of((PyObject *)self), HA_E_VALUE, HA_OP_ATTR_EXISTS, "",
                           "no attribute name");
    return ha_ask_bool(self, HA_OP_ATTR_EXISTS, name);
}

static PyObject *attr_names(ObjectID *self, PyObject *unused)
{
    (void)unused;
    return ha_ask_names(self, HA_OP_ATTR_LIST);
}

static PyObject *attr_delete(ObjectID *self, PyObject *args, PyObject *kw)
{
    return ha_delete_named(self, args, kw, HA_OP_ATTR_DELETE);
}

PyMethodDef ha_attrs_methods[] = {
    {"attr_set", (PyCFunction)(void (*)(void))attr_set, METH_VARARGS | METH_KEYWORDS,
     "attr_set($self, /, name, value, es=h5async._h5async.DEFAULT, dtype=None, shape=None, empty=False)\n--\n\n"
     "Queue creating (or replacing) attribute `name` with `value`, copied at once."},
    {"attr_modify", (PyCFunction)(void (*)(void))attr_modify, METH_VARARGS | METH_KEYWORDS,
     "attr_modify($self, /, name, value, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue overwriting attribute `name`, keeping its stored type (created if missing)."},
    {"attr_get", (PyCFunction)attr_get, METH_O,
     "attr_get($self, name, /)\n--\n\n"
     "The value of attribute `name` as a numpy array (a dtype for a null dataspace).\n"
     "Waits for its own read; raises KeyError if missing."},
    {"attr_read_async", (PyCFunction)(void (*)(void))attr_read_async,
     METH_VARARGS | METH_KEYWORDS,
     "attr_read_async($self, /, name, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue a read of attribute `name` and return a Future of its array at once."},
    {"attr_contains", (PyCFunction)attr_contains, METH_O,
     "attr_contains($self, name, /)\n--\n\n"
     "Whether attribute `name` exists (bool).  Waits for its own check."},
    {"attr_names", (PyCFunction)attr_names, METH_NOARGS,
     "attr_names($self, /)\n--\n\n"
     "The attribute names, a list of str.  Waits for its own listing."},
    {"attr_delete", (PyCFunction)(void (*)(void))attr_delete, METH_VARARGS | METH_KEYWORDS,
     "attr_delete($self, /, name, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue deleting attribute `name`."},
    {NULL, NULL, 0, NULL},
};
