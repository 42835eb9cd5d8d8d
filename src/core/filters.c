/*
 * Chunk filters for the codec pool (filters.h).  Each filter is written
 * from HDF5's file-format definition of its output, so that HDF5 (and
 * h5py, whichever HDF5 it links) reads what we write and we read what it
 * writes:
 *
 *  - deflate: one zlib-format stream (RFC 1950), level cd[0];
 *  - shuffle: byte planes of elements of cd[0] bytes, a partial element
 *    at the end left in place; nothing to do for 1-byte elements or a
 *    single element;
 *  - fletcher32: the data, then its checksum as 4 little-endian bytes;
 *  - lzf (h5py's filter 32000): a bare liblzf stream, no header;
 *  - zstd (32015): one Zstandard frame, level cd[0] (default 3);
 *  - lz4 (32004): the original size (8 bytes, big-endian), the block size
 *    (4 bytes, big-endian: cd[0], default 1 GiB, at most the chunk), then
 *    per block its stored size (4 bytes, big-endian) and the block, an LZ4
 *    block if that is smaller, else the raw bytes (a stored size equal to
 *    the block's size means raw);
 *  - blosc (32001): one Blosc frame; cd[2] the type size, cd[4] the level,
 *    cd[5] the shuffle (0 none, 1 byte, 2 bit), cd[6] the compressor code,
 *    as PyTables' and hdf5plugin's filter record them.  Like theirs, the
 *    optional filter is skipped for a chunk it cannot shrink;
 *  - bitshuffle (32008): the bitshuffle library's own filter format, see
 *    bshuf.h.
 */
#include "filters.h"

#include <stdlib.h>
#include <string.h>

#include "bshuf.h"

#ifdef HA_HAVE_LIBDEFLATE
#include <libdeflate.h>
#else
#include <zlib.h>
#endif
#ifdef HA_HAVE_LZF
#include <lzf.h>
#endif
#ifdef HA_HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef HA_HAVE_LZ4
#include <lz4.h>
#endif
#ifdef HA_HAVE_BLOSC
#include <blosc.h>
#endif

struct ha_codec_ctx {
    ha_buf a, b;        /* the pipeline's intermediate results */
    ha_buf g;           /* the caller's (ha_codec_ctx_scratch) */
#ifdef HA_HAVE_LIBDEFLATE
    struct libdeflate_compressor *comp;
    int comp_level;
    struct libdeflate_decompressor *decomp;
#endif
#ifdef HA_HAVE_ZSTD
    ZSTD_CCtx *zc;
    ZSTD_DCtx *zd;
#endif
};

int ha_filter_known(int id)
{
    switch (id) {
    case HA_FILTER_DEFLATE:
    case HA_FILTER_SHUFFLE:
    case HA_FILTER_FLETCHER32:
        return 1;
#ifdef HA_HAVE_LZF
    case HA_FILTER_LZF:
        return 1;
#endif
#ifdef HA_HAVE_ZSTD
    case HA_FILTER_ZSTD:
        return 1;
#endif
#ifdef HA_HAVE_LZ4
    case HA_FILTER_LZ4:
        return 1;
#endif
#ifdef HA_HAVE_BLOSC
    case HA_FILTER_BLOSC:
        return 1;
#endif
    case HA_FILTER_BITSHUFFLE:
        return ha_bshuf_available();
    default:
        return 0;
    }
}

int ha_buf_reserve(ha_buf *b, size_t n)
{
    if (n <= b->cap && b->p)
        return 0;
    /* The old contents are never needed: free first, so the peak is one
     * buffer, not two. */
    free(b->p);
    b->p = malloc(n ? n : 1);
    b->cap = b->p ? n : 0;
    return b->p ? 0 : -1;
}

void ha_buf_free(ha_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->cap = 0;
}

ha_codec_ctx *ha_codec_ctx_new(void) { return calloc(1, sizeof(ha_codec_ctx)); }

void ha_codec_ctx_free(ha_codec_ctx *c)
{
    if (!c)
        return;
    ha_buf_free(&c->a);
    ha_buf_free(&c->b);
    ha_buf_free(&c->g);
#ifdef HA_HAVE_LIBDEFLATE
    libdeflate_free_compressor(c->comp);
    libdeflate_free_decompressor(c->decomp);
#endif
#ifdef HA_HAVE_ZSTD
    ZSTD_freeCCtx(c->zc);
    ZSTD_freeDCtx(c->zd);
#endif
    free(c);
}

ha_buf *ha_codec_ctx_scratch(ha_codec_ctx *c) { return &c->g; }

/* ---- shuffle ---- */

void ha_shuffle(const void *in, void *out, size_t n, size_t esize)
{
    const unsigned char *s = in;
    unsigned char *d = out;
    size_t ne = n / esize;
    /* Read each element once and scatter its bytes to their planes: the
     * reads stay sequential, and the writes are esize sequential streams. */
    for (size_t i = 0; i < ne; i++)
        for (size_t j = 0; j < esize; j++)
            d[j * ne + i] = s[i * esize + j];
    memcpy(d + ne * esize, s + ne * esize, n - ne * esize);
}

void ha_unshuffle(const void *in, void *out, size_t n, size_t esize)
{
    const unsigned char *s = in;
    unsigned char *d = out;
    size_t ne = n / esize;
    for (size_t i = 0; i < ne; i++)
        for (size_t j = 0; j < esize; j++)
            d[i * esize + j] = s[j * ne + i];
    memcpy(d + ne * esize, s + ne * esize, n - ne * esize);
}

/* Whether shuffle changes anything for `n` bytes of `esize`-byte elements. */
static int shuffle_applies(size_t n, size_t esize) { return esize > 1 && n / esize > 1; }

/* ---- fletcher32 ---- */

uint32_t ha_fletcher32(const void *data, size_t n)
{
    /* Sums of big-endian 16-bit words.  HDF5 folds the carries back in
     * after every 360 words (the most that cannot overflow 32 bits) and
     * once more at the end; folding elsewhere would give the same value
     * modulo 65535 but not always the same bits, so the folds stay where
     * HDF5's definition puts them. */
    const unsigned char *p = data;
    size_t words = n / 2;
    uint32_t s1 = 0, s2 = 0;
    while (words) {
        size_t block = words > 360 ? 360 : words;
        words -= block;
        for (size_t i = 0; i < block; i++, p += 2) {
            s1 += ((uint32_t)p[0] << 8) | p[1];
            s2 += s1;
        }
        s1 = (s1 & 0xffff) + (s1 >> 16);
        s2 = (s2 & 0xffff) + (s2 >> 16);
    }
    if (n % 2) {
        /* The odd last byte is the high half of a word padded with zero. */
        s1 += (uint32_t)p[0] << 8;
        s2 += s1;
        s1 = (s1 & 0xffff) + (s1 >> 16);
        s2 = (s2 & 0xffff) + (s2 >> 16);
    }
    s1 = (s1 & 0xffff) + (s1 >> 16);
    s2 = (s2 & 0xffff) + (s2 >> 16);
    return (s2 << 16) | s1;
}

static uint32_t load_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static int fletcher_ok(const unsigned char *p, size_t n)
{
    uint32_t stored = load_le32(p + n), sum = ha_fletcher32(p, n);
    /* HDF5 before 1.6.3 stored the sum with the bytes of each half
     * swapped on little-endian machines, and HDF5 still accepts that. */
    uint32_t swapped = ((sum & 0x00ff00ffu) << 8) | ((sum >> 8) & 0x00ff00ffu);
    return stored == sum || stored == swapped;
}

/* ---- deflate ---- */

static int deflate_encode(ha_codec_ctx *c, int level, const void *in, size_t n, ha_buf *out,
                          size_t *outn)
{
#ifdef HA_HAVE_LIBDEFLATE
    if (!c->comp || c->comp_level != level) {
        libdeflate_free_compressor(c->comp);
        c->comp = libdeflate_alloc_compressor(level);
        c->comp_level = level;
        if (!c->comp)
            return -1;
    }
    size_t bound = libdeflate_zlib_compress_bound(c->comp, n);
    if (ha_buf_reserve(out, bound) < 0)
        return -1;
    *outn = libdeflate_zlib_compress(c->comp, in, n, out->p, bound);
    return *outn ? 0 : -1;
#else
    (void)c;
    uLongf len = compressBound((uLong)n);
    if (ha_buf_reserve(out, len) < 0)
        return -1;
    if (compress2(out->p, &len, in, (uLong)n, level) != Z_OK)
        return -1;
    *outn = len;
    return 0;
#endif
}

/* Exactly `n` bytes out of a zlib stream, or -1. */
static int deflate_decode(ha_codec_ctx *c, const void *in, size_t inn, void *out, size_t n)
{
#ifdef HA_HAVE_LIBDEFLATE
    if (!c->decomp && !(c->decomp = libdeflate_alloc_decompressor()))
        return -1;
    size_t got = 0;
    enum libdeflate_result r = libdeflate_zlib_decompress(c->decomp, in, inn, out, n, &got);
    return r == LIBDEFLATE_SUCCESS && got == n ? 0 : -1;
#else
    (void)c;
    uLongf got = (uLongf)n;
    uLong used = (uLong)inn;
    int r = uncompress2(out, &got, in, &used);
    return r == Z_OK && got == n ? 0 : -1;
#endif
}

/* ---- the plugin filters: zstd, lz4, blosc, bitshuffle ---- */

static int is_plugin(int id)
{
    return id == HA_FILTER_ZSTD || id == HA_FILTER_LZ4 || id == HA_FILTER_BLOSC ||
           id == HA_FILTER_BITSHUFFLE;
}

#ifdef HA_HAVE_LZ4
static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

#define LZ4_DEFAULT_BLOCK (1u << 30) /* the filter's default: LZ4 blocks stay < 1.9 GB */
#endif

/* 0, 1 (an optional filter that does not apply), or -1 with *why. */
static int plugin_encode(const ha_filter *f, ha_codec_ctx *c, const void *in, size_t n,
                         ha_buf *out, size_t *outn, const char **why)
{
    (void)c, (void)in, (void)n, (void)out, (void)outn;
    *why = "out of memory";
    switch (f->id) {
#ifdef HA_HAVE_ZSTD
    case HA_FILTER_ZSTD: {
        /* cd_values hold an unsigned int: a negative level comes back. */
        int level = f->ncd ? (int)f->cd[0] : ZSTD_CLEVEL_DEFAULT;
        if (level < ZSTD_minCLevel())
            level = ZSTD_minCLevel();
        if (level > ZSTD_maxCLevel())
            level = ZSTD_maxCLevel();
        if (!c->zc && !(c->zc = ZSTD_createCCtx()))
            return -1;
        size_t bound = ZSTD_compressBound(n);
        if (ha_buf_reserve(out, bound) < 0)
            return -1;
        size_t r = ZSTD_compressCCtx(c->zc, out->p, bound, in, n, level);
        if (ZSTD_isError(r)) {
            *why = "zstd compression failed";
            return -1;
        }
        *outn = r;
        return 0;
    }
#endif
#ifdef HA_HAVE_LZ4
    case HA_FILTER_LZ4: {
        if (n > LZ4_MAX_INPUT_SIZE) {
            *why = "lz4: chunk too large (the filter takes at most 2 GB)";
            return -1;
        }
        size_t bs = f->ncd && f->cd[0] ? f->cd[0] : LZ4_DEFAULT_BLOCK;
        if (bs > n)
            bs = n;
        size_t nb = n ? (n - 1) / bs + 1 : 0;
        /* A block is stored compressed only when that is smaller. */
        if (ha_buf_reserve(out, 12 + 4 * nb + n) < 0)
            return -1;
        unsigned char *d = out->p;
        const unsigned char *s = in;
        store_be32(d, (uint32_t)((uint64_t)n >> 32));
        store_be32(d + 4, (uint32_t)n);
        store_be32(d + 8, (uint32_t)bs);
        size_t pos = 12;
        for (size_t off = 0; off < n; off += bs) {
            size_t len = n - off < bs ? n - off : bs;
            int k = len > 1 ? LZ4_compress_default((const char *)s + off, (char *)d + pos + 4,
                                                   (int)len, (int)len - 1)
                            : 0;
            if (k <= 0) {
                memcpy(d + pos + 4, s + off, len);
                k = (int)len;
            }
            store_be32(d + pos, (uint32_t)k);
            pos += 4 + (size_t)k;
        }
        *outn = pos;
        return 0;
    }
#endif
#ifdef HA_HAVE_BLOSC
    case HA_FILTER_BLOSC: {
        size_t ts = f->ncd > 2 && f->cd[2] ? f->cd[2] : 1;
        int level = f->ncd > 4 ? (int)f->cd[4] : 5;
        int shuffle = f->ncd > 5 ? (int)f->cd[5] : 1;
        const char *comp = "blosclz";
        if (f->ncd > 6 && blosc_compcode_to_compname((int)f->cd[6], &comp) < 0) {
            *why = "blosc: compressor not in this Blosc library";
            return -1;
        }
        if (n > BLOSC_MAX_BUFFERSIZE) {
            *why = "blosc: chunk too large";
            return -1;
        }
        if (ha_buf_reserve(out, n) < 0)
            return -1;
        /* Room for the input's size only: what does not shrink is not
         * stored through blosc (0), as the filter HDF5 runs does. */
        int r = blosc_compress_ctx(level, shuffle, ts, n, in, out->p, n, comp, 0, 1);
        if (r < 0) {
            *why = "blosc compression failed";
            return -1;
        }
        if (r == 0) {
            *why = "blosc cannot shrink the chunk";
            return 1;
        }
        *outn = (size_t)r;
        return 0;
    }
#endif
    case HA_FILTER_BITSHUFFLE: {
        size_t bound;
        if (ha_bshuf_bound(f, n, &bound, why) < 0)
            return -1;
        *why = "out of memory";
        if (ha_buf_reserve(out, bound) < 0)
            return -1;
        return ha_bshuf_encode(f, in, n, out->p, outn, why);
    }
    default:
        *why = "unsupported filter";
        return -1;
    }
}

int ha_filter_decoded_size(const ha_filter *f, const void *in, size_t n, size_t *size)
{
    (void)in, (void)n, (void)size;
    switch (f->id) {
#ifdef HA_HAVE_ZSTD
    case HA_FILTER_ZSTD: {
        unsigned long long z = ZSTD_getFrameContentSize(in, n);
        if (z == ZSTD_CONTENTSIZE_UNKNOWN || z == ZSTD_CONTENTSIZE_ERROR || z > SIZE_MAX)
            return -1;
        *size = (size_t)z;
        return 0;
    }
#endif
#ifdef HA_HAVE_LZ4
    case HA_FILTER_LZ4: {
        if (n < 12)
            return -1;
        const unsigned char *p = in;
        uint64_t z = (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
        if (z > SIZE_MAX)
            return -1;
        *size = (size_t)z;
        return 0;
    }
#endif
#ifdef HA_HAVE_BLOSC
    case HA_FILTER_BLOSC:
        return n >= BLOSC_MIN_HEADER_LENGTH && blosc_cbuffer_validate(in, n, size) == 0 ? 0 : -1;
#endif
    case HA_FILTER_BITSHUFFLE:
        return ha_bshuf_decoded_size(f, in, n, size);
    default:
        return -1;
    }
}

/* Exactly `dstn` bytes into `dst`, or -1 with *why. */
static int plugin_decode(const ha_filter *f, ha_codec_ctx *c, const void *in, size_t n,
                         void *dst, size_t dstn, const char **why)
{
    (void)c, (void)in, (void)n, (void)dst, (void)dstn;
    *why = "out of memory";
    switch (f->id) {
#ifdef HA_HAVE_ZSTD
    case HA_FILTER_ZSTD: {
        if (!c->zd && !(c->zd = ZSTD_createDCtx()))
            return -1;
        size_t r = ZSTD_decompressDCtx(c->zd, dst, dstn, in, n);
        if (ZSTD_isError(r) || r != dstn) {
            *why = "zstd decompression failed: corrupt stream";
            return -1;
        }
        return 0;
    }
#endif
#ifdef HA_HAVE_LZ4
    case HA_FILTER_LZ4: {
        const unsigned char *p = in;
        unsigned char *d = dst;
        size_t orig;
        *why = "lz4 decompression failed: corrupt stream";
        if (ha_filter_decoded_size(f, in, n, &orig) < 0 || orig != dstn)
            return -1;
        size_t bs = load_be32(p + 8), pos = 12;
        if (bs > orig)
            bs = orig;
        if (!bs && orig)
            return -1;
        for (size_t done = 0; done < orig;) {
            size_t len = orig - done < bs ? orig - done : bs;
            if (n - pos < 4)
                return -1;
            size_t k = load_be32(p + pos);
            pos += 4;
            if (k > n - pos)
                return -1;
            if (k == len)
                memcpy(d + done, p + pos, len);
            else if (len > LZ4_MAX_INPUT_SIZE || k > LZ4_MAX_INPUT_SIZE ||
                     LZ4_decompress_safe((const char *)p + pos, (char *)d + done, (int)k,
                                         (int)len) != (int)len)
                return -1;
            pos += k;
            done += len;
        }
        return pos == n ? 0 : -1;
    }
#endif
#ifdef HA_HAVE_BLOSC
    case HA_FILTER_BLOSC: {
        size_t z;
        *why = "blosc decompression failed: corrupt stream";
        if (ha_filter_decoded_size(f, in, n, &z) < 0 || z != dstn ||
            dstn > BLOSC_MAX_BUFFERSIZE)
            return -1;
        return blosc_decompress_ctx(in, dst, dstn, 1) == (int)dstn ? 0 : -1;
    }
#endif
    case HA_FILTER_BITSHUFFLE:
        return ha_bshuf_decode(f, in, n, dst, dstn, why);
    default:
        *why = "unsupported filter";
        return -1;
    }
}

int ha_filter_encode1(const ha_filter *f, ha_codec_ctx *c, const void *in, size_t n,
                      ha_buf *out, size_t *outn, const char **why)
{
    const char *w = NULL;
    int rc = is_plugin(f->id) ? plugin_encode(f, c, in, n, out, outn, &w) : -1;
    if (rc)
        *why = w ? w : "unsupported filter";
    return rc;
}

int ha_filter_decode1(const ha_filter *f, ha_codec_ctx *c, const void *in, size_t n, void *dst,
                      size_t dstn, const char **why)
{
    const char *w = NULL;
    int rc = is_plugin(f->id) ? plugin_decode(f, c, in, n, dst, dstn, &w) : -1;
    if (rc)
        *why = w ? w : "unsupported filter";
    return rc;
}

/* ---- the pipeline ---- */

/* A context buffer other than the one `cur` lives in. */
static ha_buf *other(ha_codec_ctx *c, const void *cur) { return cur == c->a.p ? &c->b : &c->a; }

static int encode(const ha_pipeline *p, ha_codec_ctx *c, const void *in, size_t n, ha_buf *out,
                  size_t *outn, unsigned *mask, const char **why)
{
    const unsigned char *cur = in;
    size_t curn = n;
    ha_buf *held = NULL; /* the context buffer `cur` points into, if any */
    *mask = 0;
    *why = "out of memory";
    for (int k = 0; k < p->n; k++) {
        const ha_filter *f = &p->f[k];
        ha_buf *dst = other(c, cur);
        size_t dn = 0;
        if (f->id == HA_FILTER_SHUFFLE) {
            size_t es = f->ncd ? f->cd[0] : 1;
            if (!shuffle_applies(curn, es))
                continue;
            if (ha_buf_reserve(dst, curn) < 0)
                return -1;
            ha_shuffle(cur, dst->p, curn, es);
            dn = curn;
        } else if (f->id == HA_FILTER_DEFLATE) {
            int level = f->ncd ? (int)f->cd[0] : 6;
            if (deflate_encode(c, level > 9 ? 9 : level, cur, curn, dst, &dn) < 0) {
                *why = "deflate failed";
                return -1;
            }
        } else if (f->id == HA_FILTER_FLETCHER32) {
            uint32_t sum = ha_fletcher32(cur, curn);
            if (held && held->cap >= curn + 4) {
                store_le32(held->p + curn, sum); /* append in place */
                curn += 4;
                continue;
            }
            if (ha_buf_reserve(dst, curn + 4) < 0)
                return -1;
            memcpy(dst->p, cur, curn);
            store_le32((unsigned char *)dst->p + curn, sum);
            dn = curn + 4;
#ifdef HA_HAVE_LZF
        } else if (f->id == HA_FILTER_LZF) {
            /* Like h5py's filter: an optional lzf that cannot shrink the
             * chunk is skipped (flagged in the mask), not stored larger. */
            size_t cap = f->optional ? curn : curn + curn / 16 + 64;
            if (ha_buf_reserve(dst, cap + 1) < 0)
                return -1;
            dn = lzf_compress(cur, (unsigned)curn, dst->p, (unsigned)cap);
            if (dn == 0 && f->optional) {
                *mask |= 1u << k;
                continue;
            }
            if (dn == 0) {
                *why = "lzf failed";
                return -1;
            }
#endif
        } else if (is_plugin(f->id)) {
            int r = plugin_encode(f, c, cur, curn, dst, &dn, why);
            if (r == 1 && f->optional) {
                *mask |= 1u << k;
                continue;
            }
            if (r != 0)
                return -1;
        } else {
            *why = "unsupported filter";
            return -1;
        }
        held = dst;
        cur = dst->p;
        curn = dn;
    }
    if (held) {
        /* Hand the result over by swapping buffers rather than copying. */
        ha_buf tmp = *out;
        *out = *held;
        *held = tmp;
    } else {
        if (ha_buf_reserve(out, curn) < 0)
            return -1;
        memcpy(out->p, cur, curn);
    }
    *outn = curn;
    return 0;
}

static int decode(const ha_pipeline *p, ha_codec_ctx *c, const void *in, size_t n,
                  unsigned mask, void *dst, size_t dstn, const char **why)
{
    /* size[k]: the bytes filter k received when the chunk was written.
     * Every filter but fletcher32 gives back what it was given, so these
     * are known exactly, and a stream that decodes to any other size is
     * corrupt. */
    size_t size[HA_PIPE_MAX_FILTERS];
    int copies_below[HA_PIPE_MAX_FILTERS]; /* applied filters below k that copy */
    size_t s = dstn;
    int copies = 0;
    for (int k = 0; k < p->n; k++) {
        int on = !(mask & (1u << k));
        size[k] = s;
        copies_below[k] = copies;
        if (on && p->f[k].id == HA_FILTER_FLETCHER32)
            s += 4;
        else if (on)
            copies++;
    }
    const unsigned char *cur = in;
    size_t curn = n;
    *why = "out of memory";
    for (int k = p->n - 1; k >= 0; k--) {
        const ha_filter *f = &p->f[k];
        if (mask & (1u << k))
            continue;
        size_t want = size[k];
        if (f->id == HA_FILTER_FLETCHER32) {
            if (curn < 4 || !fletcher_ok(cur, curn - 4)) {
                *why = "data error detected by Fletcher32 checksum";
                return -1;
            }
            curn -= 4;
            continue;
        }
        /* The last copying step writes straight into the destination. */
        unsigned char *to;
        if (want == dstn && copies_below[k] == 0) {
            to = dst;
        } else {
            ha_buf *b = other(c, cur);
            if (ha_buf_reserve(b, want) < 0)
                return -1;
            to = b->p;
        }
        if (f->id == HA_FILTER_SHUFFLE) {
            size_t es = f->ncd ? f->cd[0] : 1;
            if (curn != want) {
                *why = "shuffled chunk has the wrong size";
                return -1;
            }
            if (shuffle_applies(curn, es))
                ha_unshuffle(cur, to, curn, es);
            else
                memcpy(to, cur, curn);
        } else if (f->id == HA_FILTER_DEFLATE) {
            if (deflate_decode(c, cur, curn, to, want) < 0) {
                *why = "inflate failed: corrupt deflate stream";
                return -1;
            }
#ifdef HA_HAVE_LZF
        } else if (f->id == HA_FILTER_LZF) {
            if (lzf_decompress(cur, (unsigned)curn, to, (unsigned)want) != want) {
                *why = "lzf decompression failed: corrupt stream";
                return -1;
            }
#endif
        } else if (is_plugin(f->id)) {
            if (plugin_decode(f, c, cur, curn, to, want, why) < 0)
                return -1;
        } else {
            *why = "unsupported filter";
            return -1;
        }
        cur = to;
        curn = want;
    }
    if (curn != dstn) {
        *why = "decoded chunk has the wrong size";
        return -1;
    }
    if (cur != dst)
        memmove(dst, cur, dstn);
    return 0;
}

/* *why is written only on failure, so callers may preset it. */
int ha_pipe_encode(const ha_pipeline *p, ha_codec_ctx *c, const void *in, size_t n,
                   ha_buf *out, size_t *outn, unsigned *mask, const char **why)
{
    const char *w = NULL;
    int rc = encode(p, c, in, n, out, outn, mask, &w);
    if (rc < 0)
        *why = w;
    return rc;
}

int ha_pipe_decode(const ha_pipeline *p, ha_codec_ctx *c, const void *in, size_t n,
                   unsigned mask, void *dst, size_t dstn, const char **why)
{
    const char *w = NULL;
    int rc = decode(p, c, in, n, mask, dst, dstn, &w);
    if (rc < 0)
        *why = w;
    return rc;
}
