/*
 * Dataset region references, as h5py has them: dset.regionref[sel] makes
 * one, obj.regionref.shape(ref) and .selection(ref) describe it, dset[ref]
 * reads its selection and group[ref] opens its dataset (group.c).  Each
 * asks the executing thread and waits, as h5py's calls do.
 */
#include <string.h>

#include "common.h"
#include "reference.h"
#include "regionref.h"
#include "selection.h"

int ha_oid_check_dataset(ha_state *st, ObjectID *o);

/* regionref_create(key): a RegionReference to selection `key` of this
 * dataset; waits. */
static PyObject *regionref_create(ObjectID *self, PyObject *key)
{
    ha_state *st = ha_state_of((PyObject *)self);
    ha_index idx;
    if (ha_oid_check(st, self) < 0)
        return NULL;
    if (self->kind != HA_OBJ_DATASET) {
        PyErr_SetString(PyExc_TypeError, "Region references can only be made to datasets");
        return NULL;
    }
    if (ha_index_parse(key, self->ext.rank, self->ext.dims, &idx) < 0)
        return NULL;
    ha_task *t = ha_obj_task(st, self, HA_OP_REGREF_CREATE);
    if (!t) {
        ha_sel_clear(&idx.sel);
        return NULL;
    }
    t->fsel = idx.sel; /* the task owns the lists now */
    if (!(t = ha_run_owned(st, t)))
        return NULL;
    PyObject *r = ha_regionref_new(st->RegionReferenceType, t->result.data);
    ha_task_unref(t);
    return r;
}

/* The region reference `ref` described by the file: a finished
 * HA_OP_REGREF_INFO task, or NULL with an error. */
static ha_task *region_info(ObjectID *self, PyObject *ref)
{
    ha_state *st = ha_state_of((PyObject *)self);
    const unsigned char *bytes;
    if (!ha_regionref_bytes(st, ref, &bytes)) {
        PyErr_Format(PyExc_TypeError, "expected a RegionReference, not %.100s",
                     Py_TYPE(ref)->tp_name);
        return NULL;
    }
    if (ha_oid_check(st, self) < 0)
        return NULL;
    static const unsigned char null[HA_REGREF_SIZE];
    if (!memcmp(bytes, null, HA_REGREF_SIZE)) {
        PyErr_SetString(PyExc_ValueError, "Invalid HDF5 region reference (null)");
        return NULL;
    }
    ha_task *t = ha_obj_task(st, self, HA_OP_REGREF_INFO);
    if (!t)
        return NULL;
    t->fsel.kind = HA_SEL_REGION;
    memcpy(t->fsel.region, bytes, HA_REGREF_SIZE);
    return ha_run_owned(st, t);
}

static PyObject *dims_tuple(int rank, const uint64_t *dims)
{
    PyObject *tup = PyTuple_New(rank);
    for (int i = 0; tup && i < rank; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong(dims[i]);
        if (!v) {
            Py_CLEAR(tup);
            break;
        }
        PyTuple_SET_ITEM(tup, i, v);
    }
    return tup;
}

/* region_shape(ref): the shape of the dataset `ref` points into; waits. */
static PyObject *region_shape(ObjectID *self, PyObject *ref)
{
    ha_task *t = region_info(self, ref);
    PyObject *r = t ? dims_tuple(t->result.extent.rank, t->result.extent.dims) : NULL;
    ha_task_unref(t);
    return r;
}

/* region_selection(ref): the shape of its selection as h5py guesses it
 * (None for nothing in a scalar); waits. */
static PyObject *region_selection(ObjectID *self, PyObject *ref)
{
    ha_task *t = region_info(self, ref);
    if (!t)
        return NULL;
    PyObject *r = t->result.ival < 0 ? Py_NewRef(Py_None)
                                     : dims_tuple((int)t->result.ival, t->result.data);
    ha_task_unref(t);
    return r;
}

int ha_region_index(ObjectID *self, PyObject *ref, ha_index *idx)
{
    ha_task *t = region_info(self, ref);
    if (!t)
        return -1;
    int rc = -1;
    if (!t->result.token[0]) {
        PyErr_SetString(PyExc_ValueError, "Region reference must point to this dataset");
    } else {
        const uint64_t *shape = t->result.data;
        memset(idx, 0, sizeof *idx);
        idx->sel.kind = HA_SEL_REGION;
        memcpy(idx->sel.region, ((RegionReferenceObject *)ref)->bytes, HA_REGREF_SIZE);
        idx->out_rank = t->result.ival < 0 ? -1 : (int)t->result.ival;
        idx->npoints = 1;
        for (int i = 0; i < idx->out_rank; i++) {
            idx->out_dims[i] = (npy_intp)shape[i];
            idx->npoints *= shape[i];
        }
        rc = 0;
    }
    ha_task_unref(t);
    return rc;
}

PyMethodDef ha_regionref_methods[] = {
    {"regionref_create", (PyCFunction)regionref_create, METH_O,
     "regionref_create($self, key, /)\n--\n\n"
     "A RegionReference to selection `key` of this dataset (h5py's\n"
     "dset.regionref[key]).  Waits.  TypeError for other objects."},
    {"region_shape", (PyCFunction)region_shape, METH_O,
     "region_shape($self, ref, /)\n--\n\n"
     "The shape of the dataset RegionReference `ref` points into (any object of\n"
     "its file can ask).  Waits."},
    {"region_selection", (PyCFunction)region_selection, METH_O,
     "region_selection($self, ref, /)\n--\n\n"
     "The shape of the selection `ref` holds, as h5py guesses it: the selected\n"
     "box for one hyperslab, (n,) for points or several hyperslabs, None for\n"
     "nothing selected in a scalar.  Waits."},
    {NULL, NULL, 0, NULL},
};
