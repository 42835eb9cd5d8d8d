/*
 * h5py's lzf filter (id 32000), registered with the HDF5 this process
 * links, so that HDF5's own path reads and writes lzf datasets as h5py
 * does: the chunk pipeline's fallbacks (partial chunks, conversions, one
 * codec thread) would otherwise fail on files h5py wrote with lzf.
 */
#ifndef HA_H5LZF_H
#define HA_H5LZF_H

/* Register it unless HDF5 already has a filter 32000 (a plugin) or this
 * build has no liblzf.  Idempotent; executing thread only. */
void ha_h5lzf_register(void);

#endif
