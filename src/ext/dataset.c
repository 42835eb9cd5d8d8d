/*
 * Datasets: reading, writing and resizing, with h5py's checks made at the
 * call.  Writes copy the caller's data into a task-owned staging buffer
 * (converted to the dataset's dtype, broadcast to the selection), so the
 * caller may reuse its array at once.
 */
#include "common.h"

#include "dtype.h"
#include "future.h"
#include "reference.h"
#include "regionref.h"
#include "selection.h"

int ha_oid_check_dataset(ha_state *st, ObjectID *o)
{
    if (o->kind != HA_OBJ_DATASET) {
        PyErr_SetString(PyExc_TypeError, "not a dataset");
        return -1;
    }
    return ha_oid_check(st, o);
}

static PyObject *shape_str(int rank, const npy_intp *dims)
{
    PyObject *t = PyTuple_New(rank), *s;
    for (int i = 0; t && i < rank; i++)
        PyTuple_SET_ITEM(t, i, PyLong_FromSsize_t(dims[i]));
    s = t ? PyObject_Repr(t) : NULL;
    Py_XDECREF(t);
    return s;
}

static int broadcast_error(PyArrayObject *src, const ha_index *idx)
{
    PyObject *a = shape_str(PyArray_NDIM(src), PyArray_DIMS(src));
    PyObject *b = shape_str(idx->out_rank, idx->out_dims);
    if (a && b)
        PyErr_Format(PyExc_TypeError, "Can't broadcast %U -> %U", a, b);
    Py_XDECREF(a);
    Py_XDECREF(b);
    return -1;
}

/* Memory selection: a whole contiguous buffer of the result's shape. */
static void mem_all(ha_sel *m, int rank, const npy_intp *dims)
{
    memset(m, 0, sizeof *m);
    m->kind = HA_SEL_ALL;
    m->rank = rank;
    for (int i = 0; i < rank; i++)
        m->dims[i] = (uint64_t)dims[i];
}

/*
 * A read task of selection `key` into a new array of `dtype` (NULL: the
 * dataset's; HDF5 converts).  NULL with an error.  *arr_out receives the
 * array (new reference).  Strings are read by the executor into task
 * memory and put into the array by ha_read_finish().
 */
static ha_task *read_task(ha_state *st, ObjectID *self, PyObject *key, PyObject *dtype,
                          int as_str, PyObject **arr_out)
{
    ha_index idx;
    PyArray_Descr *descr = NULL;
    *arr_out = NULL;
    if (ha_oid_check_dataset(st, self) < 0)
        return NULL;
    if (self->ext.null) {
        PyErr_SetString(PyExc_ValueError, "empty dataset has no data to read");
        return NULL;
    }
    if (dtype && dtype != Py_None) {
        if (!PyArray_DescrConverter(dtype, &descr))
            return NULL;
    } else {
        descr = (PyArray_Descr *)Py_NewRef((PyObject *)self->dtype);
    }
    if (descr->kind == 'T') {
        /* StringDType keeps no objects: read str objects (the Python layer
         * casts them), never pointers into its memory. */
        Py_SETREF(descr, ha_vlstr_descr(1));
        as_str = 1;
        if (!descr)
            return NULL;
    } else if (descr->type_num == NPY_OBJECT && !PyDataType_METADATA(descr) &&
               ha_type_has_objects(self->type)) {
        /* astype(object) of strings or references: the dataset's own */
        Py_SETREF(descr, (PyArray_Descr *)Py_NewRef((PyObject *)self->dtype));
    }
    ha_type *mtype = ha_type_from_descr(descr);
    const unsigned char *region;
    if (!mtype || (ha_regionref_bytes(st, key, &region)
                       ? ha_region_index(self, key, &idx) < 0 || idx.out_rank < 0
                       : ha_index_parse(key, self->ext.rank, self->ext.dims, &idx) < 0)) {
        if (!PyErr_Occurred()) /* the Python layer asks first */
            PyErr_SetString(PyExc_ValueError, "the region reference selects nothing");
        ha_type_free(mtype);
        Py_DECREF(descr);
        return NULL;
    }
    if (ha_index_check_array(&idx) < 0) {
        ha_sel_clear(&idx.sel);
        ha_type_free(mtype);
        Py_DECREF(descr);
        return NULL;
    }
    /* zeroed, as h5py's: what HDF5 leaves untouched (fill time "never")
     * reads as 0, not as old heap memory; calloc'd pages cost nothing */
    PyArrayObject *arr =
        PyDataType_REFCHK(descr) /* object slots stay NULL for ha_read_finish */
            ? (PyArrayObject *)PyArray_NewFromDescr(&PyArray_Type, descr, idx.out_rank,
                                                    idx.out_dims, NULL, NULL, 0, NULL)
            : (PyArrayObject *)PyArray_Zeros(idx.out_rank, idx.out_dims, descr, 0); /* steal */
    ha_task *t = arr ? ha_new_task(idx.npoints ? HA_OP_DSET_READ : HA_OP_NOOP) : NULL;
    if (!t) {
        ha_type_free(mtype);
        ha_sel_clear(&idx.sel);
        Py_XDECREF(arr);
        return NULL;
    }
    t->type = mtype;
    t->obj = ha_handle_ref(self->h);
    t->fsel = idx.sel;
    t->ival2 = as_str;
    t->collective = self->collective;
    mem_all(&t->msel, idx.out_rank, idx.out_dims);
    /* HDF5 must never write char * into numpy's object slots: reads of
     * types with strings go through a buffer of the task's (ha_read_finish). */
    if (!ha_type_has_objects(mtype)) {
        t->buf = PyArray_DATA(arr);
        t->nbytes = (size_t)PyArray_NBYTES(arr);
    }
    *arr_out = (PyObject *)arr;
    return t;
}

/*
 * Compound datasets read by field name, as h5py: d['a'], d['a', 0:10],
 * d[['a', 'b']].  Splits the names out of `key` into *rest; when there are
 * some, *dtype is a packed structured dtype of those fields (the memory
 * type: HDF5 converts by name) and *single their name if only one.
 * Returns 0 or -1.
 */
static int split_fields(ObjectID *self, PyObject *key, PyObject **rest, PyObject **dtype,
                        PyObject **single)
{
    PyObject *items = PyTuple_Check(key) ? Py_NewRef(key) : PyTuple_Pack(1, key);
    PyObject *names = PyList_New(0), *others = PyList_New(0), *spec = NULL;
    int rc = -1;
    *rest = *dtype = *single = NULL;
    if (!items || !names || !others)
        goto done;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(items); i++) {
        PyObject *it = PyTuple_GET_ITEM(items, i);
        int is_names = PyList_Check(it) && PyList_GET_SIZE(it) && PyUnicode_Check(PyList_GET_ITEM(it, 0));
        if (PyUnicode_Check(it) ? PyList_Append(names, it) < 0
            : is_names ? PyList_SetSlice(names, PY_SSIZE_T_MAX, PY_SSIZE_T_MAX, it) < 0
                       : PyList_Append(others, it) < 0)
            goto done;
    }
    if (PyList_GET_SIZE(names) == 0) {
        *rest = Py_NewRef(key);
        rc = 0;
        goto done;
    }
    PyObject *fields = PyDataType_FIELDS(self->dtype);
    if (self->type->cls != HA_T_COMPOUND || !fields) {
        PyErr_SetString(PyExc_ValueError, "Field names only allowed for compound types");
        goto done;
    }
    if (!(spec = PyList_New(0)))
        goto done;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(names); i++) {
        PyObject *n = PyList_GET_ITEM(names, i), *info = PyDict_GetItemWithError(fields, n);
        PyObject *pair = info ? PyTuple_Pack(2, n, PyTuple_GET_ITEM(info, 0)) : NULL;
        if (!info && !PyErr_Occurred())
            PyErr_Format(PyExc_ValueError, "Field %R does not appear in this type.", n);
        if (!pair || PyList_Append(spec, pair) < 0) {
            Py_XDECREF(pair);
            goto done;
        }
        Py_DECREF(pair);
    }
    PyArray_Descr *d = NULL;
    if (!PyArray_DescrConverter(spec, &d))
        goto done;
    *dtype = (PyObject *)d;
    *rest = PyList_AsTuple(others);
    if (PyList_GET_SIZE(names) == 1 && PyUnicode_Check(key) + PyTuple_Check(key))
        *single = Py_NewRef(PyList_GET_ITEM(names, 0));
    rc = *rest ? 0 : -1;
done:
    Py_XDECREF(items);
    Py_XDECREF(names);
    Py_XDECREF(others);
    Py_XDECREF(spec);
    if (rc < 0) {
        Py_CLEAR(*rest);
        Py_CLEAR(*dtype);
        Py_CLEAR(*single);
    }
    return rc;
}

/* The array a field read returns: the one field's own array (as h5py). */
static PyObject *field_result(PyObject *arr, PyObject *single)
{
    if (!single)
        return arr;
    PyObject *r = PyObject_GetItem(arr, single);
    Py_DECREF(arr);
    return r;
}

int ha_read_finish(ha_task *t, PyObject *arr)
{
    if (t->op != HA_OP_DSET_READ || !ha_type_has_objects(t->type) || !t->result.data)
        return 0;
    int rc = ha_fill_vlen((PyArrayObject *)arr, t->type, t->result.data, (int)t->ival2);
    free(t->result.data); /* filled once */
    t->result.data = NULL;
    return rc;
}

/* read_async(key=(), es=DEFAULT, dtype=None, as_str=False) -> Future:
 * always queued; es only tracks it. */
static PyObject *read_async(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"key", "es", "dtype", "as_str", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *key = NULL, *es = NULL, *dtype = NULL, *arr = NULL, *fut = NULL;
    int as_str = 0;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOp:read_async", kwlist, &key, &es, &dtype,
                                     &as_str) ||
        ha_oid_resolve_es(st, self, es, &core_es) < 0)
        return NULL;
    PyObject *empty = key ? NULL : PyTuple_New(0);
    ha_task *t = read_task(st, self, key ? key : empty, dtype, as_str, &arr);
    Py_XDECREF(empty);
    if (!t)
        return NULL;
    fut = ha_future_new(st, t, arr, HA_FUT_ARRAY);
    if (fut && ha_queue(st, t, core_es) < 0)
        Py_CLEAR(fut);
    ha_task_unref(t);
    Py_DECREF(arr);
    return fut;
}

/* read(key, dtype=None, as_str=False) -> array, waiting for this read only. */
static PyObject *read_sel(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"key", "dtype", "as_str", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *key, *dtype = NULL, *arr;
    int as_str = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|Op:read", kwlist, &key, &dtype, &as_str))
        return NULL;
    PyObject *rest, *fdtype, *single;
    if (split_fields(self, key, &rest, &fdtype, &single) < 0)
        return NULL;
    ha_task *t = read_task(st, self, rest, fdtype ? fdtype : dtype, as_str, &arr);
    Py_DECREF(rest);
    Py_XDECREF(fdtype);
    if (!t) {
        Py_XDECREF(single);
        return NULL;
    }
    /* The hold keeps `arr` alive should Ctrl-C abandon the wait. */
    int rc = t->op == HA_OP_NOOP ? 0 : ha_hold(t, arr, 0);
    if (rc == 0 && t->op != HA_OP_NOOP)
        rc = ha_run_sync(st, t);
    if (rc == 0)
        rc = ha_read_finish(t, arr);
    ha_task_unref(t);
    if (rc < 0 || !(arr = field_result(arr, single))) {
        Py_XDECREF(single);
        Py_XDECREF(arr);
        return NULL;
    }
    Py_XDECREF(single);
    /* As h5py: a 0-d result is a numpy scalar, except d[...] on a scalar
     * dataset, which stays a 0-d array. */
    if (key == Py_Ellipsis || !PyArray_Check(arr))
        return arr;
    return PyArray_Return((PyArrayObject *)arr);
}

/* Queue a write of `buf` (owned, stolen) into selection `fsel` (whose
 * list or points are taken over too). */
static int submit_write(ha_state *st, ObjectID *self, ha_type *mtype, const ha_sel *fsel,
                        const ha_sel *msel, void *buf, size_t nbytes, ha_eventset *core_es,
                        PyObject *borrowed)
{
    ha_task *t = ha_new_task(HA_OP_DSET_WRITE);
    if (!t || (borrowed && ha_hold(t, borrowed, 0) < 0)) {
        ha_task_unref(t);
        ha_type_free(mtype);
        if (!borrowed)
            free(buf);
        ha_sel_clear((ha_sel *)fsel);
        return -1;
    }
    t->obj = ha_handle_ref(self->h);
    t->collective = self->collective;
    t->type = mtype;
    t->fsel = *fsel;
    t->msel = *msel;
    t->buf = buf;
    t->nbytes = nbytes;
    t->own_buf = !borrowed;
    int rc = ha_dispatch(st, t, core_es);
    ha_task_unref(t);
    return rc;
}

/*
 * A synchronous write needs no staging copy when the caller's array already
 * is what HDF5 should read: the caller waits, and the task holds the array.
 * Returns the array to borrow (new reference) or NULL (stage a copy).
 */
static PyArrayObject *borrowable(PyObject *value, PyArray_Descr *dtype, const ha_index *idx)
{
    if (!PyArray_Check(value))
        return NULL;
    PyArrayObject *a = (PyArrayObject *)value;
    if (!PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a) || PyDataType_HASSUBARRAY(dtype) ||
        PyDataType_REFCHK(dtype) || !PyArray_EquivTypes(PyArray_DESCR(a), dtype) ||
        PyArray_NDIM(a) != idx->out_rank)
        return NULL;
    for (int i = 0; i < idx->out_rank; i++)
        if (PyArray_DIM(a, i) != idx->out_dims[i])
            return NULL;
    return (PyArrayObject *)Py_NewRef(value);
}

/*
 * `value` as an array ready to be cast to `dtype`, as h5py converts it.
 * h5py hands numpy a value that is not an array together with the
 * dataset's type when that is a number, so numpy's errors are h5py's
 * ('abc' into integers: ValueError; 300 into uint8: OverflowError).  An
 * array h5py gives to HDF5, which has no conversion from text or complex to
 * numbers: TypeError for str (no HDF5 type at all), and for bytes and
 * complex the OSError of its failed write, from the table in errors.c.
 */
static PyArrayObject *convertible(PyObject *value, PyArray_Descr *dtype)
{
    char to = dtype->kind;
    int number = to && strchr("biufc", to);
    /* Python values (and, for compounds, tuples as rows: d[0] = (1, 2.5),
     * a list of tuples) are converted by numpy to the dataset's dtype, as
     * h5py does. */
    if (!PyArray_Check(value) && (number || PyDataType_HASFIELDS(dtype))) {
        Py_INCREF(dtype);
        return (PyArrayObject *)PyArray_FromAny(value, dtype, 0, 0, NPY_ARRAY_FORCECAST, NULL);
    }
    PyArrayObject *src = (PyArrayObject *)PyArray_FROM_O(value);
    char from = src ? PyArray_DESCR(src)->kind : 0;
    if (!src || !number || !(from == 'U' || from == 'S' || (from == 'c' && to != 'c')))
        return src;
    if (from == 'U') {
        PyErr_Format(PyExc_TypeError, "No conversion path for dtype: %R -> %R",
                     (PyObject *)PyArray_DESCR(src), (PyObject *)dtype);
    } else {
        PyObject *msg = PyUnicode_FromFormat("no conversion path for dtype: %R -> %R",
                                             (PyObject *)PyArray_DESCR(src), (PyObject *)dtype);
        if (msg && PyUnicode_AsUTF8(msg))
            ha_exc_call(NULL, HA_E_TYPE, HA_OP_DSET_WRITE, "", PyUnicode_AsUTF8(msg));
        Py_XDECREF(msg);
    }
    Py_DECREF(src);
    return NULL;
}

/* Convert `value` to `dtype` and broadcast it to the selection's shape,
 * staged in a new buffer. */
/*
 * Variable-length sequences, as h5py takes them: one sequence for a single
 * element, else one per element along a 1-D selection (an object array of
 * the selection's shape is taken as it is).
 */
static void *stage_sequences(PyObject *value, PyArray_Descr *dtype, const ha_type *type,
                             const ha_index *idx, size_t *nbytes)
{
    PyArrayObject *o = (PyArrayObject *)PyArray_NewFromDescr(
        &PyArray_Type, (PyArray_Descr *)Py_NewRef((PyObject *)dtype), idx->out_rank,
        (npy_intp *)idx->out_dims, NULL, NULL, 0, NULL);
    if (!o)
        return NULL;
    npy_intp n = PyArray_SIZE(o);
    PyObject **slots = (PyObject **)PyArray_DATA(o);
    int rc = 0;
    if (idx->out_rank == 0 && PyArray_Check(value) && PyArray_NDIM((PyArrayObject *)value) == 0 &&
        PyArray_DESCR((PyArrayObject *)value)->type_num == NPY_OBJECT) {
        /* a 0-d array of sequences: its one sequence */
        Py_XSETREF(slots[0], PyArray_GETITEM((PyArrayObject *)value,
                                             PyArray_DATA((PyArrayObject *)value)));
        rc = slots[0] ? 0 : -1;
    } else if (idx->out_rank == 0) {
        Py_XSETREF(slots[0], Py_NewRef(value));
    } else if (PyArray_Check(value) && PyArray_DESCR((PyArrayObject *)value)->type_num == NPY_OBJECT) {
        rc = PyArray_CopyInto(o, (PyArrayObject *)value);
    } else if (idx->out_rank == 1 && PySequence_Check(value) && PySequence_Size(value) == n) {
        for (npy_intp i = 0; i < n && rc == 0; i++) {
            PyObject *item = PySequence_GetItem(value, i);
            rc = item ? 0 : -1;
            Py_XSETREF(slots[i], item);
        }
    } else {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "Can't broadcast %R to a selection of %zd "
                         "variable-length sequences", (PyObject *)Py_TYPE(value), (Py_ssize_t)n);
        rc = -1;
    }
    void *buf = rc == 0 ? ha_stage_array(o, type, nbytes) : NULL;
    Py_DECREF(o);
    return buf;
}

void *ha_stage_for_selection(PyObject *value, PyArray_Descr *dtype, const ha_type *type,
                             const ha_index *idx, size_t *nbytes)
{
    if (type->cls == HA_T_VLSEQ) {
        if (ha_index_check_array(idx) < 0)
            return NULL;
        return stage_sequences(value, dtype, type, idx, nbytes);
    }
    void *buf = NULL, *staged = NULL;
    PyArrayObject *src = NULL, *dst = NULL;
    /* Strings go through an object array; everything else is converted and
     * broadcast straight into the staging buffer: one copy. */
    int direct = !ha_type_has_objects(type);
    size_t n;
    if (ha_index_check_array(idx) < 0)
        return NULL;
    if (ha_bytes_of(idx->npoints, (size_t)PyDataType_ELSIZE(dtype), &n) < 0) {
        PyErr_Format(PyExc_ValueError,
                     "Selection of %llu elements of %zd bytes is too large to stage "
                     "(more bytes than fit in memory's address space)",
                     (unsigned long long)idx->npoints, (Py_ssize_t)PyDataType_ELSIZE(dtype));
        return NULL;
    }
    /* A subarray dtype ('(3,)i4') is, to numpy, its base type with the
     * element shape appended to the array's. */
    int rank = idx->out_rank;
    npy_intp dims[2 * HA_MAX_RANK];
    memcpy(dims, idx->out_dims, (size_t)rank * sizeof dims[0]);
    if (PyDataType_HASSUBARRAY(dtype)) {
        PyArray_ArrayDescr *subarr = PyDataType_SUBARRAY(dtype);
        PyObject *shape = subarr->shape;
        Py_ssize_t k = PyTuple_Check(shape) ? PyTuple_GET_SIZE(shape) : 1;
        for (Py_ssize_t i = 0; i < k && rank < 2 * HA_MAX_RANK; i++)
            dims[rank++] = PyLong_AsSsize_t(PyTuple_Check(shape) ? PyTuple_GET_ITEM(shape, i) : shape);
        dtype = subarr->base;
    }
    if (!(src = convertible(value, dtype)))
        return NULL;
    Py_INCREF(dtype);
    Py_SETREF(src, (PyArrayObject *)PyArray_FromAny((PyObject *)src, dtype, 0, 0,
                                                    NPY_ARRAY_FORCECAST, NULL));
    if (!src)
        return NULL;
    if (direct && !(staged = ha_stage_alloc(n))) {
        PyErr_NoMemory();
        goto done;
    }
    ha_stage_clear_padding(staged, dtype, n);
    Py_INCREF(dtype);
    dst = (PyArrayObject *)PyArray_NewFromDescr(&PyArray_Type, dtype, rank, dims, NULL, staged,
                                                direct ? NPY_ARRAY_CARRAY : 0, NULL);
    if (!dst)
        goto done;
    if (PyArray_CopyInto(dst, src) < 0) {
        if (PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            broadcast_error(src, idx);
        }
        goto done;
    }
    if (direct) {
        buf = staged;
        staged = NULL;
        *nbytes = n;
    } else {
        buf = ha_stage_array(dst, type, nbytes);
    }
done:
    Py_XDECREF(src);
    Py_XDECREF(dst); /* does not own `staged` */
    free(staged);
    return buf;
}

/*
 * write(key, value, es=DEFAULT, copy=True).  Without an event set, or with
 * copy=False, an array that already has the dataset's dtype and the
 * selection's shape (C-contiguous) is handed to HDF5 as it is: with
 * copy=False the caller promises not to change it until the write is done.
 */
static PyObject *write_sel(ObjectID *self, PyObject *args, PyObject *kw);

/* h5s.ALL of the h5py shim (a dataspace description without shape). */
static int is_all_space(PyObject *o)
{
    PyObject *shape = PyObject_HasAttrString(o, "get_simple_extent_dims")
                          ? PyObject_GetAttrString(o, "shape") : NULL;
    int all = shape == Py_None;
    Py_XDECREF(shape);
    PyErr_Clear();
    return all;
}

/*
 * h5py's low-level DatasetID.write(mspace, fspace, arr, mtype=None,
 * dxpl=None), as h5netcdf calls it for NETCDF4_CLASSIC strings: the whole
 * dataset from `arr`, whose buffer holds values of `mtype` (as in h5py: a
 * same-size array is reinterpreted, another converted).  Only h5s.ALL for
 * both spaces; then it is a write of the whole dataset.
 */
static PyObject *lowlevel_write(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"mspace", "fspace", "arr_obj", "mtype", "dxpl", NULL};
    PyObject *mspace, *fspace, *arr, *mtype = Py_None, *dxpl = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|OO:write", kwlist, &mspace, &fspace, &arr,
                                     &mtype, &dxpl))
        return NULL;
    if (!is_all_space(mspace) || !is_all_space(fspace)) {
        PyErr_SetString(PyExc_NotImplementedError, "h5py's low-level DatasetID.write is "
                        "supported for h5s.ALL selections only (use dataset[sel] = value)");
        return NULL;
    }
    PyObject *value = Py_NewRef(arr);
    PyArray_Descr *md = NULL;
    PyObject *mdt = mtype != Py_None ? PyObject_GetAttrString(mtype, "dtype") : NULL;
    if (mtype != Py_None && (!mdt || !PyArray_DescrConverter(mdt, &md))) {
        Py_XDECREF(mdt);
        Py_DECREF(value);
        return NULL;
    }
    Py_XDECREF(mdt);
    if (md && PyArray_Check(arr) &&
        PyDataType_ELSIZE(PyArray_DESCR((PyArrayObject *)arr)) == PyDataType_ELSIZE(md)) {
        Py_INCREF(md);
        Py_SETREF(value, PyArray_View((PyArrayObject *)arr, md, NULL));
    } else if (md) {
        Py_INCREF(md);
        Py_SETREF(value, PyArray_FromAny(arr, md, 0, 0, NPY_ARRAY_CARRAY | NPY_ARRAY_FORCECAST, NULL));
    }
    Py_XDECREF(md);
    PyObject *wargs = value ? PyTuple_Pack(2, Py_Ellipsis, value) : NULL;
    PyObject *r = wargs ? write_sel(self, wargs, NULL) : NULL;
    Py_XDECREF(wargs);
    Py_XDECREF(value);
    return r;
}

static PyObject *write_sel(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"key", "value", "es", "copy", NULL};
    if (PyTuple_GET_SIZE(args) >= 3 &&
        PyObject_HasAttrString(PyTuple_GET_ITEM(args, 0), "get_simple_extent_dims"))
        return lowlevel_write(self, args, kw); /* a dataspace first: h5py's low-level form */
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *key, *value, *es = NULL;
    int copy = 1;
    ha_index idx;
    size_t nbytes = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|Op:write", kwlist, &key, &value, &es, &copy) ||
        ha_oid_check_dataset(st, self) < 0 ||
        ha_oid_check_writable(st, self, HA_OP_DSET_WRITE) < 0)
        return NULL;
    if (self->ext.null) {
        PyErr_SetString(PyExc_ValueError, "cannot write to an empty dataset");
        return NULL;
    }
    HA_ES_AUTO ha_eventset *core_es = NULL;
    PyObject *rest = NULL, *fdtype = NULL, *single = NULL;
    if (ha_oid_resolve_es(st, self, es, &core_es) < 0 ||
        split_fields(self, key, &rest, &fdtype, &single) < 0)
        return NULL;
    int parsed = ha_index_parse(rest, self->ext.rank, self->ext.dims, &idx);
    Py_DECREF(rest);
    if (parsed < 0) {
        Py_XDECREF(fdtype);
        Py_XDECREF(single);
        return NULL;
    }
    PyArrayObject *borrowed = NULL;
    PyArray_Descr *wdescr;
    ha_type *wtype = NULL;  /* the memory type HDF5 gets, when not the dataset's */
    ha_type *stype = NULL;  /* the type the value is staged as, when not wtype */
    if (fdtype) {
        /* d['a'] = v, d[['a', 'b'], sel] = v: the memory type holds only
         * those fields, and HDF5 converts by name, leaving the others as
         * they are (as h5py writes fields).  One field's values have the
         * layout of a compound of that field alone. */
        PyObject *info = single ? PyDict_GetItem(PyDataType_FIELDS((PyArray_Descr *)fdtype), single) : NULL;
        wdescr = (PyArray_Descr *)Py_NewRef(info ? PyTuple_GET_ITEM(info, 0) : fdtype);
        wtype = ha_type_from_descr((PyArray_Descr *)fdtype);
        stype = wtype ? ha_type_from_descr(wdescr) : NULL;
    } else {
        borrowed = core_es && copy ? NULL : borrowable(value, self->dtype, &idx);
        /* An array of another numeric dtype keeps it: HDF5 converts (dtype.h). */
        wdescr = borrowed ? NULL : ha_write_descr(value, self->dtype);
        wtype = wdescr && wdescr != self->dtype ? ha_type_from_descr(wdescr) : NULL;
    }
    int fields = fdtype != NULL;
    Py_XDECREF(fdtype);
    Py_XDECREF(single);
    void *buf = NULL;
    if (borrowed) {
        buf = PyArray_DATA(borrowed);
    } else if (wdescr == self->dtype) {
        buf = ha_stage_for_selection(value, wdescr, self->type, &idx, &nbytes);
    } else if (wtype && (stype || !fields)) {
        buf = ha_stage_for_selection(value, wdescr, stype ? stype : wtype, &idx, &nbytes);
    }
    ha_type_free(stype);
    Py_XDECREF(wdescr);
    if (!buf) {
        ha_type_free(wtype);
        ha_sel_clear(&idx.sel);
        return NULL;
    }
    if (borrowed)
        nbytes = (size_t)PyArray_NBYTES(borrowed);
    ha_type *mtype = !idx.npoints ? NULL : wtype ? wtype : ha_type_copy(self->type);
    if (!mtype || !idx.npoints)
        ha_type_free(wtype);
    if (!mtype) {
        if (!borrowed)
            free(buf);
        Py_XDECREF(borrowed);
        ha_sel_clear(&idx.sel);
        if (idx.npoints)
            return PyErr_NoMemory();
        Py_RETURN_NONE; /* nothing selected */
    }
    ha_sel msel;
    mem_all(&msel, idx.out_rank, idx.out_dims);
    int rc = submit_write(st, self, mtype, &idx.sel, &msel, buf, nbytes, core_es,
                          (PyObject *)borrowed);
    Py_XDECREF(borrowed);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* The dataset-side selection of a *_direct call (None: everything). */
static int dataset_sel(ObjectID *self, PyObject *sel, ha_index *idx)
{
    if (self->ext.null) { /* read_direct/write_direct of an Empty dataset, as h5py */
        PyErr_SetString(PyExc_TypeError, "Empty datasets have no numpy representation");
        return -1;
    }
    if (sel == Py_None)
        return ha_index_all(self->ext.rank, self->ext.dims, idx);
    return ha_index_parse(sel, self->ext.rank, self->ext.dims, idx);
}

/* source[ssel], an array even where numpy gives an element: an integer
 * index into an object array of sequences gives the sequence itself, which
 * is one element to write, not its items (as h5py takes it). */
static PyObject *source_part(PyObject *source, PyObject *ssel)
{
    PyObject *part = PyObject_GetItem(source, ssel);
    if (!part || !PyArray_Check(source) ||
        PyArray_DESCR((PyArrayObject *)source)->type_num != NPY_OBJECT ||
        (PyArray_Check(part) && PyArray_DESCR((PyArrayObject *)part)->type_num == NPY_OBJECT))
        return part;
    PyObject *tail = PyTuple_Pack(1, Py_Ellipsis);
    PyObject *key = !tail ? NULL : PyTuple_Check(ssel) ? PySequence_Concat(ssel, tail)
                                                       : PyTuple_Pack(2, ssel, Py_Ellipsis);
    Py_XDECREF(tail);
    PyObject *view = key ? PyObject_GetItem(source, key) : NULL; /* a[k, ...]: 0-d array */
    Py_XDECREF(key);
    if (!view) {
        PyErr_Clear(); /* an Ellipsis in ssel already: numpy's answer stands */
        return part;
    }
    Py_DECREF(part);
    return view;
}

/*
 * write_direct's source as an array: source[source_sel] keeps the source's
 * dtype (an element taken with an int would be a bare str or int, its
 * string or enum metadata lost).
 */
static PyArrayObject *direct_source(PyObject *source, PyObject *part)
{
    PyArray_Descr *want = NULL;
    if (PyArray_Check(part))
        return (PyArrayObject *)Py_NewRef(part);
    if (PyArray_Check(source))
        want = PyArray_DESCR((PyArrayObject *)source);
    PyArrayObject *a = (PyArrayObject *)PyArray_FromAny(part, want ? (PyArray_Descr *)Py_NewRef((PyObject *)want)
                                                                  : NULL, 0, 0, 0, NULL);
    if (a && want && PyDataType_METADATA(want) && PyArray_DESCR(a) != want) {
        Py_INCREF(want);
        Py_SETREF(a, (PyArrayObject *)PyArray_View(a, want, NULL));
    }
    return a;
}

/* Fixed-length text into a variable-length string dataset: numpy casts it
 * to the dataset's strings first, as h5py's own converter would. */
static PyArrayObject *text_as_dataset_strings(PyArrayObject *arr, PyArray_Descr *dtype)
{
    int utf8;
    char k = PyArray_DESCR(arr)->kind;
    if ((k != 'S' && k != 'U') || !ha_descr_is_vlstr(dtype, &utf8))
        return arr;
    Py_INCREF(dtype);
    PyArrayObject *c = (PyArrayObject *)PyArray_CastToType(arr, dtype, 0);
    Py_DECREF(arr);
    return c;
}

static PyObject *write_direct(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"source", "source_sel", "dest_sel", "es", "copy", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *source, *ssel = Py_None, *dsel = Py_None, *es = NULL, *part = NULL;
    PyArrayObject *arr = NULL;
    ha_index idx;
    PyObject *ret = NULL;
    int copy = 1;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOOp:write_direct", kwlist, &source, &ssel,
                                     &dsel, &es, &copy) ||
        ha_oid_check_dataset(st, self) < 0 ||
        ha_oid_check_writable(st, self, HA_OP_DSET_WRITE) < 0 ||
        dataset_sel(self, dsel, &idx) < 0)
        return NULL;
    if (PyArray_Check(source) && !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)source)) {
        /* as h5py, whose write hands HDF5 the source's own buffer */
        PyErr_SetString(PyExc_TypeError, "Array must be C-contiguous");
        goto done;
    }
    part = ssel == Py_None ? Py_NewRef(source) : source_part(source, ssel);
    if (!part || !(arr = direct_source(source, part)) ||
        !(arr = text_as_dataset_strings(arr, self->dtype)))
        goto done;
    if ((uint64_t)PyArray_SIZE(arr) != idx.npoints) {
        broadcast_error(arr, &idx);
        goto done;
    }
    ha_type *mtype = NULL;
    /* The dataset's own type when the source has its layout (an enum's
     * base integers, strings): HDF5 has no conversion from plain integers
     * to an enum, and h5py writes those as they are. */
    if (ha_oid_resolve_es(st, self, es, &core_es) < 0 ||
        !(mtype = PyArray_EquivTypes(PyArray_DESCR(arr), self->dtype)
                      ? ha_type_copy(self->type)
                      : ha_type_from_descr(PyArray_DESCR(arr)))) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    /* Synchronous (or copy=False) and contiguous: HDF5 reads the caller's
     * array itself. */
    int borrow = (!core_es || !copy) && PyArray_IS_C_CONTIGUOUS(arr) && PyArray_ISALIGNED(arr) &&
                 !ha_type_has_objects(mtype);
    size_t nbytes = (size_t)PyArray_NBYTES(arr);
    void *buf = borrow ? PyArray_DATA(arr) : ha_stage_array(arr, mtype, &nbytes);
    if (!buf) {
        ha_type_free(mtype);
        goto done;
    }
    ha_sel msel;
    mem_all(&msel, PyArray_NDIM(arr), PyArray_DIMS(arr));
    if (idx.npoints == 0) {
        ha_type_free(mtype);
        if (!borrow)
            free(buf);
    } else {
        int rc = submit_write(st, self, mtype, &idx.sel, &msel, buf, nbytes, core_es,
                              borrow ? (PyObject *)arr : NULL);
        idx.sel.list = NULL; /* taken over by the task, or freed by submit_write */
        idx.sel.points = NULL;
        if (rc < 0)
            goto done;
    }
    ret = Py_NewRef(Py_None);
done:
    ha_sel_clear(&idx.sel);
    Py_XDECREF(part);
    Py_XDECREF(arr);
    return ret;
}

static PyObject *read_direct(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"dest", "source_sel", "dest_sel", "es", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *dest, *ssel = Py_None, *dsel = Py_None, *es = NULL;
    ha_index fidx, midx;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOO:read_direct", kwlist, &dest, &ssel,
                                     &dsel, &es) ||
        ha_oid_check_dataset(st, self) < 0 || dataset_sel(self, ssel, &fidx) < 0 ||
        ha_oid_resolve_es(st, self, es, &core_es) < 0)
        return NULL;
    if (!PyArray_Check(dest) || !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)dest) ||
        !PyArray_ISWRITEABLE((PyArrayObject *)dest)) {
        PyErr_SetString(PyExc_TypeError, "dest must be a C-contiguous writable numpy array");
        return NULL;
    }
    PyArrayObject *arr = (PyArrayObject *)dest;
    uint64_t ddims[HA_MAX_RANK];
    for (int i = 0; i < PyArray_NDIM(arr); i++)
        ddims[i] = (uint64_t)PyArray_DIM(arr, i);
    if (dsel == Py_None ? ha_index_all(PyArray_NDIM(arr), ddims, &midx) < 0
                        : ha_index_parse(dsel, PyArray_NDIM(arr), ddims, &midx) < 0) {
        ha_sel_clear(&fidx.sel);
        return NULL;
    }
    /* as h5py: equal counts, and equal shapes when there is nothing to read */
    if (midx.npoints != fidx.npoints ||
        (fidx.npoints == 0 && (midx.out_rank != fidx.out_rank ||
                               memcmp(midx.out_dims, fidx.out_dims,
                                      (size_t)fidx.out_rank * sizeof fidx.out_dims[0])))) {
        PyObject *a = shape_str(fidx.out_rank, fidx.out_dims);
        PyObject *b = shape_str(midx.out_rank, midx.out_dims);
        if (a && b)
            PyErr_Format(PyExc_TypeError, "Can't broadcast %U -> %U", a, b);
        Py_XDECREF(a);
        Py_XDECREF(b);
        return NULL;
    }
    ha_type *mtype = ha_type_from_descr(PyArray_DESCR(arr));
    if (!mtype)
        return NULL;
    if (ha_type_has_objects(mtype)) {
        ha_type_free(mtype);
        PyErr_SetString(PyExc_TypeError, "read_direct into object arrays is not supported");
        return NULL;
    }
    if (fidx.npoints == 0) {
        ha_type_free(mtype);
        Py_RETURN_NONE;
    }
    ha_task *t = ha_new_task(HA_OP_DSET_READ);
    if (!t) {
        ha_type_free(mtype);
        return NULL;
    }
    t->type = mtype;
    t->obj = ha_handle_ref(self->h);
    t->collective = self->collective;
    t->fsel = fidx.sel;
    t->msel = midx.sel;
    t->buf = PyArray_DATA(arr);
    t->nbytes = (size_t)PyArray_NBYTES(arr);
    /* The task keeps `dest` alive and pinned until it has been filled. */
    int rc = ha_hold(t, dest, 1);
    if (rc == 0)
        rc = ha_dispatch(st, t, core_es);
    ha_task_unref(t);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

int ha_parse_shape(PyObject *obj, ha_extent *e, int maxshape);

static PyObject *resize(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"size", "axis", "es", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *size, *axis = Py_None, *es = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    ha_extent ne;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO:resize", kwlist, &size, &axis, &es) ||
        ha_oid_check_dataset(st, self) < 0 ||
        ha_oid_check_writable(st, self, HA_OP_DSET_RESIZE) < 0 ||
        ha_oid_resolve_es(st, self, es, &core_es) < 0)
        return NULL;
    if (!self->dcpl.chunked) {
        PyErr_SetString(PyExc_TypeError, "Only chunked datasets can be resized");
        return NULL;
    }
    ne = self->ext;
    if (axis != Py_None) {
        Py_ssize_t ax = PyNumber_AsSsize_t(axis, PyExc_ValueError);
        Py_ssize_t n = PyNumber_AsSsize_t(size, PyExc_ValueError);
        if (PyErr_Occurred())
            return NULL;
        if (ax < 0 || ax >= ne.rank) {
            PyErr_Format(PyExc_ValueError, "Invalid axis (0 to %d allowed)", ne.rank - 1);
            return NULL;
        }
        if (n < 0) {
            PyErr_SetString(PyExc_ValueError, "New size must be non-negative");
            return NULL;
        }
        ne.dims[ax] = (uint64_t)n;
    } else {
        ha_extent req;
        if (ha_parse_shape(size, &req, 0) < 0)
            return NULL;
        if (req.rank != ne.rank) {
            PyErr_Format(PyExc_TypeError, "New shape length (%d) must match dataset rank (%d)",
                         req.rank, ne.rank);
            return NULL;
        }
        memcpy(ne.dims, req.dims, sizeof ne.dims);
    }
    /* HDF5 would wrap the count of a larger one to a small number. */
    uint64_t count;
    if (ha_extent_count(ne.rank, ne.dims, "Unable to set extent of dataset", &count) < 0)
        return NULL;
    for (int i = 0; i < ne.rank; i++)
        if (ne.maxdims[i] != HA_UNLIMITED && ne.dims[i] > ne.maxdims[i]) {
            PyErr_Format(PyExc_RuntimeError,
                         "Unable to set extent of dataset (dimension %d cannot exceed the "
                         "maximal size: new %llu, max %llu)",
                         i, (unsigned long long)ne.dims[i], (unsigned long long)ne.maxdims[i]);
            return NULL;
        }
    ha_task *t = ha_new_task(HA_OP_DSET_RESIZE);
    if (!t)
        return NULL;
    t->obj = ha_handle_ref(self->h);
    t->extent = ne;
    int rc = ha_dispatch(st, t, core_es);
    ha_task_unref(t);
    if (rc < 0)
        return NULL;
    /* The cache follows the submission order, like every later task. */
    self->ext = ne;
    Py_RETURN_NONE;
}

PyObject *ha_create_dataset(ObjectID *self, PyObject *args, PyObject *kw);

/* Whether attribute creation order is tracked (cached at create and open),
 * for create_dataset_like. */
static PyObject *track_order(ObjectID *self, PyObject *unused)
{
    (void)unused;
    if (ha_oid_check_dataset(ha_state_of((PyObject *)self), self) < 0)
        return NULL;
    return PyBool_FromLong(self->dcpl.track_order);
}

/* file.c: the file's options, and SWMR's flush and refresh of a dataset. */
PyObject *ha_file_info(ObjectID *self, PyObject *unused);
PyObject *ha_dset_flush(ObjectID *self, PyObject *args, PyObject *kw);
PyObject *ha_dset_refresh(ObjectID *self, PyObject *unused);

PyMethodDef ha_dataset_methods[] = {
    {"create_dataset", (PyCFunction)(void (*)(void))ha_create_dataset,
     METH_VARARGS | METH_KEYWORDS,
     "create_dataset($self, /, name, shape=None, dtype=None, data=None, maxshape=None, "
     "chunks=None, fillvalue=None, compression=None, compression_opts=None, shuffle=None, "
     "fletcher32=None, track_order=None, es=h5async._h5async.DEFAULT, *, virtual=None)\n--\n\n"
     "Queue the creation of dataset `name` and return its ObjectID at once; shape and\n"
     "dtype are known at once.  Bad shapes, dtypes or options raise TypeError/ValueError here."},
    {"read", (PyCFunction)(void (*)(void))read_sel, METH_VARARGS | METH_KEYWORDS,
     "read($self, /, key, dtype=None, as_str=False)\n--\n\n"
     "Read selection `key` and return a numpy array (the selection's shape, the dataset's\n"
     "dtype or `dtype`).  Waits for this read only.  Out-of-range selections raise IndexError."},
    {"read_async", (PyCFunction)(void (*)(void))read_async, METH_VARARGS | METH_KEYWORDS,
     "read_async($self, /, key=(), es=h5async._h5async.DEFAULT, dtype=None, as_str=False)\n--\n\n"
     "Queue a read of selection `key` and return a Future of the numpy array at once."},
    {"write", (PyCFunction)(void (*)(void))write_sel, METH_VARARGS | METH_KEYWORDS,
     "write($self, /, key, value, es=h5async._h5async.DEFAULT, copy=True)\n--\n\n"
     "Queue writing `value` (broadcast to the selection's shape) at selection `key`; `value`\n"
     "is copied at once unless copy=False.  Shape or dtype mismatches raise at once."},
    {"write_direct", (PyCFunction)(void (*)(void))write_direct, METH_VARARGS | METH_KEYWORDS,
     "write_direct($self, /, source, source_sel=None, dest_sel=None, es=h5async._h5async.DEFAULT, copy=True)\n--\n\n"
     "Queue writing array `source` (or source[source_sel]) to dest_sel of the dataset."},
    {"read_direct", (PyCFunction)(void (*)(void))read_direct, METH_VARARGS | METH_KEYWORDS,
     "read_direct($self, /, dest, source_sel=None, dest_sel=None, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue reading into the writable array `dest`, which the task keeps alive until done."},
    {"resize", (PyCFunction)(void (*)(void))resize, METH_VARARGS | METH_KEYWORDS,
     "resize($self, /, size, axis=None, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue a resize to `size` (a tuple, or the new length of `axis`); `shape` changes at once.\n"
     "Sizes beyond maxshape raise RuntimeError at once."},
    {"track_order", (PyCFunction)track_order, METH_NOARGS,
     "track_order($self, /)\n--\n\n"
     "Whether the dataset tracks its attributes' creation order (cached)."},
    {"dset_flush", (PyCFunction)(void (*)(void))ha_dset_flush, METH_VARARGS | METH_KEYWORDS,
     "dset_flush($self, /, es=h5async._h5async.DEFAULT)\n--\n\n"
     "Queue H5Dflush of this dataset (es=None: wait for it)."},
    {"refresh", (PyCFunction)ha_dset_refresh, METH_NOARGS,
     "refresh($self, /)\n--\n\n"
     "H5Drefresh of this dataset (SWMR readers); updates the cached shape.  Waits for it."},
    {"file_info", (PyCFunction)ha_file_info, METH_NOARGS,
     "file_info($self, /)\n--\n\n"
     "A dict of this object's file: driver, libver (low, high), userblock_size,\n"
     "meta_block_size, swmr_mode, as HDF5 reports them.  Waits for its own task."},
    {NULL, NULL, 0, NULL},
};
