/* Attributes: write (create or modify), read, exists, delete. */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

static int same_shape(hid_t space, const ha_extent *e)
{
    ha_extent have;
    if (ha_extent_from_space(space, &have) < 0)
        return -1;
    if (have.null || e->null)
        return have.null == e->null;
    if (have.rank == e->rank &&
        !memcmp(have.dims, e->dims, (size_t)e->rank * sizeof e->dims[0]))
        return 1;
    /* h5py lets () and (1,) stand for each other. */
    hssize_t n = H5Sget_simple_extent_npoints(space);
    uint64_t m;
    return n == 1 && ha_count_of(e->rank, e->dims, &m) == 0 && m == 1;
}

/* attrs.modify: overwrite in place, keeping the stored type. */
static int modify_existing(ha_task *t, hid_t loc, hid_t mtype)
{
    hid_t aid = H5Aopen(loc, t->name, H5P_DEFAULT), space = -1;
    int rc = -1, same;
    if (aid < 0 || (space = H5Aget_space(aid)) < 0 ||
        (same = same_shape(space, &t->extent)) < 0) {
        ha_op_fail(t);
        goto done;
    }
    if (!same) {
        ha_op_fail_code(t, HA_E_TYPE,
                        "Shape of data is incompatible with existing attribute");
        goto done;
    }
    rc = H5Awrite(aid, mtype, t->buf) < 0 ? ha_op_fail(t) : 0;
done:
    ha_close_space(space);
    if (aid >= 0)
        ha_close_attr(aid);
    return rc;
}

int ha_op_attr_write(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    htri_t exists = H5Aexists(loc, t->name);
    if (exists < 0)
        return ha_op_fail(t);
    hid_t mtype = ha_type_to_h5(t->type);
    if (mtype < 0)
        return ha_op_fail(t);
    int rc = -1;
    if (exists && t->ival == 1) {
        rc = modify_existing(t, loc, mtype);
        ha_close_type(mtype);
        return rc;
    }
    hid_t ftype = ha_type_to_h5(t->ftype ? t->ftype : t->type);
    hid_t space = ha_space_from_extent(&t->extent), aid = -1;
    if (ftype < 0 || space < 0 || (exists && H5Adelete(loc, t->name) < 0))
        goto done;
    if ((aid = H5Acreate2(loc, t->name, ftype, space, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto done;
    rc = t->extent.null ? 0 : (H5Awrite(aid, mtype, t->buf) < 0 ? -1 : 0);
done:
    if (aid >= 0)
        ha_close_attr(aid);
    ha_close_type(ftype);
    ha_close_type(mtype);
    ha_close_space(space);
    return rc < 0 ? ha_op_fail(t) : 0;
}

/*
 * Variable-length strings come back as pointers HDF5 allocated, wherever
 * they sit in the type.  Copy the elements and the strings into one block
 * we own, t->result.data (the `n` elements, their slots pointing at the
 * string bytes that follow), and give HDF5's memory (and `src`, malloc'd)
 * back here, on the executing thread.
 */
typedef struct {
    size_t total;
    char *tail;
} repack_state;

static int count_string(void **slot, void *arg)
{
    const char *s = ha_slot_get(slot);
    ((repack_state *)arg)->total += (s ? strlen(s) : 0) + 1;
    return 0;
}

static int move_string(void **slot, void *arg)
{
    repack_state *st = arg;
    const char *s = ha_slot_get(slot) ? ha_slot_get(slot) : "";
    size_t len = strlen(s);
    memcpy(st->tail, s, len + 1);
    ha_slot_set(slot, st->tail);
    st->tail += len + 1;
    return 0;
}

/* A top-level variable-length sequence: the hvl_t array, then each
 * sequence's elements (8-byte aligned) in one block of ours. */
static void *repack_sequences(const ha_type *type, size_t n, const hvl_t *src, size_t *total)
{
    size_t esize = type->base->size, sum = n * sizeof(hvl_t);
    for (size_t i = 0; i < n; i++)
        sum += (src[i].len * esize + 7) & ~(size_t)7;
    char *dst = malloc(sum ? sum : 1);
    if (!dst)
        return NULL;
    hvl_t *v = (hvl_t *)dst;
    char *tail = dst + n * sizeof(hvl_t);
    for (size_t i = 0; i < n; i++) {
        size_t nb = src[i].len * esize;
        v[i].len = src[i].len;
        v[i].p = tail;
        if (nb)
            memcpy(tail, src[i].p, nb);
        tail += (nb + 7) & ~(size_t)7;
    }
    *total = sum;
    return dst;
}

/* Give back what HDF5 allocated for the variable-length data in `buf`
 * (then `buf` itself, malloc'd). */
void ha_vlen_reclaim(hid_t mtype, hid_t space, void *buf)
{
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(mtype, space, H5P_DEFAULT, buf);
#else
    H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, buf);
#endif
    free(buf);
}

int ha_vlen_repack(ha_task *t, const ha_type *type, hid_t mtype, hid_t space, size_t n,
                   void *src)
{
    size_t total = 0;
    char *dst;
    if (type->cls == HA_T_VLSEQ) {
        dst = repack_sequences(type, n, src, &total);
    } else {
        repack_state st = {n * type->size, NULL};
        ha_type_walk_vlen(type, src, n, count_string, &st);
        total = st.total;
        if ((dst = malloc(total ? total : 1))) {
            memcpy(dst, src, n * type->size);
            st.tail = dst + n * type->size;
            ha_type_walk_vlen(type, dst, n, move_string, &st);
        }
    }
    ha_vlen_reclaim(mtype, space, src);
    t->result.data = dst;
    t->result.nbytes = total;
    return dst ? 0 : ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
}

int ha_op_attr_read(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    hid_t aid = H5Aopen(loc, t->name, H5P_DEFAULT), ftype = -1, space = -1;
    hid_t mtype = -1;
    int rc = -1;
    if (aid < 0 || (ftype = H5Aget_type(aid)) < 0 ||
        (space = H5Aget_space(aid)) < 0 ||
        ha_extent_from_space(space, &t->result.extent) < 0 ||
        !(t->result.type = ha_type_from_h5(ftype)) ||
        (mtype = ha_type_to_h5(t->result.type)) < 0)
        goto done;
    if (t->result.type->cls == HA_T_OPAQUE && !t->result.type->tag) {
        rc = ha_op_fail_code(t, HA_E_TYPE, "unsupported attribute datatype");
        goto done;
    }
    hssize_t n = t->result.extent.null ? 0 : H5Sget_simple_extent_npoints(space);
    size_t nbytes;
    if (n < 0)
        goto done;
    /* An attribute in a file from elsewhere may be larger than memory. */
    if (ha_bytes_of((uint64_t)n, t->result.type->size, &nbytes) < 0) {
        rc = ha_op_fail_code(t, HA_E_NOMEM, "attribute is larger than the address space");
        goto done;
    }
    if (!(t->result.data = calloc(nbytes ? nbytes : 1, 1))) {
        rc = ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
        goto done;
    }
    t->result.nbytes = nbytes;
    if (n > 0 && H5Aread(aid, mtype, t->result.data) < 0)
        goto done;
    rc = 0;
    if (n > 0 && ha_type_has_objects(t->result.type)) {
        void *src = t->result.data;
        t->result.data = NULL;
        rc = ha_vlen_repack(t, t->result.type, mtype, space, (size_t)n, src);
    }
done:
    ha_close_type(mtype);
    ha_close_type(ftype);
    ha_close_space(space);
    if (aid >= 0)
        ha_close_attr(aid);
    return rc < 0 ? ha_op_fail(t) : 0;
}

int ha_op_attr_exists(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    htri_t r = H5Aexists(loc, t->name);
    if (r < 0)
        return ha_op_fail(t);
    t->result.ival = r > 0;
    return 0;
}

int ha_op_attr_delete(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    return H5Adelete(loc, t->name) < 0 ? ha_op_fail(t) : 0;
}
