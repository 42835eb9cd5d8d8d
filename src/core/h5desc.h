/*
 * Turning plain descriptions (desc.h) into HDF5 ids and back.  Executing
 * thread only: every function here calls HDF5.
 */
#ifndef HA_H5DESC_H
#define HA_H5DESC_H

#include <hdf5.h>

#include "desc.h"

/* A new datatype id for `t`, or H5I_INVALID_HID with HDF5's error set. */
hid_t ha_type_to_h5(const ha_type *t);

/* A description of datatype `tid`, or NULL (HDF5 error or out of memory). */
ha_type *ha_type_from_h5(hid_t tid);

/* A new dataspace for `e`. */
hid_t ha_space_from_extent(const ha_extent *e);

/* Fill `e` from dataspace `sid`; returns 0 or -1. */
int ha_extent_from_space(hid_t sid, ha_extent *e);

/* Apply selection `s` to `sid` (a dataset's space); returns 0 or -1. */
int ha_select(hid_t sid, const ha_sel *s);

/* A new memory dataspace with extent s->dims and selection `s`. */
hid_t ha_space_for_memory(const ha_sel *s);

/*
 * Close an id if valid, on cleanup paths.  Every HDF5 API call clears the
 * error stack on entry, so these keep a pending error stack intact: the
 * failure is captured after the cleanup, not lost by it.
 */
void ha_close_type(hid_t id);
void ha_close_space(hid_t id);
void ha_close_plist(hid_t id);
void ha_close_obj(hid_t id);
void ha_close_attr(hid_t id);

#endif
