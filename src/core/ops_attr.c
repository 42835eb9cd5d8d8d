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

static H5T_conv_ret_t refuse_out_of_range(H5T_conv_except_t e, hid_t src, hid_t dst,
                                          void *sbuf, void *dbuf, void *arg)
{
    (void)src, (void)sbuf, (void)dbuf;
    if (H5Tget_class(dst) != H5T_INTEGER ||
        (e != H5T_CONV_EXCEPT_RANGE_HI && e != H5T_CONV_EXCEPT_RANGE_LOW && e != H5T_CONV_EXCEPT_NAN))
        return H5T_CONV_UNHANDLED; /* truncation of fractions: as numpy */
    *(H5T_conv_except_t *)arg = e;
    return H5T_CONV_ABORT;
}

/* Whether any of the `n` floats of type `ftype` at `buf` is NaN. */
static int has_nan(hid_t ftype, const void *buf, size_t n)
{
    size_t size = H5Tget_size(ftype);
    double *d = size <= sizeof(double) ? malloc((n ? n : 1) * sizeof *d) : NULL;
    int found = 0;
    if (!d)
        return 0; /* long double: left to HDF5 */
    memcpy(d, buf, n * size);
    if (H5Tconvert(ftype, H5T_NATIVE_DOUBLE, n, d, NULL, H5P_DEFAULT) >= 0)
        for (size_t i = 0; i < n && !found; i++)
            found = d[i] != d[i];
    free(d);
    return found;
}

/* t->buf converted to the attribute's integer type `ftype`, refusing
 * values out of its range (numpy's rule for Python values, which h5py
 * applies); a malloc'd buffer, or NULL with the task failed. */
static void *convert_in_range(ha_task *t, hid_t mtype, hid_t ftype, hid_t space)
{
    hssize_t n = H5Sget_simple_extent_npoints(space);
    size_t size = H5Tget_size(mtype) > H5Tget_size(ftype) ? H5Tget_size(mtype) : H5Tget_size(ftype);
    char *buf = n >= 0 ? calloc((size_t)n + 1, size) : NULL;
    hid_t dxpl = buf ? H5Pcreate(H5P_DATASET_XFER) : -1;
    H5T_conv_except_t e = H5T_CONV_EXCEPT_PRECISION;
    if (!buf) {
        ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
        return NULL;
    }
    memcpy(buf, t->buf, (size_t)n * H5Tget_size(mtype));
    if (H5Tget_class(mtype) == H5T_FLOAT && has_nan(mtype, buf, (size_t)n))
        e = H5T_CONV_EXCEPT_NAN; /* HDF5's hard conversions store NaN as 0 */
    if (e == H5T_CONV_EXCEPT_NAN || dxpl < 0 ||
        H5Pset_type_conv_cb(dxpl, refuse_out_of_range, &e) < 0 ||
        H5Tconvert(mtype, ftype, (size_t)n, buf, NULL, dxpl) < 0) {
        if (e == H5T_CONV_EXCEPT_NAN)
            ha_op_fail_code(t, HA_E_VALUE, "cannot convert float NaN to integer");
        else if (e != H5T_CONV_EXCEPT_PRECISION)
            ha_op_fail_code(t, HA_E_OVERFLOW, "value out of range of the attribute's integer type");
        else
            ha_op_fail(t);
        free(buf);
        buf = NULL;
    }
    H5Eclear2(H5E_DEFAULT);
    ha_close_plist(dxpl);
    return buf;
}

/* attrs.modify: overwrite in place, keeping the stored type. */
static int modify_existing(ha_task *t, hid_t loc, hid_t mtype)
{
    hid_t aid = H5Aopen(loc, t->name, H5P_DEFAULT), space = -1, ftype = -1;
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
    if (t->ival == 2 && (ftype = H5Aget_type(aid)) >= 0 && H5Tget_class(mtype) == H5T_STRING &&
        (H5Tget_class(ftype) == H5T_INTEGER || H5Tget_class(ftype) == H5T_FLOAT)) {
        /* h5py has numpy parse the text, and refuses what is no number */
        rc = ha_op_fail_code(t, HA_E_VALUE, "could not convert a string to the attribute's "
                             "numeric type");
        goto done;
    }
    if (t->ival == 2 && ftype >= 0 && H5Tget_class(ftype) == H5T_INTEGER &&
        (H5Tget_class(mtype) == H5T_INTEGER || H5Tget_class(mtype) == H5T_FLOAT)) {
        void *conv = convert_in_range(t, mtype, ftype, space);
        rc = !conv ? -1 : H5Awrite(aid, ftype, conv) < 0 ? ha_op_fail(t) : 0;
        free(conv);
        goto done;
    }
    rc = H5Awrite(aid, mtype, t->buf) < 0 ? ha_op_fail(t) : 0;
done:
    if (ftype >= 0)
        ha_close_type(ftype);
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
    if (exists && t->ival >= 1) {
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
