/* Dataset region references on ObjectID (regionref.c). */
#ifndef HA_EXT_REGIONREF_H
#define HA_EXT_REGIONREF_H

#include "objectid.h"
#include "selection.h"

extern PyMethodDef ha_regionref_methods[];

/*
 * The index of a read of dataset `self` at region reference `ref`: the
 * reference's own selection, with the result's shape as h5py guesses it
 * (out_rank -1: none, h5py's Empty).  Asks the file and waits; ValueError
 * when `ref` points into another dataset.  0 or -1.
 */
int ha_region_index(ObjectID *self, PyObject *ref, ha_index *idx);

#endif
