/*
 * Virtual datasets (h5py's VirtualLayout / VirtualSource).  The Python side
 * (h5async/vds.py) only collects the index keys and source names; here
 * they become selections, checked at the call, which the creating task
 * turns into H5Pset_virtual mappings (core/ops_vds.c).
 */
#include "vds.h"

#include <stdlib.h>
#include <string.h>

#include "selection.h"

/* A str or bytes (a file name) as a malloc'd UTF-8 copy. */
static char *strdup_name(PyObject *o)
{
    if (PyBytes_Check(o)) {
        char *s = strdup(PyBytes_AS_STRING(o));
        if (!s)
            PyErr_NoMemory();
        return s;
    }
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "a virtual source's file and dataset names must be "
                     "str or bytes, not %.100s", Py_TYPE(o)->tp_name);
        return NULL;
    }
    return ha_strdup_utf8(o);
}

/* One mapping tuple into `m`. */
static int parse_map(PyObject *item, const ha_extent *e, ha_vmap *m)
{
    PyObject *vkey, *file, *dset, *shape, *maxshape, *skey;
    ha_index vi, si;
    memset(&vi, 0, sizeof vi);
    memset(&si, 0, sizeof si);
    if (!PyArg_ParseTuple(item, "OOOOOO:virtual mapping", &vkey, &file, &dset, &shape,
                          &maxshape, &skey) ||
        ha_parse_shape(shape, &m->src, 0) < 0)
        return -1;
    memcpy(m->src.maxdims, m->src.dims, sizeof m->src.dims);
    if (maxshape != Py_None) {
        ha_extent mx;
        if (ha_parse_shape(maxshape, &mx, 1) < 0)
            return -1;
        if (mx.rank != m->src.rank) {
            PyErr_SetString(PyExc_ValueError, "a virtual source's maxshape must have the "
                            "rank of its shape");
            return -1;
        }
        memcpy(m->src.maxdims, mx.dims, sizeof mx.dims);
    }
    if (ha_index_parse(vkey, e->rank, e->dims, &vi) < 0)
        return -1;
    m->vsel = vi.sel;
    if (ha_index_parse(skey, m->src.rank, m->src.dims, &si) < 0)
        return -1;
    m->ssel = si.sel;
    if (vi.npoints != si.npoints) {
        PyErr_Format(PyExc_ValueError, "the virtual selection and the source selection "
                     "select a different number of elements (%llu and %llu)",
                     (unsigned long long)vi.npoints, (unsigned long long)si.npoints);
        return -1;
    }
    if (!(m->file = strdup_name(file)) || !(m->dset = strdup_name(dset)))
        return -1;
    return 0;
}

int ha_vds_parse(PyObject *maps, const ha_extent *e, ha_task *t)
{
    if (e->null || e->rank == 0) {
        PyErr_SetString(PyExc_ValueError, "a virtual dataset needs a shape of rank 1 or more");
        return -1;
    }
    PyObject *seq = PySequence_Fast(maps, "virtual mappings must be a sequence");
    if (!seq)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int rc = -1;
    t->dcpl.is_virtual = 1;
    t->dcpl.chunked = 0; /* a virtual layout is neither chunked nor filtered */
    t->vmaps = calloc((size_t)(n ? n : 1), sizeof *t->vmaps);
    if (!t->vmaps) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        t->nvmaps = (int)i + 1; /* freed with the task, also half-parsed */
        if (parse_map(PySequence_Fast_GET_ITEM(seq, i), e, &t->vmaps[i]) < 0)
            goto done;
    }
    rc = 0;
done:
    Py_DECREF(seq);
    return rc;
}

static int need_dataset(ObjectID *o)
{
    if (o->kind == HA_OBJ_DATASET)
        return 0;
    PyErr_SetString(PyExc_AttributeError, "only datasets have this property");
    return -1;
}

static PyObject *is_virtual(ObjectID *self, PyObject *unused)
{
    (void)unused;
    return need_dataset(self) < 0 ? NULL : PyBool_FromLong(self->dcpl.is_virtual);
}

static PyObject *virtual_sources(ObjectID *self, PyObject *unused)
{
    (void)unused;
    if (need_dataset(self) < 0)
        return NULL;
    if (!self->dcpl.is_virtual)
        return PyErr_Format(PyExc_RuntimeError, "Not a virtual dataset");
    PyObject *names = ha_ask_names(self, HA_OP_VDS_LIST), *out = NULL;
    if (!names)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(names) / 2;
    if (!(out = PyList_New(n)))
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PyTuple_Pack(2, PyList_GET_ITEM(names, 2 * i),
                                      PyList_GET_ITEM(names, 2 * i + 1));
        if (!pair) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, i, pair);
    }
done:
    Py_DECREF(names);
    return out;
}

PyMethodDef ha_vds_methods[] = {
    {"is_virtual", (PyCFunction)is_virtual, METH_NOARGS,
     "is_virtual($self, /)\n--\n\n"
     "Whether this dataset's layout is virtual (cached: no wait)."},
    {"virtual_sources", (PyCFunction)virtual_sources, METH_NOARGS,
     "virtual_sources($self, /)\n--\n\n"
     "(file name, dataset name) of each mapping of this virtual dataset, in order.\n"
     "Waits for its own task; RuntimeError if the dataset is not virtual."},
    {NULL, NULL, 0, NULL},
};
