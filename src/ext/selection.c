#include "selection.h"

#include <string.h>

void ha_index_all(int rank, const uint64_t *dims, ha_index *out)
{
    memset(out, 0, sizeof *out);
    out->sel.kind = HA_SEL_ALL;
    out->sel.rank = rank;
    out->out_rank = rank;
    out->npoints = 1;
    for (int i = 0; i < rank; i++) {
        out->sel.dims[i] = dims[i];
        out->out_dims[i] = (npy_intp)dims[i];
        out->npoints *= dims[i];
    }
}

/* One axis: an integer (drops the axis) or a slice. */
static int parse_axis(PyObject *item, int axis, uint64_t dim, ha_index *out)
{
    ha_sel *s = &out->sel;
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
            PyErr_Format(PyExc_IndexError,
                         "too many indices for dataset: dataset is %d-dimensional, "
                         "but %zd were indexed", rank, nidx);
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
    out->npoints = 1;
    for (int i = 0; i < rank; i++) {
        out->sel.dims[i] = dims[i];
        out->npoints *= out->sel.count[i];
    }
    if (rank == 0)
        out->sel.kind = HA_SEL_ALL;
    else if (out->npoints == 0)
        out->sel.kind = HA_SEL_NONE;
    rc = 0;
done:
    Py_DECREF(tuple);
    return rc;
}
