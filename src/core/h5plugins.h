/*
 * The common plugin filters the codec pool runs (zstd 32015, lz4 32004,
 * blosc 32001; bitshuffle 32008 once its library has loaded), registered
 * with the HDF5 this process links when HDF5 has no filter of that id
 * (no plugin found), so that HDF5's own path reads
 * and writes these datasets as well: the chunk pipeline's fallbacks
 * (partial chunks, unaligned selections, conversions, one codec thread).
 * The filter functions run the same codecs as the pool (filters.c).
 */
#ifndef HA_H5PLUGINS_H
#define HA_H5PLUGINS_H

/* Register those this build has.  Idempotent; executing thread only. */
void ha_h5plugins_register(void);

/* A dataset with filter `id` is met (opened, or asked about): load what
 * that filter needs (bitshuffle's library), then register as above.
 * Executing thread only. */
void ha_h5plugins_meet(int id);

/* Whether HDF5 can run filter `id` (registered here or found as a
 * plugin), after ha_h5plugins_register; executing thread only. */
int ha_h5plugins_avail(int id);

#endif
