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
    uint64_t npoints;               /* UINT64_MAX when too_big */
    int too_big;                    /* more elements than an array can hold */
} ha_index;

/*
 * Counts are checked (desc.h): an extent's element count must fit in
 * HDF5's hssize_t, and a selection in npy_intp to become a numpy array
 * (both 2**63 - 1).
 */

/* The element count of an extent, or -1 with ValueError
 * "<what> (shape (...) has more than 2**63 - 1 elements ...)". */
int ha_extent_count(int rank, const uint64_t *dims, const char *what, uint64_t *n);

/* Raise ValueError "<what> (shape (...) <why>)"; returns -1. */
int ha_size_error(const char *what, int rank, const uint64_t *dims, const char *why);

/*
 * Parse `key` against an extent of `rank` and `dims`.  Returns 0, or -1 with
 * IndexError/TypeError/ValueError as h5py raises them.
 */
int ha_index_parse(PyObject *key, int rank, const uint64_t *dims, ha_index *out);

/* 0, or -1 with ValueError when the selection is too large for an array
 * (idx->too_big): reads and staged writes call it before allocating. */
int ha_index_check_array(const ha_index *idx);

/* The whole extent as a selection (kind ALL); -1 with ValueError when its
 * count does not fit. */
int ha_index_all(int rank, const uint64_t *dims, ha_index *out);

#endif
