/* See xfercache.h. */
#include "xfercache.h"

#include <stdlib.h>

#include "h5desc.h"

typedef struct {
    hid_t fspace;     /* a copy of the dataset's dataspace, or -1 */
    int resizable;    /* 1: its extent may change, never cached */
    ha_type *mdesc;   /* what mtype was built from */
    hid_t mtype;
    int mrank;        /* 0 or 1 */
    uint64_t mdim;
    hid_t mspace;
} xcache;

static xcache *cache_of(ha_handle *h)
{
    if (!h->xcache) {
        xcache *c = calloc(1, sizeof *c);
        if (!c)
            return NULL;
        c->fspace = c->mtype = c->mspace = H5I_INVALID_HID;
        h->xcache = c;
    }
    return h->xcache;
}

hid_t ha_xcache_fspace(ha_handle *h, hid_t did, int *cached)
{
    xcache *c = cache_of(h);
    *cached = 0;
    if (c && c->fspace >= 0) {
        *cached = 1;
        return c->fspace;
    }
    hid_t sid = H5Dget_space(did);
    if (!c || sid < 0 || c->resizable)
        return sid;
    hsize_t dims[H5S_MAX_RANK], maxdims[H5S_MAX_RANK];
    int rank = H5Sget_simple_extent_dims(sid, dims, maxdims);
    for (int i = 0; i < rank; i++)
        c->resizable |= dims[i] != maxdims[i];
    if (rank < 0 || c->resizable)
        return sid;
    c->fspace = sid;
    *cached = 1;
    return sid;
}

hid_t ha_xcache_mtype(ha_handle *h, const ha_type *t, int *cached)
{
    xcache *c = cache_of(h);
    *cached = 0;
    if (c && c->mtype >= 0 && ha_type_equal(c->mdesc, t)) {
        *cached = 1;
        return c->mtype;
    }
    hid_t mtype = ha_type_to_h5(t);
    ha_type *desc = c && mtype >= 0 ? ha_type_copy(t) : NULL;
    if (!desc)
        return mtype;
    if (c->mtype >= 0)
        ha_close_type(c->mtype);
    ha_type_free(c->mdesc);
    c->mtype = mtype;
    c->mdesc = desc;
    *cached = 1;
    return mtype;
}

hid_t ha_xcache_mspace(ha_handle *h, const ha_sel *msel, int *cached)
{
    xcache *c = cache_of(h);
    int small = msel->kind == HA_SEL_ALL && msel->rank <= 1;
    uint64_t dim = msel->rank ? msel->dims[0] : 0;
    *cached = 0;
    if (c && small && c->mspace >= 0 && c->mrank == msel->rank && c->mdim == dim) {
        *cached = 1;
        return c->mspace;
    }
    hid_t sid = ha_space_for_memory(msel);
    if (!c || !small || sid < 0)
        return sid;
    if (c->mspace >= 0)
        ha_close_space(c->mspace);
    c->mspace = sid;
    c->mrank = msel->rank;
    c->mdim = dim;
    *cached = 1;
    return sid;
}

void ha_xcache_clear(ha_handle *h)
{
    xcache *c = h->xcache;
    if (!c)
        return;
    if (c->fspace >= 0)
        ha_close_space(c->fspace);
    if (c->mtype >= 0)
        ha_close_type(c->mtype);
    if (c->mspace >= 0)
        ha_close_space(c->mspace);
    ha_type_free(c->mdesc);
    free(c);
    h->xcache = NULL;
}

void ha_xcache_forget(ha_handle *h)
{
    xcache *c = h->xcache;
    if (c)
        ha_type_free(c->mdesc);
    free(c);
    h->xcache = NULL;
}
