/*
 * The chunk filters the codec pool runs itself: deflate, shuffle,
 * fletcher32 and lzf, each producing exactly the bytes HDF5's filter
 * pipeline writes and accepts (the same ids, parameters and layouts).
 *
 * Nothing here calls HDF5, so any thread may use it: a codec worker gets
 * a filter description computed on the I/O thread beforehand.  The codecs
 * themselves are libraries (zlib or libdeflate, liblzf); this file is only
 * the pipeline around them.
 */
#ifndef HA_FILTERS_H
#define HA_FILTERS_H

#include <stddef.h>
#include <stdint.h>

/* HDF5's filter ids (H5Zpublic.h), and h5py's registered lzf id. */
#define HA_FILTER_DEFLATE 1
#define HA_FILTER_SHUFFLE 2
#define HA_FILTER_FLETCHER32 3
#define HA_FILTER_LZF 32000
/* The common plugin filters' registered ids (hdf5plugin's, HDF Group's list). */
#define HA_FILTER_BLOSC 32001
#define HA_FILTER_LZ4 32004
#define HA_FILTER_BITSHUFFLE 32008 /* through a library loaded at run time (bshuf.h) */
#define HA_FILTER_ZSTD 32015

#define HA_PIPE_MAX_FILTERS 8
#define HA_FILTER_MAX_CD 8

typedef struct {
    int id;
    int optional;                   /* H5Z_FLAG_OPTIONAL: may be skipped */
    unsigned cd[HA_FILTER_MAX_CD];  /* client data as HDF5 stores it */
    size_t ncd;
} ha_filter;

/* A dataset's filters, in the order HDF5 applies them when writing. */
typedef struct {
    int n;
    ha_filter f[HA_PIPE_MAX_FILTERS];
} ha_pipeline;

/* Whether this build can run filter `id` itself (for bitshuffle: whether
 * its library loads, which the first call for it tries). */
int ha_filter_known(int id);

/* A growable malloc'd buffer. */
typedef struct {
    void *p;
    size_t cap;
} ha_buf;

/* Make room for `n` bytes (contents not kept); 0 or -1 (out of memory). */
int ha_buf_reserve(ha_buf *b, size_t n);
void ha_buf_free(ha_buf *b);

/*
 * One worker's reusable state: scratch buffers and codec contexts that
 * are costly to set up per chunk.  Used by one thread at a time.
 */
typedef struct ha_codec_ctx ha_codec_ctx;
ha_codec_ctx *ha_codec_ctx_new(void);
void ha_codec_ctx_free(ha_codec_ctx *c);
/* A scratch buffer the caller may use between encode/decode calls (for
 * gathering a chunk); the codecs never touch it. */
ha_buf *ha_codec_ctx_scratch(ha_codec_ctx *c);

/*
 * Encode one chunk of `n` bytes at `in` through `p`, in order.  The result
 * ends up in *out (whose buffer may be swapped with one of the context's),
 * *outn bytes long; *mask gets a bit set for each optional filter skipped
 * (as HDF5 does when an optional filter cannot apply, e.g. lzf on data it
 * cannot shrink).  Returns 0, or -1 with *why a static message (*why is
 * left alone on success).
 */
int ha_pipe_encode(const ha_pipeline *p, ha_codec_ctx *c, const void *in, size_t n,
                   ha_buf *out, size_t *outn, unsigned *mask, const char **why);

/*
 * Decode one stored chunk (`n` bytes at `in`, written with filter mask
 * `mask`) into `dst`, which receives exactly `dstn` bytes: the chunk's
 * full size.  A stream that does not decode to that size, or a checksum
 * that does not match, is an error, never partial data.  Returns 0, or -1
 * with *why a static message.
 */
int ha_pipe_decode(const ha_pipeline *p, ha_codec_ctx *c, const void *in, size_t n,
                   unsigned mask, void *dst, size_t dstn, const char **why);

/*
 * One plugin filter (zstd, lz4, blosc, bitshuffle) on its own, for the filters
 * registered with HDF5's pipeline (h5plugins.c), which call these with a
 * context of their own.  Encode: 0, 1 if an optional filter does not
 * apply (the chunk is stored without it, as the plugin does), or -1 with
 * *why.  ha_filter_decoded_size reads the size a stored stream decodes to
 * from its header (0 or -1); decode then fills exactly `dstn` bytes.
 */
int ha_filter_encode1(const ha_filter *f, ha_codec_ctx *c, const void *in, size_t n,
                      ha_buf *out, size_t *outn, const char **why);
int ha_filter_decoded_size(const ha_filter *f, const void *in, size_t n, size_t *size);
int ha_filter_decode1(const ha_filter *f, ha_codec_ctx *c, const void *in, size_t n, void *dst,
                      size_t dstn, const char **why);

/* HDF5's byte shuffle of `n` bytes in elements of `esize` bytes, and back;
 * a tail that is not a whole element is copied as is. */
void ha_shuffle(const void *in, void *out, size_t n, size_t esize);
void ha_unshuffle(const void *in, void *out, size_t n, size_t esize);

/* HDF5's Fletcher-32 checksum (H5_checksum_fletcher32's definition). */
uint32_t ha_fletcher32(const void *data, size_t n);

#endif
