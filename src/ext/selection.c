#include "selection.h"

#include <string.h>

/* "(a, b, c)" for a message; NULL with an exception. */
static PyObject *dims_str(int rank, const uint64_t *dims)
{
    PyObject *t = PyTuple_New(rank), *s = NULL;
    for (int i = 0; t && i < rank; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong(dims[i]);
        if (!v)
            Py_CLEAR(t);
        else
            PyTuple_SET_ITEM(t, i, v);
    }
    s = t ? PyObject_Repr(t) : NULL;
    Py_XDECREF(t);
    return s;
}

int ha_size_error(const char *what, int rank, const uint64_t *dims, const char *why)
{
    PyObject *s = dims_str(rank, dims);
    if (s)
        PyErr_Format(PyExc_ValueError, "%s (shape %U %s)", what, s, why);
    Py_XDECREF(s);
    return -1;
}

int ha_extent_count(int rank, const uint64_t *dims, const char *what, uint64_t *n)
{
    /* HDF5 counts a dataspace's elements in a signed 64-bit hssize_t: it
     * wraps a larger count, and cannot write even 2**63 elements. */
    if (ha_count_of(rank, dims, n) < 0 || *n > (uint64_t)INT64_MAX)
        return ha_size_error(what, rank, dims,
                             "has more than 2**63 - 1 elements, more than HDF5 can count");
    return 0;
}

/*
 * A selection's count, checked: when a count or their product does not fit
 * in npy_intp, no numpy array can hold the selection (HDF5 counts selected
 * points in a signed 64-bit hssize_t too).  That is not an error yet, as in
 * h5py: a read or a staged write raises ValueError (ha_index_check_array),
 * while an array given to match it (write_direct, read_direct) simply does
 * not match, a TypeError.  npoints is then UINT64_MAX, which no array's
 * size equals.
 */
static void count_selection(int rank, const uint64_t *counts, ha_index *out)
{
    uint64_t n;
    int big = ha_count_of(rank, counts, &n) < 0 || n > (uint64_t)NPY_MAX_INTP;
    for (int i = 0; i < rank; i++)
        big |= counts[i] > (uint64_t)NPY_MAX_INTP;
    out->too_big = big;
    out->npoints = big ? UINT64_MAX : n;
}

int ha_index_check_array(const ha_index *idx)
{
    if (!idx->too_big)
        return 0;
    return ha_size_error("Selection is too large for an array", idx->sel.rank,
                         idx->sel.kind == HA_SEL_ALL ? idx->sel.dims : idx->sel.count,
                         "has more than 2**63 - 1 elements");
}

int ha_index_all(int rank, const uint64_t *dims, ha_index *out)
{
    memset(out, 0, sizeof *out);
    out->sel.kind = HA_SEL_ALL;
    out->sel.list_axis = -1;
    out->sel.rank = rank;
    out->out_rank = rank;
    for (int i = 0; i < rank; i++)
        if (dims[i] > (uint64_t)PY_SSIZE_T_MAX)
            return ha_size_error("Dataset is too large to index", rank, dims,
                                 "has a dimension of 2**63 or more");
    count_selection(rank, dims, out);
    for (int i = 0; i < rank; i++) {
        out->sel.dims[i] = dims[i];
        out->out_dims[i] = (npy_intp)dims[i];
    }
    return 0;
}

/* A list of positions on one axis: increasing, in range (h5py's rules). */
static int parse_list(PyObject *item, int axis, uint64_t dim, ha_index *out)
{
    ha_sel *s = &out->sel;
    if (s->list) {
        PyErr_SetString(PyExc_TypeError,
                        "Only one indexing vector or array is currently allowed for fancy indexing");
        return -1;
    }
    PyArrayObject *a = (PyArrayObject *)PyArray_FROM_O(item);
    if (!a)
        return -1;
    if (PyArray_NDIM(a) != 1) {
        Py_DECREF(a);
        PyErr_SetString(PyExc_TypeError, "Selection lists must be one-dimensional");
        return -1;
    }
    if (PyArray_TYPE(a) == NPY_BOOL) {
        /* A boolean vector on one axis picks the positions that are True. */
        if ((uint64_t)PyArray_DIM(a, 0) != dim) {
            Py_DECREF(a);
            PyErr_Format(PyExc_TypeError, "boolean index did not match indexed array along axis %d",
                         axis);
            return -1;
        }
        PyObject *nz = PyArray_Nonzero(a);
        Py_DECREF(a);
        if (!nz)
            return -1;
        a = (PyArrayObject *)Py_NewRef(PyTuple_GET_ITEM(nz, 0));
        Py_DECREF(nz);
    } else if (PyArray_SIZE(a) && !PyArray_ISINTEGER(a)) {
        Py_DECREF(a);
        PyErr_SetString(PyExc_TypeError, "Selection lists must contain integers");
        return -1;
    }
    PyArrayObject *c = (PyArrayObject *)PyArray_FromAny(
        (PyObject *)a, PyArray_DescrFromType(NPY_INT64), 1, 1, NPY_ARRAY_CARRAY | NPY_ARRAY_FORCECAST, NULL);
    Py_DECREF(a);
    if (!c)
        return -1;
    npy_intp n = PyArray_DIM(c, 0);
    const int64_t *v = PyArray_DATA(c);
    uint64_t *list = PyMem_RawMalloc((size_t)(n ? n : 1) * sizeof *list);
    int rc = -1;
    if (!list) {
        PyErr_NoMemory();
        goto done;
    }
    for (npy_intp k = 0; k < n; k++) {
        int64_t i = v[k] < 0 ? v[k] + (int64_t)dim : v[k];
        if (i < 0 || (uint64_t)i >= dim) {
            PyErr_Format(PyExc_IndexError, "Index (%lld) out of range for (0-%lld)",
                         (long long)v[k], (long long)dim - 1);
            goto done;
        }
        if (k && (uint64_t)i <= list[k - 1]) {
            PyErr_SetString(PyExc_TypeError, "Indexing elements must be in increasing order");
            goto done;
        }
        list[k] = (uint64_t)i;
    }
    /* The list is freed by the core with free(): hand it a malloc'd copy. */
    s->list = malloc((size_t)(n ? n : 1) * sizeof *list);
    if (!s->list) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(s->list, list, (size_t)n * sizeof *list);
    s->nlist = (uint64_t)n;
    s->list_axis = axis;
    s->start[axis] = 0;
    s->stride[axis] = 1;
    s->count[axis] = (uint64_t)n;
    out->out_dims[out->out_rank++] = n;
    rc = 0;
done:
    PyMem_RawFree(list);
    Py_DECREF(c);
    return rc;
}

/* A boolean mask of the dataset's whole shape: a point selection. */
static int parse_mask(PyArrayObject *mask, int rank, const uint64_t *dims, ha_index *out)
{
    for (int i = 0; i < rank; i++)
        if ((uint64_t)PyArray_DIM(mask, i) != dims[i]) {
            PyErr_SetString(PyExc_TypeError, "Boolean mask must have the dataset's shape");
            return -1;
        }
    PyObject *nz = PyArray_Nonzero(mask); /* one index array per axis, row-major */
    if (!nz)
        return -1;
    npy_intp n = PyArray_SIZE((PyArrayObject *)PyTuple_GET_ITEM(nz, 0));
    uint64_t *pts = malloc((size_t)(n ? n : 1) * (size_t)rank * sizeof *pts);
    if (!pts) {
        Py_DECREF(nz);
        PyErr_NoMemory();
        return -1;
    }
    for (int ax = 0; ax < rank; ax++) {
        PyArrayObject *ix = (PyArrayObject *)PyTuple_GET_ITEM(nz, ax);
        for (npy_intp k = 0; k < n; k++)
            pts[(size_t)k * (size_t)rank + (size_t)ax] = (uint64_t)*(npy_intp *)PyArray_GETPTR1(ix, k);
    }
    Py_DECREF(nz);
    memset(out, 0, sizeof *out);
    out->sel.kind = HA_SEL_POINTS;
    out->sel.rank = rank;
    out->sel.list_axis = -1;
    out->sel.points = pts;
    out->sel.npoints = (uint64_t)n;
    for (int i = 0; i < rank; i++)
        out->sel.dims[i] = dims[i];
    out->out_rank = 1;
    out->out_dims[0] = n;
    out->npoints = (uint64_t)n;
    return 0;
}

/* h5py's MultiBlockSlice (h5async/_multiblock.py, recognised by its
 * __h5async_multiblock__ marker): `count` blocks of `block` positions,
 * `stride` apart, from `start`, as its indices(dim) gives them (which
 * raises h5py's ValueError when they do not fit).  One block per step is a
 * strided slab; wider blocks are the list of their positions. */
static int parse_multiblock(PyObject *item, int axis, uint64_t dim, ha_index *out)
{
    unsigned long long start, stride, count, block;
    PyObject *r = PyObject_CallMethod(item, "indices", "K", (unsigned long long)dim);
    if (!r)
        return -1;
    int ok = PyArg_ParseTuple(r, "KKKK", &start, &stride, &count, &block);
    Py_DECREF(r);
    if (!ok)
        return -1;
    if (block == 1) {
        out->sel.start[axis] = start;
        out->sel.stride[axis] = stride;
        out->sel.count[axis] = count;
        out->out_dims[out->out_rank++] = (npy_intp)count;
        return 0;
    }
    npy_intp n = (npy_intp)(count * block);
    PyArrayObject *a = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_INT64);
    if (!a)
        return -1;
    int64_t *v = PyArray_DATA(a);
    for (unsigned long long i = 0; i < count; i++)
        for (unsigned long long j = 0; j < block; j++)
            *v++ = (int64_t)(start + i * stride + j);
    int rc = parse_list((PyObject *)a, axis, dim, out);
    Py_DECREF(a);
    return rc;
}

/* One axis: an integer (drops the axis), a slice or a list; a range is
 * the list of its positions, as in h5py (d[range(0, 10, 2)]). */
static int parse_axis(PyObject *item, int axis, uint64_t dim, ha_index *out)
{
    ha_sel *s = &out->sel;
    if (PyList_Check(item) || PyRange_Check(item) ||
        (PyArray_Check(item) && PyArray_NDIM((PyArrayObject *)item) > 0))
        return parse_list(item, axis, dim, out);
    if (PySlice_Check(item)) {
        Py_ssize_t start, stop, step;
        if (PySlice_Unpack(item, &start, &stop, &step) < 0)
            return -1;
        if (step < 1) {
            PyErr_Format(PyExc_ValueError, "Step must be >= 1 (got %zd)", step);
            return -1;
        }
        Py_ssize_t n = PySlice_AdjustIndices((Py_ssize_t)dim, &start, &stop, step);
        s->start[axis] = (uint64_t)start;
        s->stride[axis] = (uint64_t)step;
        s->count[axis] = (uint64_t)n;
        out->out_dims[out->out_rank++] = n;
        return 0;
    }
    /* Not on the path of plain integers: a failed attribute lookup costs. */
    if (!PyLong_CheckExact(item) && PyObject_HasAttrString(item, "__h5async_multiblock__"))
        return parse_multiblock(item, axis, dim, out);
    if (PyUnicode_Check(item) || PyBytes_Check(item)) {
        PyErr_SetString(PyExc_ValueError, "Field names only allowed for compound types");
        return -1;
    }
    if (PyBool_Check(item) || !PyIndex_Check(item)) {
        PyErr_Format(PyExc_TypeError,
                     "Illegal slicing argument (not a slice, integer or Ellipsis): %.100R",
                     item);
        return -1;
    }
    Py_ssize_t i = PyNumber_AsSsize_t(item, PyExc_IndexError);
    if (i == -1 && PyErr_Occurred())
        return -1;
    Py_ssize_t j = i < 0 ? i + (Py_ssize_t)dim : i;
    if (j < 0 || (uint64_t)j >= dim) {
        PyErr_Format(PyExc_IndexError, "Index (%zd) out of range for (0-%lld)", i,
                     (long long)dim - 1);
        return -1;
    }
    s->start[axis] = (uint64_t)j;
    s->stride[axis] = 1;
    s->count[axis] = 1;
    return 0;
}

int ha_index_parse(PyObject *key, int rank, const uint64_t *dims, ha_index *out)
{
    memset(out, 0, sizeof *out);
    out->sel.list_axis = -1;
    /* Slices and indices are resolved in Py_ssize_t, like numpy's. */
    for (int i = 0; i < rank; i++)
        if (dims[i] > (uint64_t)PY_SSIZE_T_MAX)
            return ha_size_error("Dataset is too large to index", rank, dims,
                                 "has a dimension of 2**63 or more");
    /* A boolean mask of the whole shape selects points; a 1-D one is the
     * list of its True positions, handled with the other lists. */
    if (PyArray_Check(key) && PyArray_TYPE((PyArrayObject *)key) == NPY_BOOL &&
        PyArray_NDIM((PyArrayObject *)key) == rank && rank > 1)
        return parse_mask((PyArrayObject *)key, rank, dims, out);
    PyObject *tuple = PyTuple_Check(key) ? Py_NewRef(key) : PyTuple_Pack(1, key);
    if (!tuple)
        return -1;
    Py_ssize_t n = PyTuple_GET_SIZE(tuple);
    int rc = -1, ellipsis = -1;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (PyTuple_GET_ITEM(tuple, k) != Py_Ellipsis)
            continue;
        if (ellipsis >= 0) {
            PyErr_SetString(PyExc_ValueError, "Only one ellipsis may be used.");
            goto done;
        }
        ellipsis = (int)k;
    }
    Py_ssize_t nidx = n - (ellipsis >= 0);
    if (nidx > rank) {
        if (rank == 0)
            PyErr_SetString(PyExc_ValueError,
                            "Illegal slicing argument for scalar dataspace");
        else
            PyErr_Format(PyExc_ValueError, "%zd indexing arguments for %d dimensions", nidx,
                         rank);
        goto done;
    }
    out->sel.kind = HA_SEL_SLAB;
    out->sel.rank = rank;
    int axis = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *item = PyTuple_GET_ITEM(tuple, k);
        if (item == Py_Ellipsis) {
            /* Ellipsis stands for every axis the other indices leave out. */
            for (Py_ssize_t m = 0; m < rank - nidx; m++, axis++) {
                out->sel.start[axis] = 0;
                out->sel.stride[axis] = 1;
                out->sel.count[axis] = dims[axis];
                out->out_dims[out->out_rank++] = (npy_intp)dims[axis];
            }
            continue;
        }
        if (parse_axis(item, axis, dims[axis], out) < 0)
            goto done;
        axis++;
    }
    for (; axis < rank; axis++) {
        out->sel.start[axis] = 0;
        out->sel.stride[axis] = 1;
        out->sel.count[axis] = dims[axis];
        out->out_dims[out->out_rank++] = (npy_intp)dims[axis];
    }
    for (int i = 0; i < rank; i++)
        out->sel.dims[i] = dims[i];
    count_selection(rank, out->sel.count, out);
    if (rank == 0)
        out->sel.kind = HA_SEL_ALL;
    else if (out->npoints == 0)
        out->sel.kind = HA_SEL_NONE;
    rc = 0;
done:
    if (rc < 0)
        ha_sel_clear(&out->sel);
    Py_DECREF(tuple);
    return rc;
}
