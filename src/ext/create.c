/*
 * create_dataset: h5py's argument rules (shape from data, float32 by
 * default, maxshape and filters imply chunking, chunk shapes guessed the
 * way h5py guesses them), checked at the call; the creation itself and any
 * initial data go to the I/O thread as one task.
 */
#include <math.h>

#include "common.h"
#include "dtype.h"
#include "filters.h"
#include "selection.h"
#include "vds.h"

int ha_oid_cache_dataset(ObjectID *o, const ha_type *type, const ha_extent *ext,
                         const ha_dcpl *dcpl);
void *ha_stage_for_selection(PyObject *value, PyArray_Descr *dtype, const ha_type *type,
                             const ha_index *idx, size_t *nbytes);

/*
 * One dimension, as h5py converts it: OverflowError for a negative one or
 * one beyond 64 bits (h5py's conversion to hsize_t), ValueError for one
 * from 2**63 (HDF5 refuses those too; numpy cannot index them), except in
 * a maxshape, which is only a bound.
 */
static int parse_dim(PyObject *d, uint64_t *out, int maxshape)
{
    PyObject *iv = PyNumber_Index(d), *zero = PyLong_FromLong(0);
    int rc = -1, neg = iv && zero ? PyObject_RichCompareBool(iv, zero, Py_LT) : -1;
    unsigned long long v = neg ? 0 : PyLong_AsUnsignedLongLong(iv);
    if (neg < 0 || (v == (unsigned long long)-1 && PyErr_Occurred()))
        goto done;
    if (neg)
        PyErr_Format(PyExc_OverflowError, "negative dimension %S in shape", iv);
    else if (!maxshape && v > (unsigned long long)PY_SSIZE_T_MAX)
        PyErr_Format(PyExc_ValueError,
                     "dimension %S in shape is too large (the largest is 2**63 - 1)", iv);
    else
        rc = 0;
    *out = v;
done:
    Py_XDECREF(iv);
    Py_XDECREF(zero);
    return rc;
}

/* A shape: an int or a sequence of ints (None allowed in a maxshape). */
int ha_parse_shape(PyObject *obj, ha_extent *e, int maxshape)
{
    memset(e, 0, sizeof *e);
    PyObject *seq = PyIndex_Check(obj) ? PyTuple_Pack(1, obj)
                                       : PySequence_Tuple(obj);
    if (!seq) {
        PyErr_Format(PyExc_TypeError, "shape must be an int or a tuple of ints, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    int rc = -1;
    if (n > HA_MAX_RANK) {
        PyErr_Format(PyExc_ValueError, "rank %zd exceeds HDF5's maximum of 32", n);
        goto done;
    }
    e->rank = (int)n;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *d = PyTuple_GET_ITEM(seq, i);
        if (maxshape && d == Py_None) {
            e->dims[i] = HA_UNLIMITED;
            continue;
        }
        if (!PyIndex_Check(d)) {
            PyErr_Format(PyExc_TypeError, "invalid dimension %R in shape", d);
            goto done;
        }
        if (parse_dim(d, &e->dims[i], maxshape) < 0)
            goto done;
    }
    rc = 0;
done:
    Py_DECREF(seq);
    return rc;
}

/*
 * h5py's chunk guess (from PyTables): aim at a chunk of 16 KiB scaled by
 * 2**log10(dataset MiB), kept between 8 KiB and 1 MiB, by halving the axes
 * in turn.  Unlimited or zero-length axes count as 1024.
 */
static void guess_chunk(const ha_extent *e, size_t typesize, uint64_t *chunk)
{
    const double base = 16 * 1024, lo = 8 * 1024, hi = 1024 * 1024;
    double c[HA_MAX_RANK], n = 1;
    for (int i = 0; i < e->rank; i++) {
        c[i] = e->dims[i] ? (double)e->dims[i] : 1024;
        n *= c[i];
    }
    double size = n * (double)typesize;
    double target = base * pow(2, log10(size / (1024.0 * 1024.0)));
    target = target > hi ? hi : target < lo ? lo : target;
    for (int idx = 0;; idx++) {
        double p = 1;
        for (int i = 0; i < e->rank; i++)
            p *= c[i];
        double bytes = p * (double)typesize;
        if ((bytes < target || fabs(bytes - target) / target < 0.5) && bytes < hi)
            break;
        if (p == 1)
            break;
        c[idx % e->rank] = ceil(c[idx % e->rank] / 2.0);
    }
    for (int i = 0; i < e->rank; i++)
        chunk[i] = (uint64_t)c[i];
}

typedef struct {
    PyObject *shape, *dtype, *data, *maxshape, *chunks, *fillvalue;
    PyObject *compression, *copts, *shuffle, *fletcher32, *track_order, *es;
} create_args;

static int truthy(PyObject *o) { return o && o != Py_None && PyObject_IsTrue(o) == 1; }

/* h5py's scaleoffset= into d->scaleoffset(_set), with h5py's checks:
 * for integers the bits kept (True: 0, HDF5 finds them), for floats the
 * decimal digits (an int); nothing else, and not with fletcher32. */
static int parse_scaleoffset(PyObject *so, PyArray_Descr *dtype, const create_args *a,
                             ha_dcpl *d)
{
    if (so == Py_None)
        return 0;
    PyObject *zero = PyLong_FromLong(0);
    int negative = zero ? PyObject_RichCompareBool(so, zero, Py_LT) : -1; /* -0.1 too, as h5py */
    Py_XDECREF(zero);
    if (negative < 0)
        return -1;
    if (negative) {
        PyErr_SetString(PyExc_ValueError, "scale factor must be >= 0");
        return -1;
    }
    long v = so == Py_True ? 1 : so == Py_False ? 0 : PyLong_AsLong(so);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (dtype->kind == 'f' && so == Py_True) {
        PyErr_SetString(PyExc_ValueError,
                        "integer scaleoffset must be provided for floating point types");
        return -1;
    }
    if (dtype->kind != 'f' && dtype->kind != 'i' && dtype->kind != 'u') {
        PyErr_SetString(PyExc_TypeError,
                        "scale/offset filter only supported for integer and floating-point types");
        return -1;
    }
    if (truthy(a->fletcher32)) {
        PyErr_SetString(PyExc_ValueError,
                        "fletcher32 cannot be used with potentially lossy scale/offset filter");
        return -1;
    }
    d->scaleoffset_set = 1;
    d->scaleoffset = so == Py_True ? 0 : (int)v; /* True: H5Z_SO_INT_MINBITS_DEFAULT */
    return 0;
}

/* h5py's fill_time= ('alloc', 'never', 'ifset': HDF5's H5D_FILL_TIME_*)
 * and track_times= (True or False; None: False) into `d`, with h5py's
 * errors. */
static int parse_times(PyObject *fill_time, PyObject *track_times, ha_dcpl *d)
{
    static const char *names[] = {"alloc", "never", "ifset"}; /* 0, 1, 2 as HDF5's */
    if (fill_time != Py_None) {
        for (int i = 0; i < 3 && PyUnicode_Check(fill_time); i++)
            if (!PyUnicode_CompareWithASCIIString(fill_time, names[i]))
                d->fill_time_set = 1, d->fill_time = i;
        if (!d->fill_time_set) {
            PyErr_Format(PyExc_ValueError, "fill_time must be one of the following choices: "
                         "'alloc', 'never' or 'ifset', but it is %S.", fill_time);
            return -1;
        }
    }
    if (track_times != Py_None && track_times != Py_True && track_times != Py_False &&
        !(PyLong_CheckExact(track_times) && (PyLong_AsLong(track_times) == 0 ||
                                             PyLong_AsLong(track_times) == 1))) {
        PyErr_SetString(PyExc_TypeError, "track_times must be either True or False");
        return -1;
    }
    d->track_times = track_times != Py_None && PyObject_IsTrue(track_times) == 1;
    return 0;
}

/* compression=<int> outside gzip's levels 0-9: a filter id, as h5py. */
static int is_filter_id(PyObject *c)
{
    if (!PyLong_Check(c) || PyBool_Check(c))
        return 0;
    int overflow = 0;
    long v = PyLong_AsLongAndOverflow(c, &overflow);
    return overflow || v < 0 || v > 9;
}

/* A plugin filter by id with compression_opts as its cd_values, which
 * make_dcpl hands to H5Pset_filter as h5py does (flagged optional).  Only
 * the filters this build registers with HDF5 (zstd, lz4, blosc, and
 * bitshuffle when its library loads) and lzf. */
static int parse_filter_id(create_args *a, ha_dcpl *d)
{
    int overflow = 0;
    long id = PyLong_AsLongAndOverflow(a->compression, &overflow);
    if (overflow || id < 256 || id > 65535 || !ha_filter_known((int)id)) {
        PyErr_Format(PyExc_ValueError, "Unknown compression filter number: %R", a->compression);
        return -1;
    }
    if (id == HA_FILTER_LZF) {
        if (a->copts != Py_None) {
            PyErr_SetString(PyExc_ValueError, "LZF compression filter accepts no options");
            return -1;
        }
        d->lzf = 1;
        return 0;
    }
    d->filter_id = (int)id;
    if (a->copts == Py_None)
        return 0;
    PyObject *seq = PySequence_Fast(a->copts, "compression_opts must be a tuple of integers");
    if (!seq)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > (Py_ssize_t)(sizeof d->filter_cd / sizeof d->filter_cd[0])) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "too many compression_opts (at most 8 values)");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = PySequence_Fast_GET_ITEM(seq, i);
        unsigned long u = PyLong_Check(v) ? PyLong_AsUnsignedLong(v) : (unsigned long)-1;
        if ((PyErr_Occurred() || !PyLong_Check(v) || u > 0xffffffffUL)) {
            PyErr_Clear();
            Py_DECREF(seq);
            PyErr_Format(PyExc_TypeError,
                         "compression_opts must be a tuple of unsigned 32-bit integers, not %R",
                         a->copts);
            return -1;
        }
        d->filter_cd[i] = (unsigned)u;
    }
    d->filter_ncd = (int)n;
    Py_DECREF(seq);
    /* What bitshuffle's set_local would refuse, refused at submit. */
    if (id == HA_FILTER_BITSHUFFLE && n > 0 && d->filter_cd[0] % 8) {
        PyErr_Format(PyExc_ValueError,
                     "Invalid bitshuffle block size: %u (a multiple of 8 elements, or 0 for "
                     "the default)",
                     d->filter_cd[0]);
        return -1;
    }
    return 0;
}

/* Filters and chunking into `d` for extent `e`; -1 with h5py's errors. */
static int parse_layout(create_args *a, const ha_extent *e, size_t typesize, ha_dcpl *d)
{
    d->gzip = -1;
    if (is_filter_id(a->compression)) {
        if (parse_filter_id(a, d) < 0)
            return -1;
    } else if (a->compression != Py_None) {
        int level = 4;
        if (PyLong_Check(a->compression)) {
            level = (int)PyLong_AsLong(a->compression);
        } else if (PyUnicode_Check(a->compression) &&
                   !PyUnicode_CompareWithASCIIString(a->compression, "lzf")) {
            if (a->copts != Py_None) {
                PyErr_SetString(PyExc_ValueError, "LZF compression filter accepts no options");
                return -1;
            }
            d->lzf = 1;
        } else if (!PyUnicode_Check(a->compression) ||
                   PyUnicode_CompareWithASCIIString(a->compression, "gzip")) {
            PyErr_Format(PyExc_ValueError,
                         "Compression filter %R is unavailable (h5async supports gzip and lzf)",
                         a->compression);
            return -1;
        } else if (a->copts != Py_None) {
            level = (int)PyLong_AsLong(a->copts);
        }
        if (PyErr_Occurred() || level < 0 || level > 9) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError, "GZIP setting must be an integer from 0-9, not %R",
                         a->copts != Py_None ? a->copts : a->compression);
            return -1;
        }
        if (!d->lzf)
            d->gzip = level;
    }
    d->shuffle = truthy(a->shuffle);
    d->fletcher32 = truthy(a->fletcher32);
    int filters = d->gzip >= 0 || d->lzf || d->filter_id || d->shuffle || d->fletcher32 || d->scaleoffset_set;
    int want = a->chunks == Py_True ||
               (a->chunks == Py_None && (a->maxshape != Py_None || filters));
    int tuple = a->chunks != Py_None && a->chunks != Py_True && a->chunks != Py_False;
    if ((want || tuple) && (e->rank == 0 || e->null)) {
        PyErr_SetString(PyExc_TypeError, e->null ? "Empty datasets don't support chunk/filter options"
                                                 : "Scalar datasets don't support chunk/filter options");
        return -1;
    }
    if (a->chunks == Py_False && (filters || a->maxshape != Py_None)) {
        PyErr_SetString(PyExc_ValueError, "Chunked format required for given storage options");
        return -1;
    }
    if (tuple) {
        ha_extent c;
        if (ha_parse_shape(a->chunks, &c, 0) < 0)
            return -1;
        if (c.rank != e->rank) {
            PyErr_SetString(PyExc_ValueError, "Chunk shape must have same rank as dataset shape");
            return -1;
        }
        for (int i = 0; i < c.rank; i++) {
            uint64_t lim = e->maxdims[i] == HA_UNLIMITED ? UINT64_MAX : e->maxdims[i];
            if (c.dims[i] == 0 || c.dims[i] > lim) {
                PyErr_SetString(PyExc_ValueError,
                                "Chunk shape must not be greater than data shape in any "
                                "dimension, and must be positive");
                return -1;
            }
            d->chunk[i] = c.dims[i];
        }
        uint64_t n;
        size_t bytes;
        if (ha_count_of(c.rank, c.dims, &n) < 0 || ha_bytes_of(n, typesize, &bytes) < 0)
            return ha_size_error("Unable to create dataset", c.rank, c.dims,
                              "of chunks: a chunk has more bytes than fit in 64 bits");
        d->chunked = 1;
    } else if (want) {
        guess_chunk(e, typesize, d->chunk);
        d->chunked = 1;
    }
    d->track_order = truthy(a->track_order);
    return 0;
}

/* The extent: from shape, else from data, else empty (dtype only). */
static int parse_extent(create_args *a, PyArrayObject *data, ha_extent *e)
{
    if (a->shape != Py_None) {
        if (ha_parse_shape(a->shape, e, 0) < 0)
            return -1;
        uint64_t n;
        if (ha_extent_count(e->rank, e->dims, "Unable to create dataset", &n) < 0)
            return -1;
        if (data) {
            if (n != (uint64_t)PyArray_SIZE(data)) {
                PyErr_SetString(PyExc_ValueError, "Shape tuple is incompatible with data");
                return -1;
            }
        }
    } else if (data) {
        memset(e, 0, sizeof *e);
        e->rank = PyArray_NDIM(data);
        for (int i = 0; i < e->rank; i++)
            e->dims[i] = (uint64_t)PyArray_DIM(data, i);
    } else if (a->dtype != Py_None) {
        memset(e, 0, sizeof *e);
        e->null = 1;
    } else {
        PyErr_SetString(PyExc_TypeError, "One of data, shape or dtype must be specified");
        return -1;
    }
    memcpy(e->maxdims, e->dims, sizeof e->dims);
    if (a->maxshape != Py_None && e->null) {
        PyErr_SetString(PyExc_TypeError, "Empty datasets cannot be extended"); /* h5py's */
        return -1;
    }
    if (a->maxshape != Py_None) {
        ha_extent m;
        if (ha_parse_shape(a->maxshape, &m, 1) < 0)
            return -1;
        if (m.rank != e->rank) {
            PyErr_SetString(PyExc_ValueError, "Dimensionality of maxshape and shape must match");
            return -1;
        }
        for (int i = 0; i < e->rank; i++) {
            if (m.dims[i] != HA_UNLIMITED && m.dims[i] < e->dims[i]) {
                PyErr_SetString(PyExc_ValueError,
                                "Maximum shape must be greater than or equal to shape");
                return -1;
            }
            e->maxdims[i] = m.dims[i];
        }
    }
    return 0;
}

/*
 * A contiguous dataset is one block of storage, so its bytes must fit in 64
 * bits: HDF5 refuses it otherwise (h5py raises ValueError "size of
 * dataset's storage overflowed"); we say so at the call.  A chunked one
 * stores only the chunks written, so only each chunk must fit.
 */
static int check_storage(const ha_extent *e, const ha_dcpl *d, size_t typesize)
{
    uint64_t n;
    size_t bytes;
    if (e->null || d->chunked)
        return 0;
    if (ha_extent_count(e->rank, e->dims, "Unable to create dataset", &n) < 0)
        return -1;
    if (ha_bytes_of(n, typesize, &bytes) < 0)
        return ha_size_error("Unable to create dataset", e->rank, e->dims,
                          "of this dtype: size of dataset's storage overflowed");
    return 0;
}

/* One element of `type`, in HDF5's layout, staged from `fill` (with the
 * strings or sequences it holds in the same block). */
static void *fill_value(PyObject *fill, PyArray_Descr *dtype, const ha_type *type)
{
    if (PyDataType_HASFIELDS(dtype) && !PyTuple_Check(fill) &&
        !(PyArray_Check(fill) && PyDataType_HASFIELDS(PyArray_DESCR((PyArrayObject *)fill))) &&
        !PyArray_IsScalar(fill, Void)) {
        /* h5py hands HDF5 a plain number for a compound: no conversion */
        PyErr_SetString(PyExc_ValueError, "Unable to create dataset (no appropriate function "
                        "for conversion path)");
        return NULL;
    }
    PyArrayObject *a = ha_array_clamped(fill, dtype, 0);
    if (!a)
        return NULL;
    void *buf = NULL;
    size_t nbytes;
    if (PyArray_SIZE(a) != 1)
        PyErr_SetString(PyExc_ValueError, "fillvalue must be a single value");
    else if (ha_type_has_objects(type) && type->cls != HA_T_VLSTR)
        /* h5py refuses these or writes them wrong, and reading such a fill
         * value back crashes h5py 3.16 (a double free, a heap overrun) */
        PyErr_SetString(PyExc_TypeError, "fillvalue is supported for variable-length strings, "
                        "not for dtypes holding sequences or references");
    else
        buf = ha_stage_array(a, type, &nbytes);
    Py_DECREF(a);
    return buf;
}

PyObject *ha_create_dataset(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "shape", "dtype", "data", "maxshape", "chunks",
                             "fillvalue", "compression", "compression_opts", "shuffle",
                             "fletcher32", "track_order", "es", "virtual", "scaleoffset",
                             "fill_time", "track_times", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *name, *n = NULL, *path = NULL, *virt = Py_None, *scaleoffset = Py_None;
    PyObject *fill_time = Py_None, *track_times = Py_None;
    create_args a = {Py_None, Py_None, Py_None, Py_None, Py_None, Py_None,
                     Py_None, Py_None, Py_None, Py_None, Py_None, NULL};
    PyArray_Descr *dtype = NULL;
    PyArrayObject *data = NULL;
    ha_task *t = NULL;
    ObjectID *o = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    const char *uname;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOOOOOOOOOOO$OOOO:create_dataset", kwlist, &name,
                                     &a.shape, &a.dtype, &a.data, &a.maxshape, &a.chunks,
                                     &a.fillvalue, &a.compression, &a.copts, &a.shuffle,
                                     &a.fletcher32, &a.track_order, &a.es, &virt,
                                     &scaleoffset, &fill_time, &track_times) ||
        ha_oid_check_writable(st, self, HA_OP_DSET_CREATE) < 0 ||
        ha_oid_resolve_es(st, self, a.es, &core_es) < 0 || !(n = ha_name_arg(name, &uname)))
        return NULL;
    if (a.dtype != Py_None && !PyArray_DescrConverter(a.dtype, &dtype))
        goto done;
    if (a.data != Py_None && !dtype) {
        /* Strings and lists of them as h5py stores them (dtype.h). */
        if (!(data = ha_array_for_new_object(a.data)))
            goto done;
        dtype = (PyArray_Descr *)Py_NewRef((PyObject *)PyArray_DESCR(data));
    } else if (a.data != Py_None) {
        /* An array of another numeric dtype stays as it is: HDF5 converts
         * it when the data is written (dtype.h, ha_write_descr). */
        PyArray_Descr *as = dtype && !ha_write_keeps_dtype(a.data, dtype) ? dtype : NULL;
        Py_XINCREF(as);
        data = (PyArrayObject *)PyArray_FromAny(a.data, as, 0, 0,
                                                NPY_ARRAY_CARRAY | NPY_ARRAY_FORCECAST, NULL);
        if (!data)
            goto done;
        if (!dtype)
            dtype = (PyArray_Descr *)Py_NewRef((PyObject *)PyArray_DESCR(data));
    }
    if (!dtype && !(dtype = PyArray_DescrFromType(NPY_FLOAT32)))
        goto done;
    if (!(t = ha_new_task(HA_OP_DSET_CREATE)) || !(t->ftype = ha_type_from_descr(dtype)) ||
        parse_extent(&a, data, &t->extent) < 0 ||
        parse_scaleoffset(scaleoffset, dtype, &a, &t->dcpl) < 0 ||
        parse_times(fill_time, track_times, &t->dcpl) < 0 ||
        parse_layout(&a, &t->extent, t->ftype->size, &t->dcpl) < 0 ||
        (virt != Py_None && ha_vds_parse(virt, &t->extent, t) < 0) || /* vds.c */
        check_storage(&t->extent, &t->dcpl, t->ftype->size) < 0)
        goto done;
    if (a.fillvalue != Py_None && !(t->dcpl.fill = fill_value(a.fillvalue, dtype, t->ftype)))
        goto done;
    if (!(t->name = ha_strdup_utf8(n)) || !(path = ha_join_path(self->path, n)))
        goto done;
    if (data && !t->extent.null && PyArray_SIZE(data) > 0) {
        ha_index idx;
        if (ha_index_all(t->extent.rank, t->extent.dims, &idx) < 0)
            goto done;
        /* shape= with data of the same size: the data takes that shape. */
        PyArray_Dims shape = {idx.out_dims, idx.out_rank};
        PyObject *r = PyArray_Newshape(data, &shape, NPY_CORDER);
        if (!r)
            goto done;
        Py_SETREF(data, (PyArrayObject *)r);
        /* An array of another numeric dtype keeps it: HDF5 converts. */
        PyArray_Descr *wdescr = ha_write_descr((PyObject *)data, dtype);
        t->type = ha_type_from_descr(wdescr);
        if (t->type)
            t->buf = ha_stage_for_selection((PyObject *)data, wdescr, t->type, &idx, &t->nbytes);
        Py_DECREF(wdescr);
        if (!t->buf)
            goto done;
        t->own_buf = 1;
        t->fsel = idx.sel;
        t->msel = idx.sel;
    }
    ha_handle *h = ha_handle_new(HA_OBJ_DATASET, PyUnicode_AsUTF8(path), self->h);
    if (!h) {
        PyErr_NoMemory();
        goto done;
    }
    t->obj = ha_handle_ref(self->h);
    t->target = ha_handle_ref(h);
    if (!(o = ha_oid_new(st, h, self, path)))
        goto done;
    if (ha_oid_cache_dataset(o, t->ftype, &t->extent, &t->dcpl) < 0 ||
        ha_dispatch(st, t, core_es) < 0)
        Py_CLEAR(o);
done:
    (void)uname;
    ha_task_unref(t);
    Py_XDECREF(n);
    Py_XDECREF(path);
    Py_XDECREF(dtype);
    Py_XDECREF(data);
    return (PyObject *)o;
}
