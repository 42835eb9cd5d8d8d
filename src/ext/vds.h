/* Virtual datasets: create_dataset(virtual=...) mappings, and the ObjectID
 * methods is_virtual() and virtual_sources(). */
#ifndef HA_EXT_VDS_H
#define HA_EXT_VDS_H

#include "common.h"

/*
 * Parse `maps`, a sequence of (vkey, file, dset, src_shape, src_maxshape,
 * skey) tuples (h5async/vds.py builds them from a VirtualLayout), against
 * the virtual dataset's extent `e`, into t->vmaps; marks t->dcpl virtual.
 * Returns 0, or -1 with IndexError/TypeError/ValueError (a mapping whose
 * two selections differ in size is h5py's ValueError).
 */
int ha_vds_parse(PyObject *maps, const ha_extent *e, ha_task *t);

/* A shape or maxshape (None: unlimited) into `e` (create.c). */
int ha_parse_shape(PyObject *obj, ha_extent *e, int maxshape);

extern PyMethodDef ha_vds_methods[];

#endif
