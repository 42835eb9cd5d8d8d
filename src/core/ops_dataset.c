/* Datasets: create (with optional initial data), write, read, resize. */
#include <stdlib.h>
#include <string.h>

#include "chunkpipe.h"
#include "engine.h"
#include "filters.h"
#include "h5lzf.h"
#include "h5plugins.h"
#include "ops.h"
#include "xfercache.h"

static hid_t make_dcpl(const ha_task *t, hid_t ftype)
{
    const ha_dcpl *d = &t->dcpl;
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0)
        return dcpl;
    /* h5py writes no timestamps unless asked, so identical data gives
     * identical files. */
    herr_t rc = H5Pset_obj_track_times(dcpl, d->track_times != 0);
    if (rc >= 0 && d->fill_time_set)
        rc = H5Pset_fill_time(dcpl, (H5D_fill_time_t)d->fill_time);
    if (rc >= 0 && d->chunked) {
        hsize_t chunk[HA_MAX_RANK];
        for (int i = 0; i < t->extent.rank; i++)
            chunk[i] = d->chunk[i];
        rc = H5Pset_chunk(dcpl, t->extent.rank, chunk);
    }
    /* Filter order as h5py: scale-offset, shuffle, deflate, checksum last. */
    if (rc >= 0 && d->scaleoffset_set)
        rc = H5Pset_scaleoffset(dcpl, H5Tget_class(ftype) == H5T_FLOAT ? H5Z_SO_FLOAT_DSCALE
                                                                      : H5Z_SO_INT,
                                d->scaleoffset);
    if (rc >= 0 && d->shuffle)
        rc = H5Pset_shuffle(dcpl);
    if (rc >= 0 && d->gzip >= 0)
        rc = H5Pset_deflate(dcpl, (unsigned)d->gzip);
    if (rc >= 0 && d->lzf) {
        ha_h5lzf_register(); /* its set_local records h5py's cd_values */
        rc = H5Pset_filter(dcpl, HA_FILTER_LZF, H5Z_FLAG_OPTIONAL, 0, NULL);
    }
    if (rc >= 0 && d->filter_id) {
        ha_h5plugins_meet(d->filter_id); /* their set_local fills in cd_values */
        rc = H5Pset_filter(dcpl, (H5Z_filter_t)d->filter_id, H5Z_FLAG_OPTIONAL,
                           (size_t)d->filter_ncd, d->filter_cd);
    }
    if (rc >= 0 && d->fletcher32)
        rc = H5Pset_fletcher32(dcpl);
    if (rc >= 0 && d->fill)
        rc = H5Pset_fill_value(dcpl, ftype, d->fill);
    if (rc >= 0 && d->track_order)
        rc = H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    if (rc >= 0 && d->is_virtual)
        rc = ha_vds_set(dcpl, t);
    if (rc < 0) {
        ha_close_plist(dcpl);
        return H5I_INVALID_HID;
    }
    return dcpl;
}

/* A transfer's memory type and file and memory spaces, with selections;
 * those the dataset handle's cache keeps are not closed after it. */
typedef struct {
    hid_t mtype, fspace, mspace, dxpl;
    int mtype_cached, fspace_cached, mspace_cached;
} xfer;

/* Parallel HDF5: a collective transfer property list, else the default. */
static hid_t make_dxpl(const ha_task *t)
{
#ifdef H5_HAVE_PARALLEL
    if (t->collective) {
        hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
        if (dxpl >= 0 && H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
            ha_close_plist(dxpl);
            return H5I_INVALID_HID;
        }
        return dxpl;
    }
#else
    (void)t;
#endif
    return H5P_DEFAULT;
}

static int xfer_open(ha_task *t, ha_handle *h, hid_t did, xfer *x)
{
    memset(x, 0, sizeof *x);
    x->fspace = x->mspace = -1;
    x->dxpl = H5P_DEFAULT;
    x->mtype = ha_xcache_mtype(h, t->type, &x->mtype_cached);
    if (t->fsel.kind == HA_SEL_REGION) /* d[regionref]: the reference's own space */
        x->fspace = H5Rget_region(did, H5R_DATASET_REGION, t->fsel.region);
    else if ((x->fspace = ha_xcache_fspace(h, did, &x->fspace_cached)) >= 0 &&
             ha_select(x->fspace, &t->fsel) < 0)
        return -1;
    if (x->mtype < 0 || x->fspace < 0 ||
        (x->mspace = ha_xcache_mspace(h, &t->msel, &x->mspace_cached)) < 0 ||
        (x->dxpl = make_dxpl(t)) < 0)
        return -1;
    return 0;
}

/* Release the ids and turn rc into the operation's result. */
static int xfer_close(ha_task *t, xfer *x, int rc)
{
    if (!x->mtype_cached)
        ha_close_type(x->mtype);
    if (!x->fspace_cached)
        ha_close_space(x->fspace);
    if (!x->mspace_cached)
        ha_close_space(x->mspace);
    if (x->dxpl != H5P_DEFAULT)
        ha_close_plist(x->dxpl);
    if (rc == 0)
        ha_emulate_io(t->nbytes);
    return rc < 0 ? ha_op_fail(t) : 0;
}

/* Write t->buf (memory type t->type, selections fsel/msel) into `did`,
 * the dataset of handle `h`: through the chunk pipeline if it takes it. */
static int write_data(ha_task *t, ha_handle *h, hid_t did)
{
    int rc = ha_chunkpipe_write(t, h, did);
    if (rc != HA_PIPE_DECLINED)
        return rc;
    xfer x;
    rc = xfer_open(t, h, did, &x);
    if (rc == 0)
        rc = H5Dwrite(did, x.mtype, x.mspace, x.fspace, x.dxpl, t->buf) < 0 ? -1 : 0;
    return xfer_close(t, &x, rc);
}

int ha_op_dset_create(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    hid_t ftype = ha_type_to_h5(t->ftype), space = -1, dcpl = -1, lcpl = -1;
    hid_t did = H5I_INVALID_HID;
    if (ftype >= 0 && (space = ha_space_from_extent(&t->extent)) >= 0 &&
        (dcpl = make_dcpl(t, ftype)) >= 0 && (lcpl = ha_lcpl_intermediate()) >= 0)
        did = H5Dcreate2(loc, t->name, ftype, space, lcpl, dcpl, H5P_DEFAULT);
    ha_close_type(ftype);
    ha_close_space(space);
    ha_close_plist(dcpl);
    ha_close_plist(lcpl);
    if (did < 0)
        return ha_op_fail(t);
    t->target->opens_files = t->dcpl.is_virtual;
    ha_handle_set_open(t->target, did);
    /* data= given: the initial write belongs to the same task. */
    if (t->buf)
        return write_data(t, t->target, did);
    return 0;
}

int ha_op_dset_write(ha_task *t)
{
    hid_t did = ha_op_need(t, t->obj);
    return did < 0 ? -1 : write_data(t, t->obj, did);
}

/* Variable-length strings land in HDF5-allocated memory: read into a
 * buffer of our own and repack them into t->result.data. */
static int read_vlen(ha_task *t, hid_t did, xfer *x)
{
    hssize_t n = H5Sget_select_npoints(x->mspace);
    void *buf = n >= 0 ? calloc((size_t)n + 1, t->type->size) : NULL;
    if (!buf)
        return -1;
    if (H5Dread(did, x->mtype, x->mspace, x->fspace, x->dxpl, buf) < 0) {
        ha_op_fail(t); /* HDF5's error stack now: the reclaim call clears it */
        ha_vlen_reclaim(x->mtype, x->mspace, buf); /* what HDF5 allocated before failing */
        return -1;
    }
    return ha_vlen_repack(t, t->type, x->mtype, x->mspace, (size_t)n, buf);
}

int ha_op_dset_read(ha_task *t)
{
    hid_t did = ha_op_need(t, t->obj);
    if (did < 0)
        return -1;
    int rc = ha_chunkpipe_read(t, t->obj, did);
    if (rc != HA_PIPE_DECLINED)
        return rc;
    xfer x;
    rc = xfer_open(t, t->obj, did, &x);
    if (rc == 0 && ha_type_has_objects(t->type))
        rc = read_vlen(t, did, &x); /* strings or references: never into numpy's slots */
    else if (rc == 0)
        rc = H5Dread(did, x.mtype, x.mspace, x.fspace, x.dxpl, t->buf) < 0 ? -1 : 0;
    return xfer_close(t, &x, rc);
}

int ha_op_dset_resize(ha_task *t)
{
    hid_t did = ha_op_need(t, t->obj);
    if (did < 0)
        return -1;
    hsize_t dims[HA_MAX_RANK];
    for (int i = 0; i < t->extent.rank; i++)
        dims[i] = t->extent.dims[i];
    return H5Dset_extent(did, dims) < 0 ? ha_op_fail(t) : 0;
}

/* The user-set fill value in `type`'s memory layout, or NULL: with what
 * its strings or sequences point at in the same block (HDF5 hands out its
 * own copies of those, given back here). */
static void *read_fill(hid_t dcpl, const ha_type *type)
{
    H5D_fill_value_t status;
    if (H5Pfill_value_defined(dcpl, &status) < 0 || status != H5D_FILL_VALUE_USER_DEFINED)
        return NULL;
    hid_t mtype = ha_type_to_h5(type);
    void *fill = mtype >= 0 ? calloc(1, type->size) : NULL;
    if (fill && H5Pget_fill_value(dcpl, mtype, fill) < 0) {
        free(fill);
        fill = NULL;
    }
    if (fill && ha_type_has_vlen(type)) {
        size_t nbytes;
        void *mine = ha_vlen_dup(type, 1, fill, &nbytes);
        hid_t one = H5Screate(H5S_SCALAR);
        ha_vlen_reclaim(mtype, one, fill);
        ha_close_space(one);
        fill = mine;
    }
    ha_close_type(mtype);
    return fill;
}

int ha_dcpl_read(hid_t did, int rank, const ha_type *type, ha_dcpl *d)
{
    memset(d, 0, sizeof *d);
    d->gzip = -1;
    hid_t dcpl = H5Dget_create_plist(did);
    if (dcpl < 0)
        return -1;
    H5D_layout_t layout = H5Pget_layout(dcpl);
    d->is_virtual = layout == H5D_VIRTUAL;
    d->opens_files = d->is_virtual || H5Pget_external_count(dcpl) > 0;
    if (layout == H5D_CHUNKED) {
        hsize_t chunk[HA_MAX_RANK];
        if (H5Pget_chunk(dcpl, rank, chunk) == rank) {
            d->chunked = 1;
            for (int i = 0; i < rank; i++)
                d->chunk[i] = chunk[i];
        }
    }
    int n = H5Pget_nfilters(dcpl);
    for (int i = 0; i < n; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        char name[64];
        unsigned fc;
        H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd,
                                        sizeof name, name, &fc);
        if (f >= 256)
            ha_h5plugins_meet((int)f); /* bitshuffle's library loads when met */
        if (f == H5Z_FILTER_DEFLATE)
            d->gzip = ncd ? (int)cd[0] : 0;
        else if (f == H5Z_FILTER_SHUFFLE)
            d->shuffle = 1;
        else if (f == HA_FILTER_LZF)
            d->lzf = 1;
        else if (f == H5Z_FILTER_SCALEOFFSET && ncd >= 2)
            d->scaleoffset_set = 1, d->scaleoffset = (int)cd[1];
        else if (f == H5Z_FILTER_FLETCHER32)
            d->fletcher32 = 1;
        else if (f >= 256 && !d->filter_id) { /* a plugin filter, h5py's 'unknown' */
            d->filter_id = (int)f;
            d->filter_ncd = ncd > 8 ? 8 : (int)ncd;
            memcpy(d->filter_cd, cd, (size_t)d->filter_ncd * sizeof *cd);
        }
    }
    H5D_fill_time_t ft;
    if (H5Pget_fill_time(dcpl, &ft) >= 0)
        d->fill_time_set = 1, d->fill_time = (int)ft;
    hbool_t times;
    if (H5Pget_obj_track_times(dcpl, &times) >= 0)
        d->track_times = times != 0;
    unsigned crt = 0;
    if (H5Pget_attr_creation_order(dcpl, &crt) >= 0)
        d->track_order = (crt & H5P_CRT_ORDER_TRACKED) != 0;
    d->fill = read_fill(dcpl, type);
    H5Eclear2(H5E_DEFAULT);
    ha_close_plist(dcpl);
    return 0;
}
