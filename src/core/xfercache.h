/*
 * A dataset handle's cache of the HDF5 ids small transfers build again and
 * again: the file dataspace (of a dataset that cannot change its extent),
 * the memory type of the last transfer and its memory dataspace when that
 * has rank 0 or 1.  Building and closing them cost about half of a
 * one-element read's time in HDF5 (a dataspace alone is a calloc of some
 * kilobytes).  Executing thread only, like the handle's hid.
 */
#ifndef HA_XFERCACHE_H
#define HA_XFERCACHE_H

#include <hdf5.h>

#include "desc.h"
#include "handle.h"

/* Each returns an id for the transfer and sets *cached: 1 when it belongs
 * to the cache (the caller must not close it), 0 when the caller owns it.
 * H5I_INVALID_HID on failure. */
hid_t ha_xcache_fspace(ha_handle *h, hid_t did, int *cached);
hid_t ha_xcache_mtype(ha_handle *h, const ha_type *t, int *cached);
hid_t ha_xcache_mspace(ha_handle *h, const ha_sel *msel, int *cached);

/* Close the cached ids (before the dataset itself closes) and forget them. */
void ha_xcache_clear(ha_handle *h);
/* Forget them without an HDF5 call (a handle freed unclosed: a fork's
 * child, where the ids are the parent's). */
void ha_xcache_forget(ha_handle *h);

#endif
