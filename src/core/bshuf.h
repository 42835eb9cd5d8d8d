/*
 * The Bitshuffle filter (HDF5 filter 32008) through the bitshuffle
 * library's C API, loaded at run time (dlopen) from a file the caller
 * names: Debian ships no bitshuffle library, but hdf5plugin's
 * libh5bshuf.so exports that API, and it is the codec h5py with
 * hdf5plugin runs, so both write the same bytes.
 *
 * The stored format and cd_values are the bitshuffle HDF5 filter's:
 * cd = [major, minor, element size, block size in elements (0: the
 * library's default), compression (2 lz4, 3 zstd, else none), zstd
 * level].  Without compression a chunk is bitshuffled in place (same
 * size); with it, a chunk is a 12-byte header (the decoded bytes as a
 * big-endian uint64, the block size in bytes as a big-endian uint32)
 * followed by the library's blocked stream.
 *
 * Nothing here calls HDF5; every function may run on any thread.
 */
#ifndef HA_BSHUF_H
#define HA_BSHUF_H

#include <stddef.h>

#include "filters.h"

/* The version bitshuffle's set_local records in cd_values[0..1]; hdf5plugin's
 * build records these (bitshuffle_core.h's defaults).  Readers ignore them. */
#define HA_BSHUF_VERSION_MAJOR 0
#define HA_BSHUF_VERSION_MINOR 4

/*
 * The files to try, in order, when the library is first needed; the
 * strings are copied.  Replaces earlier candidates and forgets a failed
 * attempt, so that the next use tries again; once a library is loaded it
 * stays.  Returns 0, or -1 when out of memory.
 */
int ha_bshuf_set_candidates(const char *const *paths, size_t n);

/* Whether the library is usable, loading it on the first call. */
int ha_bshuf_available(void);

/* Whether the library has been loaded (never tries to load it). */
int ha_bshuf_loaded(void);

/*
 * Encode `n` bytes at `in` with filter `f` (its cd_values as stored) into
 * `out`, which must have room for *bound bytes as ha_bshuf_bound gives.
 * Both return 0, or -1 with *why a static message.  Call only after
 * ha_bshuf_available returned 1.
 */
int ha_bshuf_bound(const ha_filter *f, size_t n, size_t *bound, const char **why);
int ha_bshuf_encode(const ha_filter *f, const void *in, size_t n, void *out, size_t *outn,
                    const char **why);

/* The bytes a stored chunk decodes to (0, or -1 if it cannot say). */
int ha_bshuf_decoded_size(const ha_filter *f, const void *in, size_t n, size_t *size);

/* Decode a stored chunk into exactly `dstn` bytes; 0, or -1 with *why. */
int ha_bshuf_decode(const ha_filter *f, const void *in, size_t n, void *dst, size_t dstn,
                    const char **why);

#endif
