/*
 * The recursive conversion of values between numpy's layout and HDF5's
 * memory layout (dtype.h): staging for writes, filling for reads.
 *
 * Types without Python objects have one layout and are copied as they are.
 * Otherwise every element is walked: a string slot holds a PyObject * for
 * numpy and a char * for HDF5, a reference slot a PyObject * and an
 * hobj_ref_t, a sequence slot a PyObject * (8 bytes) and an hvl_t (16
 * bytes), so a compound holding a sequence has other offsets in each
 * layout (ha_type.osize and ooffset against size and offset).  What the
 * slots point at is placed in the same block, after the elements, so a
 * staged write or a read result is one allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "dtype.h"
#include "reference.h"

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* HDF5's hvl_t, without hdf5.h (the extension never sees HDF5). */
typedef struct {
    size_t len;
    void *p;
} hvl_like;

/* What a conversion looks up once: the Reference type and the numpy dtype
 * of each sequence's base type (keyed by the type node's address). */
typedef struct {
    PyObject *reftype;
    PyObject *regreftype;
    PyObject *bases;
} lookups;

static PyObject *lookup_reftype(lookups *l)
{
    if (!l->reftype)
        l->reftype = ha_reference_type();
    return l->reftype;
}

static PyObject *lookup_regreftype(lookups *l)
{
    if (!l->regreftype)
        l->regreftype = ha_regionref_type();
    return l->regreftype;
}

/* The numpy dtype of `t` (borrowed from the cache), or NULL with an error. */
static PyArray_Descr *lookup_descr(lookups *l, const ha_type *t)
{
    if (!l->bases && !(l->bases = PyDict_New()))
        return NULL;
    PyObject *key = PyLong_FromVoidPtr((void *)t);
    PyObject *d = key ? PyDict_GetItemWithError(l->bases, key) : NULL;
    if (key && !d && !PyErr_Occurred()) {
        d = (PyObject *)ha_descr_from_type(t);
        if (d && PyDict_SetItem(l->bases, key, d) < 0)
            Py_CLEAR(d);
        Py_XDECREF(d); /* the dict holds it */
    }
    Py_XDECREF(key);
    return (PyArray_Descr *)d;
}

/* The dtype a sequence's items read as: the base's without its metadata
 * (as h5py: an enum's items are plain integers, a sequence's plain
 * objects); borrowed from the cache, keyed by the node's address + 1. */
static PyArray_Descr *lookup_item_descr(lookups *l, const ha_type *t)
{
    PyArray_Descr *d = lookup_descr(l, t);
    if (!d || !PyDataType_METADATA(d) || PyDataType_HASFIELDS(d) || PyDataType_HASSUBARRAY(d))
        return d;
    PyObject *key = PyLong_FromVoidPtr((char *)t + 1);
    PyObject *plain = key ? PyDict_GetItemWithError(l->bases, key) : NULL;
    if (key && !plain && !PyErr_Occurred()) {
        PyObject *str = PyObject_GetAttrString((PyObject *)d, "str");
        PyArray_Descr *p = NULL;
        if (str && PyArray_DescrConverter(str, &p) && PyDict_SetItem(l->bases, key, (PyObject *)p) == 0)
            plain = (PyObject *)p;
        Py_XDECREF(p); /* the dict holds it */
        Py_XDECREF(str);
    }
    Py_XDECREF(key);
    return (PyArray_Descr *)plain;
}

static void lookups_clear(lookups *l)
{
    Py_CLEAR(l->reftype);
    Py_CLEAR(l->regreftype);
    Py_CLEAR(l->bases);
}

static size_t elements_of(const ha_type *t)
{
    uint64_t m = 1;
    for (int i = 0; i < t->arank; i++)
        m *= t->adims[i];
    return (size_t)m;
}

/* The bytes of a str or bytes object, as h5py stores them; NULL with h5py's
 * TypeError for anything else, ValueError for an embedded NUL. */
static const char *string_bytes(PyObject *o, Py_ssize_t *len)
{
    const char *s = NULL;
    if (o && PyUnicode_Check(o))
        s = PyUnicode_AsUTF8AndSize(o, len);
    else if (o && PyBytes_Check(o))
        s = (*len = PyBytes_GET_SIZE(o), PyBytes_AS_STRING(o));
    else
        PyErr_Format(PyExc_TypeError, "Can't implicitly convert %.100s to a string",
                     o ? Py_TYPE(o)->tp_name : "NULL");
    if (s && memchr(s, '\0', (size_t)*len)) {
        PyErr_SetString(PyExc_ValueError, "VLEN strings do not support embedded NULLs");
        return NULL;
    }
    return s;
}

/* The address a reference slot stores: a Reference's, 0 for None (a null
 * reference, as h5py writes it); TypeError for anything else. */
static int reference_addr(PyObject *o, lookups *l, uint64_t *addr)
{
    if (!o || o == Py_None) {
        *addr = 0;
        return 0;
    }
    PyObject *rt = lookup_reftype(l), *gt = rt ? lookup_regreftype(l) : NULL;
    if (gt && PyObject_TypeCheck(o, (PyTypeObject *)gt)) {
        /* a RegionReference is a Reference, but its bytes are no address */
        PyErr_SetString(PyExc_TypeError,
                        "Can't convert dataset region reference to object reference");
        return -1;
    }
    if (!rt || !PyObject_TypeCheck(o, (PyTypeObject *)rt)) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "Can't store %.100s as an object reference",
                         Py_TYPE(o)->tp_name);
        return -1;
    }
    *addr = ((ReferenceObject *)o)->addr;
    return 0;
}

/* The bytes a region reference slot stores: a RegionReference's, zeros for
 * None (a null reference); TypeError for anything else. */
static int region_bytes(PyObject *o, lookups *l, unsigned char *out)
{
    if (!o || o == Py_None) {
        memset(out, 0, HA_REGREF_SIZE);
        return 0;
    }
    PyObject *rt = lookup_regreftype(l);
    if (!rt || !PyObject_TypeCheck(o, (PyTypeObject *)rt)) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "Can't store %.100s as a region reference",
                         Py_TYPE(o)->tp_name);
        return -1;
    }
    memcpy(out, ((RegionReferenceObject *)o)->bytes, HA_REGREF_SIZE);
    return 0;
}

/*
 * Staging runs twice over the elements: first to check every value and
 * measure what the slots point at (dst NULL), then to copy into a block of
 * that size.  Each sequence's value is converted to an array of the base
 * dtype once, in the first pass, and kept in visiting order for the second.
 */
typedef struct {
    lookups l;
    size_t total;       /* first pass: bytes the slots point at */
    char *tail;         /* second pass: where they go next */
    PyObject *seqs;     /* the sequences' arrays, in visiting order */
    Py_ssize_t next;
} stager;

static int stage(stager *st, const ha_type *t, const char *src, char *dst, size_t n);

static int stage_sequence(stager *st, const ha_type *t, const char *src, char *dst)
{
    PyArrayObject *seq;
    if (!dst) {
        PyArray_Descr *bd = lookup_descr(&st->l, t->base);
        PyObject *item = ha_slot_get((void *const *)src);
        if (!bd || (!st->seqs && !(st->seqs = PyList_New(0))))
            return -1;
        /* as HDF5 converts h5py's items: numbers of another dtype clamped */
        seq = ha_array_clamped(item ? item : Py_None, bd, 1);
        if (!seq)
            return -1;
        int rc = PyList_Append(st->seqs, (PyObject *)seq);
        Py_DECREF(seq);
        if (rc < 0)
            return -1;
    } else {
        seq = (PyArrayObject *)PyList_GET_ITEM(st->seqs, st->next++);
    }
    size_t len = (size_t)PyArray_SIZE(seq), nb = len * t->base->size;
    hvl_like v = {len, st->tail};
    if (!dst) {
        st->total += ALIGN8(nb);
    } else {
        memcpy(dst, &v, sizeof v);
        st->tail += ALIGN8(nb);
    }
    return stage(st, t->base, PyArray_DATA(seq), dst ? v.p : NULL, len);
}

static int stage(stager *st, const ha_type *t, const char *src, char *dst, size_t n)
{
    if (!ha_type_has_objects(t)) {
        if (dst)
            memcpy(dst, src, n * t->size); /* one layout */
        return 0;
    }
    for (size_t k = 0; k < n; k++, src += t->osize, dst = dst ? dst + t->size : NULL) {
        int rc = 0;
        switch (t->cls) {
        case HA_T_VLSTR: {
            Py_ssize_t len;
            const char *s = string_bytes(ha_slot_get((void *const *)src), &len);
            if (!s)
                return -1;
            if (!dst) {
                st->total += (size_t)len + 1;
            } else {
                memcpy(st->tail, s, (size_t)len);
                st->tail[len] = '\0';
                ha_slot_set((void **)dst, st->tail);
                st->tail += len + 1;
            }
            break;
        }
        case HA_T_REF: {
            uint64_t addr;
            rc = reference_addr(ha_slot_get((void *const *)src), &st->l, &addr);
            if (rc == 0 && dst)
                memcpy(dst, &addr, sizeof addr);
            break;
        }
        case HA_T_REGREF: {
            unsigned char b[HA_REGREF_SIZE];
            rc = region_bytes(ha_slot_get((void *const *)src), &st->l, b);
            if (rc == 0 && dst)
                memcpy(dst, b, sizeof b);
            break;
        }
        case HA_T_VLSEQ:
            rc = stage_sequence(st, t, src, dst);
            break;
        case HA_T_ARRAY:
            rc = stage(st, t->base, src, dst, elements_of(t));
            break;
        case HA_T_COMPOUND:
            for (int i = 0; i < t->nfields && rc == 0; i++)
                rc = stage(st, t->fields[i].type, src + t->fields[i].ooffset,
                           dst ? dst + t->fields[i].offset : NULL, 1);
            break;
        default:
            break;
        }
        if (rc)
            return rc;
    }
    return 0;
}

static void *stage_objects(PyArrayObject *arr, const ha_type *t, size_t *nbytes)
{
    PyArrayObject *c = (PyArrayObject *)PyArray_GETCONTIGUOUS(arr);
    if (!c)
        return NULL;
    /* Elements of `t`: numpy spreads a subarray dtype over extra axes. */
    size_t n = (size_t)PyArray_NBYTES(c) / t->osize, head = ALIGN8(n * t->size);
    stager st = {{NULL, NULL, NULL}, 0, NULL, NULL, 0};
    char *out = NULL;
    if (stage(&st, t, PyArray_DATA(c), NULL, n) == 0) {
        /* zeroed: the padding of compounds is not left as garbage on disk */
        if (!(out = calloc(1, head + st.total ? head + st.total : 1))) {
            PyErr_NoMemory();
        } else {
            st.tail = out + head;
            stage(&st, t, PyArray_DATA(c), out, n); /* checked: cannot fail */
            *nbytes = head + st.total;
        }
    }
    Py_DECREF(c);
    Py_XDECREF(st.seqs);
    lookups_clear(&st.l);
    return out;
}

void ha_stage_clear_padding(void *buf, PyArray_Descr *d, size_t n)
{
    /* numpy copies structured elements field by field, so padding keeps
     * what the buffer held, and a reused staging buffer holds an earlier
     * write's bytes, perhaps another file's: zero it, as fresh memory is. */
    if (buf && PyDataType_HASFIELDS(d))
        memset(buf, 0, n);
}

void *ha_stage_array(PyArrayObject *arr, const ha_type *t, size_t *nbytes)
{
    if (PyArray_DESCR(arr)->kind == 'T') {
        /* StringDType keeps its strings in an arena, not as objects: as
         * str objects first (numpy's cast). */
        PyArray_Descr *vl = ha_vlstr_descr(1);
        PyArrayObject *o = vl ? (PyArrayObject *)PyArray_CastToType(arr, vl, 0) : NULL;
        void *buf = o ? ha_stage_array(o, t, nbytes) : NULL;
        Py_XDECREF(o);
        return buf;
    }
    if (ha_type_has_objects(t))
        return stage_objects(arr, t, nbytes);
    size_t n = (size_t)PyArray_NBYTES(arr);
    void *buf = ha_stage_alloc(n);
    if (!buf)
        return PyErr_NoMemory();
    if (PyArray_IS_C_CONTIGUOUS(arr)) {
        memcpy(buf, PyArray_DATA(arr), n);
    } else {
        PyArray_Descr *d = PyArray_DESCR(arr);
        ha_stage_clear_padding(buf, d, n);
        Py_INCREF(d);
        PyObject *w = PyArray_NewFromDescr(&PyArray_Type, d, PyArray_NDIM(arr),
                                           PyArray_DIMS(arr), NULL, buf,
                                           NPY_ARRAY_CARRAY, NULL);
        if (!w || PyArray_CopyInto((PyArrayObject *)w, arr) < 0) {
            Py_XDECREF(w);
            free(buf);
            return NULL;
        }
        Py_DECREF(w);
    }
    *nbytes = n;
    return buf;
}

/*
 * Reads: `data` holds the elements in HDF5's layout with everything they
 * point at in the same block (ha_vlen_repack).  The fresh numpy array's
 * object slots (NULL) get new objects; once one fails, the rest stay NULL,
 * which numpy reads as None and never decrefs.
 */
typedef struct {
    lookups l;
    int failed;
} filler;

static void fill(filler *st, const ha_type *t, const char *src, char *dst, size_t n, int as_str)
{
    if (!ha_type_has_objects(t)) {
        memcpy(dst, src, n * t->size);
        return;
    }
    for (size_t k = 0; k < n; k++, src += t->size, dst += t->osize) {
        PyObject *o = NULL;
        switch (t->cls) {
        case HA_T_VLSTR: {
            const char *s = ha_slot_get((void *const *)src);
            Py_ssize_t len = s ? (Py_ssize_t)strlen(s) : 0;
            if (!st->failed)
                o = as_str ? PyUnicode_DecodeUTF8(s ? s : "", len, "surrogateescape")
                           : PyBytes_FromStringAndSize(s ? s : "", len);
            break;
        }
        case HA_T_REF: {
            uint64_t addr;
            memcpy(&addr, src, sizeof addr);
            PyObject *rt = st->failed ? NULL : lookup_reftype(&st->l);
            o = rt ? ha_reference_new((PyTypeObject *)rt, addr) : NULL;
            break;
        }
        case HA_T_REGREF: {
            PyObject *rt = st->failed ? NULL : lookup_regreftype(&st->l);
            o = rt ? ha_regionref_new((PyTypeObject *)rt, src) : NULL;
            break;
        }
        case HA_T_VLSEQ: {
            hvl_like v;
            memcpy(&v, src, sizeof v);
            npy_intp len = (npy_intp)v.len;
            PyArray_Descr *bd = st->failed ? NULL : lookup_item_descr(&st->l, t->base);
            if (bd) {
                Py_INCREF(bd);
                o = PyArray_NewFromDescr(&PyArray_Type, bd, 1, &len, NULL, NULL, 0, NULL);
            }
            if (o) /* strings inside sequences read as bytes, as in compounds */
                fill(st, t->base, v.p, PyArray_DATA((PyArrayObject *)o), v.len, 0);
            break;
        }
        case HA_T_ARRAY:
            fill(st, t->base, src, dst, elements_of(t), as_str);
            continue;
        case HA_T_COMPOUND:
            for (int i = 0; i < t->nfields; i++)
                fill(st, t->fields[i].type, src + t->fields[i].offset,
                     dst + t->fields[i].ooffset, 1, 0);
            continue;
        default:
            continue;
        }
        st->failed = st->failed || o == NULL;
        ha_slot_set((void **)dst, o);
    }
}

int ha_fill_vlen(PyArrayObject *a, const ha_type *t, const void *data, int as_str)
{
    size_t n = (size_t)PyArray_NBYTES(a) / t->osize;
    filler st = {{NULL, NULL, NULL}, 0};
    fill(&st, t, data, PyArray_DATA(a), n, as_str);
    lookups_clear(&st.l);
    return st.failed ? -1 : 0;
}

PyObject *ha_array_from_result(const ha_type *t, PyArray_Descr *dtype,
                               int rank, const npy_intp *dims, const void *data)
{
    Py_INCREF(dtype);
    PyArrayObject *a = (PyArrayObject *)PyArray_NewFromDescr(&PyArray_Type, dtype, rank,
                                                             (npy_intp *)dims, NULL, NULL,
                                                             0, NULL);
    if (!a)
        return NULL;
    /* As h5py: an attribute of strings reads as str, strings inside a
     * compound as bytes. */
    if (ha_fill_vlen(a, t, data, t->cls == HA_T_VLSTR) < 0)
        Py_CLEAR(a);
    return (PyObject *)a;
}
