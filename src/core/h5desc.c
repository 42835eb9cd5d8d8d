/*
 * Descriptions to HDF5 ids and back.  The mapping follows h5py's, so files
 * round-trip with it: bool is an int8 enum {FALSE, TRUE}, complex is a
 * compound {r, i}, fixed bytes are null-padded strings.
 */
#include "h5desc.h"

#include <stdlib.h>
#include <string.h>

static hid_t int_type(const ha_type *t)
{
    hid_t base;
    int le = t->order == HA_ORDER_LE;
    int s = t->cls == HA_T_INT || t->cls == HA_T_BOOL;
    switch (t->size) {
    case 1: base = s ? (le ? H5T_STD_I8LE : H5T_STD_I8BE) : (le ? H5T_STD_U8LE : H5T_STD_U8BE); break;
    case 2: base = s ? (le ? H5T_STD_I16LE : H5T_STD_I16BE) : (le ? H5T_STD_U16LE : H5T_STD_U16BE); break;
    case 4: base = s ? (le ? H5T_STD_I32LE : H5T_STD_I32BE) : (le ? H5T_STD_U32LE : H5T_STD_U32BE); break;
    case 8: base = s ? (le ? H5T_STD_I64LE : H5T_STD_I64BE) : (le ? H5T_STD_U64LE : H5T_STD_U64BE); break;
    default:
        H5Epush2(H5E_DEFAULT, __FILE__, __func__, __LINE__, H5E_ERR_CLS,
                 H5E_DATATYPE, H5E_BADTYPE, "unsupported integer size %zu",
                 t->size);
        return H5I_INVALID_HID;
    }
    return H5Tcopy(base);
}

static hid_t float_type(size_t size, ha_order order)
{
    int le = order == HA_ORDER_LE;
    if (size == 4)
        return H5Tcopy(le ? H5T_IEEE_F32LE : H5T_IEEE_F32BE);
    if (size == 8)
        return H5Tcopy(le ? H5T_IEEE_F64LE : H5T_IEEE_F64BE);
    if (size == 2) {
        /* IEEE half precision, built as h5py builds it. */
        hid_t t = H5Tcopy(le ? H5T_IEEE_F32LE : H5T_IEEE_F32BE);
        if (t < 0)
            return t;
        if (H5Tset_fields(t, 15, 10, 5, 0, 10) < 0 || H5Tset_size(t, 2) < 0 ||
            H5Tset_ebias(t, 15) < 0) {
            ha_close_type(t);
            return H5I_INVALID_HID;
        }
        return t;
    }
    if (size == sizeof(long double))
        return H5Tcopy(H5T_NATIVE_LDOUBLE);
    H5Epush2(H5E_DEFAULT, __FILE__, __func__, __LINE__, H5E_ERR_CLS,
             H5E_DATATYPE, H5E_BADTYPE, "unsupported float size %zu", size);
    return H5I_INVALID_HID;
}

static hid_t string_type(const ha_type *t)
{
    hid_t s = H5Tcopy(H5T_C_S1);
    if (s < 0)
        return s;
    herr_t rc = t->cls == HA_T_VLSTR ? H5Tset_size(s, H5T_VARIABLE)
                                     : H5Tset_size(s, t->size ? t->size : 1);
    if (rc >= 0)
        rc = H5Tset_cset(s, t->cset == HA_CSET_UTF8 ? H5T_CSET_UTF8
                                                    : H5T_CSET_ASCII);
    if (rc >= 0)
        rc = H5Tset_strpad(s, t->cls == HA_T_VLSTR || !t->nullpad
                                  ? H5T_STR_NULLTERM
                                  : H5T_STR_NULLPAD);
    if (rc < 0) {
        ha_close_type(s);
        return H5I_INVALID_HID;
    }
    return s;
}

static hid_t compound_type(const ha_type *t)
{
    hid_t c = H5Tcreate(H5T_COMPOUND, t->size);
    if (c < 0)
        return c;
    for (int i = 0; i < t->nfields; i++) {
        hid_t ft = ha_type_to_h5(t->fields[i].type);
        herr_t rc = ft < 0 ? -1
                           : H5Tinsert(c, t->fields[i].name,
                                       t->fields[i].offset, ft);
        if (ft >= 0)
            ha_close_type(ft);
        if (rc < 0) {
            ha_close_type(c);
            return H5I_INVALID_HID;
        }
    }
    return c;
}

static hid_t complex_type(const ha_type *t)
{
    size_t half = t->size / 2;
    hid_t f = float_type(half, t->order);
    if (f < 0)
        return f;
    hid_t c = H5Tcreate(H5T_COMPOUND, t->size);
    if (c < 0 || H5Tinsert(c, "r", 0, f) < 0 || H5Tinsert(c, "i", half, f) < 0) {
        if (c >= 0)
            ha_close_type(c);
        c = H5I_INVALID_HID;
    }
    ha_close_type(f);
    return c;
}

static hid_t enum_type(const ha_type *t)
{
    ha_type b = {.cls = HA_T_INT, .size = t->size, .order = t->order};
    const ha_type *base = t->base ? t->base : &b;
    hid_t bt = int_type(base);
    if (bt < 0)
        return bt;
    hid_t e = H5Tenum_create(bt);
    ha_close_type(bt);
    if (e < 0)
        return e;
    for (int i = 0; i < t->nfields; i++) {
        /* Values are given as int64; convert to the base's own layout. */
        unsigned char v[8];
        int64_t val = t->members[i].value;
        hid_t src = H5Tcopy(H5T_NATIVE_INT64);
        hid_t dst = int_type(base);
        memcpy(v, &val, 8);
        herr_t rc = (src < 0 || dst < 0) ? -1 : H5Tconvert(src, dst, 1, v, NULL, H5P_DEFAULT);
        if (src >= 0)
            ha_close_type(src);
        if (dst >= 0)
            ha_close_type(dst);
        if (rc < 0 || H5Tenum_insert(e, t->members[i].name, v) < 0) {
            ha_close_type(e);
            return H5I_INVALID_HID;
        }
    }
    return e;
}

static void close_keep(herr_t (*fn)(hid_t), hid_t id)
{
    if (id < 0)
        return;
    if (H5Eget_num(H5E_DEFAULT) > 0) {
        hid_t saved = H5Eget_current_stack();
        fn(id);
        H5Eset_current_stack(saved); /* also closes `saved` */
    } else {
        fn(id);
    }
}

void ha_close_type(hid_t id) { close_keep(H5Tclose, id); }
void ha_close_space(hid_t id) { close_keep(H5Sclose, id); }
void ha_close_plist(hid_t id) { close_keep(H5Pclose, id); }
void ha_close_obj(hid_t id) { close_keep(H5Oclose, id); }
void ha_close_attr(hid_t id) { close_keep(H5Aclose, id); }

hid_t ha_type_to_h5(const ha_type *t)
{
    switch (t->cls) {
    case HA_T_INT:
    case HA_T_UINT:
        return int_type(t);
    case HA_T_FLOAT:
        return float_type(t->size, t->order);
    case HA_T_BOOL: {
        ha_enum_member m[2] = {{"FALSE", 0}, {"TRUE", 1}};
        ha_type e = {.cls = HA_T_ENUM, .size = 1, .order = t->order,
                     .nfields = 2, .members = m};
        return enum_type(&e);
    }
    case HA_T_COMPLEX:
        return complex_type(t);
    case HA_T_BYTES:
    case HA_T_VLSTR:
        return string_type(t);
    case HA_T_COMPOUND:
        return compound_type(t);
    case HA_T_ENUM:
        return enum_type(t);
    case HA_T_ARRAY: {
        hsize_t dims[HA_MAX_RANK];
        for (int i = 0; i < t->arank; i++)
            dims[i] = t->adims[i];
        hid_t base = t->base ? ha_type_to_h5(t->base) : H5I_INVALID_HID;
        hid_t a = base < 0 ? base : H5Tarray_create2(base, (unsigned)t->arank, dims);
        ha_close_type(base);
        return a;
    }
    case HA_T_REF:
        return H5Tcopy(H5T_STD_REF_OBJ);
    case HA_T_REGREF:
        return H5Tcopy(H5T_STD_REF_DSETREG);
    case HA_T_VLSEQ: {
        hid_t base = t->base ? ha_type_to_h5(t->base) : H5I_INVALID_HID;
        hid_t v = base < 0 ? base : H5Tvlen_create(base);
        ha_close_type(base);
        return v;
    }
    case HA_T_OPAQUE: {
        hid_t o = H5Tcreate(H5T_OPAQUE, t->size);
        if (o >= 0 && t->tag && H5Tset_tag(o, t->tag) < 0) {
            ha_close_type(o);
            return H5I_INVALID_HID;
        }
        return o;
    }
    }
    return H5I_INVALID_HID;
}

static ha_order order_of(hid_t tid)
{
    return H5Tget_order(tid) == H5T_ORDER_BE ? HA_ORDER_BE : HA_ORDER_LE;
}

static int is_complex(hid_t tid)
{
    if (H5Tget_nmembers(tid) != 2)
        return 0;
    char *n0 = H5Tget_member_name(tid, 0), *n1 = H5Tget_member_name(tid, 1);
    int ok = n0 && n1 && !strcmp(n0, "r") && !strcmp(n1, "i");
    H5free_memory(n0);
    H5free_memory(n1);
    if (!ok)
        return 0;
    hid_t a = H5Tget_member_type(tid, 0), b = H5Tget_member_type(tid, 1);
    ok = H5Tget_class(a) == H5T_FLOAT && H5Tequal(a, b) > 0 &&
         H5Tget_member_offset(tid, 1) == H5Tget_size(a) &&
         H5Tget_size(tid) == 2 * H5Tget_size(a);
    ha_close_type(a);
    ha_close_type(b);
    return ok;
}

static ha_type *compound_from_h5(hid_t tid)
{
    int n = H5Tget_nmembers(tid);
    ha_type *t = ha_type_new(HA_T_COMPOUND, H5Tget_size(tid), HA_ORDER_LE);
    if (!t || n < 0 || !(t->fields = calloc((size_t)n ? (size_t)n : 1, sizeof *t->fields)))
        goto fail;
    t->nfields = n;
    for (int i = 0; i < n; i++) {
        char *name = H5Tget_member_name(tid, (unsigned)i);
        hid_t ft = H5Tget_member_type(tid, (unsigned)i);
        /* numpy's field sits where HDF5's does, as in h5py */
        t->fields[i].offset = t->fields[i].ooffset = H5Tget_member_offset(tid, (unsigned)i);
        t->fields[i].name = name ? strdup(name) : NULL;
        t->fields[i].type = ft >= 0 ? ha_type_from_h5(ft) : NULL;
        H5free_memory(name);
        if (ft >= 0)
            ha_close_type(ft);
        if (!t->fields[i].name || !t->fields[i].type)
            goto fail;
    }
    return t;
fail:
    ha_type_free(t);
    return NULL;
}

static ha_type *enum_from_h5(hid_t tid)
{
    hid_t bt = H5Tget_super(tid);
    int n = H5Tget_nmembers(tid);
    ha_type *t = NULL;
    if (bt < 0 || n < 0)
        goto done;
    size_t size = H5Tget_size(bt);
    if (n == 2 && size == 1) {
        char *a = H5Tget_member_name(tid, 0), *b = H5Tget_member_name(tid, 1);
        int is_bool = a && b && !strcmp(a, "FALSE") && !strcmp(b, "TRUE");
        H5free_memory(a);
        H5free_memory(b);
        if (is_bool) {
            t = ha_type_new(HA_T_BOOL, 1, HA_ORDER_LE);
            goto done;
        }
    }
    t = ha_type_new(HA_T_ENUM, size, order_of(bt));
    if (!t || !(t->base = ha_type_from_h5(bt)) ||
        !(t->members = calloc((size_t)n ? (size_t)n : 1, sizeof *t->members)))
        goto fail;
    t->nfields = n;
    hid_t i64 = H5Tcopy(H5T_NATIVE_INT64);
    for (int i = 0; i < n; i++) {
        unsigned char v[8] = {0};
        char *name = H5Tget_member_name(tid, (unsigned)i);
        H5Tget_member_value(tid, (unsigned)i, v);
        H5Tconvert(bt, i64, 1, v, NULL, H5P_DEFAULT);
        memcpy(&t->members[i].value, v, 8);
        t->members[i].name = name ? strdup(name) : NULL;
        H5free_memory(name);
        if (!t->members[i].name) {
            ha_close_type(i64);
            goto fail;
        }
    }
    ha_close_type(i64);
    goto done;
fail:
    ha_type_free(t);
    t = NULL;
done:
    if (bt >= 0)
        ha_close_type(bt);
    return t;
}

ha_type *ha_type_from_h5(hid_t tid)
{
    size_t size = H5Tget_size(tid);
    switch (H5Tget_class(tid)) {
    case H5T_INTEGER:
        return ha_type_new(H5Tget_sign(tid) == H5T_SGN_NONE ? HA_T_UINT : HA_T_INT,
                           size, order_of(tid));
    case H5T_FLOAT:
        return ha_type_new(HA_T_FLOAT, size, order_of(tid));
    case H5T_STRING: {
        int vl = H5Tis_variable_str(tid) > 0;
        ha_type *t = ha_type_new(vl ? HA_T_VLSTR : HA_T_BYTES,
                                 vl ? sizeof(char *) : size, HA_ORDER_LE);
        if (t) {
            t->cset = H5Tget_cset(tid) == H5T_CSET_UTF8 ? HA_CSET_UTF8 : HA_CSET_ASCII;
            t->nullpad = H5Tget_strpad(tid) != H5T_STR_NULLTERM;
        }
        return t;
    }
    case H5T_COMPOUND:
        if (is_complex(tid)) {
            hid_t a = H5Tget_member_type(tid, 0);
            ha_type *t = ha_type_new(HA_T_COMPLEX, size, order_of(a));
            ha_close_type(a);
            return t;
        }
        return compound_from_h5(tid);
    case H5T_ENUM:
        return enum_from_h5(tid);
    case H5T_ARRAY: {
        int rank = H5Tget_array_ndims(tid);
        hsize_t dims[HA_MAX_RANK];
        hid_t base = H5Tget_super(tid);
        ha_type *t = rank >= 0 && rank <= HA_MAX_RANK && base >= 0 &&
                             H5Tget_array_dims2(tid, dims) >= 0
                         ? ha_type_new(HA_T_ARRAY, size, HA_ORDER_LE)
                         : NULL;
        if (t && !(t->base = ha_type_from_h5(base))) {
            ha_type_free(t);
            t = NULL;
        }
        if (t) {
            t->arank = rank;
            t->osize = t->base->osize;
            for (int i = 0; i < rank; i++) {
                t->adims[i] = dims[i];
                t->osize *= dims[i]; /* numpy's subarray: packed elements */
            }
        }
        ha_close_type(base);
        return t;
    }
    case H5T_VLEN: {
        hid_t base = H5Tget_super(tid);
        ha_type *t = base < 0 ? NULL : ha_type_new(HA_T_VLSEQ, sizeof(hvl_t), HA_ORDER_LE);
        if (t && !(t->base = ha_type_from_h5(base))) {
            ha_type_free(t);
            t = NULL;
        }
        ha_close_type(base);
        return t;
    }
    case H5T_REFERENCE:
        /* Object references; region references stay raw bytes for now. */
        if (H5Tequal(tid, H5T_STD_REF_OBJ) > 0)
            return ha_type_new(HA_T_REF, sizeof(hobj_ref_t), HA_ORDER_LE);
        if (H5Tequal(tid, H5T_STD_REF_DSETREG) > 0)
            return ha_type_new(HA_T_REGREF, HA_REGREF_SIZE, HA_ORDER_LE);
        return ha_type_new(HA_T_OPAQUE, size, HA_ORDER_LE);
    case H5T_OPAQUE: {
        ha_type *t = ha_type_new(HA_T_OPAQUE, size, HA_ORDER_LE);
        char *tag = t ? H5Tget_tag(tid) : NULL;
        if (tag) {
            t->tag = strdup(tag);
            H5free_memory(tag);
        }
        H5Eclear2(H5E_DEFAULT); /* no tag is no error */
        return t;
    }
    default:
        return ha_type_new(HA_T_OPAQUE, size, HA_ORDER_LE);
    }
}

hid_t ha_space_from_extent(const ha_extent *e)
{
    if (e->null)
        return H5Screate(H5S_NULL);
    if (e->rank == 0)
        return H5Screate(H5S_SCALAR);
    hsize_t dims[HA_MAX_RANK], maxdims[HA_MAX_RANK];
    for (int i = 0; i < e->rank; i++) {
        dims[i] = e->dims[i];
        maxdims[i] = e->maxdims[i] == HA_UNLIMITED ? H5S_UNLIMITED : e->maxdims[i];
    }
    return H5Screate_simple(e->rank, dims, maxdims);
}

int ha_extent_from_space(hid_t sid, ha_extent *e)
{
    memset(e, 0, sizeof *e);
    H5S_class_t cls = H5Sget_simple_extent_type(sid);
    if (cls == H5S_NO_CLASS)
        return -1;
    if (cls == H5S_NULL) {
        e->null = 1;
        return 0;
    }
    int rank = H5Sget_simple_extent_ndims(sid);
    if (rank < 0 || rank > HA_MAX_RANK)
        return -1;
    hsize_t dims[HA_MAX_RANK], maxdims[HA_MAX_RANK];
    if (rank && H5Sget_simple_extent_dims(sid, dims, maxdims) < 0)
        return -1;
    e->rank = rank;
    for (int i = 0; i < rank; i++) {
        e->dims[i] = dims[i];
        e->maxdims[i] = maxdims[i] == H5S_UNLIMITED ? HA_UNLIMITED : maxdims[i];
    }
    return 0;
}

int ha_select(hid_t sid, const ha_sel *s)
{
    switch (s->kind) {
    case HA_SEL_ALL:
        return H5Sselect_all(sid) < 0 ? -1 : 0;
    case HA_SEL_NONE:
        return H5Sselect_none(sid) < 0 ? -1 : 0;
    case HA_SEL_SLAB: {
        hsize_t start[HA_MAX_RANK], stride[HA_MAX_RANK], count[HA_MAX_RANK];
        for (int i = 0; i < s->rank; i++) {
            start[i] = s->start[i];
            stride[i] = s->stride[i] ? s->stride[i] : 1;
            count[i] = s->count[i];
        }
        if (!s->list)
            return H5Sselect_hyperslab(sid, H5S_SELECT_SET, start, stride, count,
                                       NULL) < 0 ? -1 : 0;
        /* A list on one axis: the union of one slab per position, which
         * HDF5 walks in increasing order, as the memory side expects. */
        int ax = s->list_axis;
        count[ax] = 1;
        stride[ax] = 1;
        for (uint64_t k = 0; k < s->nlist; k++) {
            start[ax] = s->list[k];
            if (H5Sselect_hyperslab(sid, k ? H5S_SELECT_OR : H5S_SELECT_SET, start, stride,
                                    count, NULL) < 0)
                return -1;
        }
        return 0;
    }
    case HA_SEL_REGION:
        return -1; /* the dataset's reference holds the space: ha_space_for_region */
    case HA_SEL_POINTS:
        if (s->npoints == 0)
            return H5Sselect_none(sid) < 0 ? -1 : 0;
        /* uint64_t and hsize_t are both 64-bit unsigned. */
        return H5Sselect_elements(sid, H5S_SELECT_SET, (size_t)s->npoints,
                                  (const hsize_t *)s->points) < 0 ? -1 : 0;
    }
    return -1;
}

hid_t ha_space_for_memory(const ha_sel *s)
{
    hid_t sid;
    if (s->rank == 0) {
        sid = H5Screate(H5S_SCALAR);
    } else {
        hsize_t dims[HA_MAX_RANK];
        for (int i = 0; i < s->rank; i++)
            dims[i] = s->dims[i];
        sid = H5Screate_simple(s->rank, dims, NULL);
    }
    if (sid >= 0 && ha_select(sid, s) < 0) {
        ha_close_space(sid);
        return H5I_INVALID_HID;
    }
    return sid;
}
