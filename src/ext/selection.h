/*
 * numpy-style indexing turned into HDF5 selections, in C because it is the
 * hot path of every small read.  Supported: integers (negative too),
 * slices with positive steps, Ellipsis, () and tuples of these.
 */
#ifndef HA_EXT_SELECTION_H
#define HA_EXT_SELECTION_H

#include "desc.h"
#include "np.h"

typedef struct {
    ha_sel sel;                     /* in the indexed space */
    int out_rank;                   /* rank of the result (integers drop axes) */
    npy_intp out_dims[HA_MAX_RANK];
    uint64_t npoints;
} ha_index;

/*
 * Parse `key` against an extent of `rank` and `dims`.  Returns 0, or -1 with
 * IndexError/TypeError/ValueError as h5py raises them.
 */
int ha_index_parse(PyObject *key, int rank, const uint64_t *dims, ha_index *out);

/* The whole extent as a selection (kind ALL). */
void ha_index_all(int rank, const uint64_t *dims, ha_index *out);

#endif
