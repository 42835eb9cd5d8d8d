/*
 * Bitshuffle through the library's own code (bshuf.h).  This file only
 * finds the library, checks parameters and stored streams, and frames
 * the chunk as the bitshuffle HDF5 filter does; the shuffling and the
 * compression are the library's.
 *
 * Loading: the first caller of ha_bshuf_available tries the candidates
 * under `lock` and publishes the function table with a release store of
 * `state`; later callers read `state` with an acquire load and never
 * take the lock.  A loaded library is never closed, since any codec
 * worker may be inside it.
 */
#define _GNU_SOURCE /* RTLD_DEEPBIND */
#include "bshuf.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define COMPRESS_LZ4 2  /* BSHUF_H5_COMPRESS_LZ4 */
#define COMPRESS_ZSTD 3 /* BSHUF_H5_COMPRESS_ZSTD */
#define HEADER 12       /* decoded bytes (8), block bytes (4), both big-endian */
#define BLOCK_MULT 8    /* blocks are whole multiples of 8 elements */
#define LZ4_MAX_IN 0x7E000000u /* LZ4's largest input: larger blocks cannot be stored */

/*
 * hdf5plugin's library carries its own lz4 and zstd, exported and called
 * through the PLT.  Binding its references to itself first keeps a
 * different libzstd that some other module loaded globally from being
 * called with this copy's structures.  Sanitizer runtimes refuse
 * RTLD_DEEPBIND, so those builds go without it.
 */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(RTLD_DEEPBIND) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__) && !__has_feature(address_sanitizer) && \
    !__has_feature(thread_sanitizer)
#define BIND_SELF RTLD_DEEPBIND
#else
#define BIND_SELF 0
#endif

typedef int64_t (*blocked_fn)(const void *in, void *out, size_t size, size_t esize, size_t block);
typedef int64_t (*zstd_fn)(const void *in, void *out, size_t size, size_t esize, size_t block,
                           int level);
typedef size_t (*bound_fn)(size_t size, size_t esize, size_t block);

static struct {
    blocked_fn shuffle, unshuffle, lz4, unlz4, unzstd;
    zstd_fn zstd;
    bound_fn lz4_bound, zstd_bound;
    size_t (*default_block)(size_t esize);
} lib;

static int state; /* 0 not tried, 1 loaded, -1 no candidate loads */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **cands; /* under lock */
static size_t ncands;

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int ha_bshuf_set_candidates(const char *const *paths, size_t n)
{
    char **copy = calloc(n ? n : 1, sizeof *copy);
    if (!copy)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!(copy[i] = strdup(paths[i]))) {
            free_list(copy, i);
            return -1;
        }
    }
    pthread_mutex_lock(&lock);
    char **old = cands;
    size_t nold = ncands;
    cands = copy;
    ncands = n;
    if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) < 0)
        __atomic_store_n(&state, 0, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&lock);
    free_list(old, nold);
    return 0;
}

/* Fill `lib` from `path`; 0, or -1 (and `lib` cleared) if it lacks the API. */
static int load_one(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | BIND_SELF);
    if (!h)
        return -1;
    lib.shuffle = (blocked_fn)dlsym(h, "bshuf_bitshuffle");
    lib.unshuffle = (blocked_fn)dlsym(h, "bshuf_bitunshuffle");
    lib.lz4 = (blocked_fn)dlsym(h, "bshuf_compress_lz4");
    lib.unlz4 = (blocked_fn)dlsym(h, "bshuf_decompress_lz4");
    lib.lz4_bound = (bound_fn)dlsym(h, "bshuf_compress_lz4_bound");
    lib.default_block = (size_t(*)(size_t))dlsym(h, "bshuf_default_block_size");
    /* zstd is a build option of the library: without it, only zstd
     * chunks fail. */
    lib.zstd = (zstd_fn)dlsym(h, "bshuf_compress_zstd");
    lib.unzstd = (blocked_fn)dlsym(h, "bshuf_decompress_zstd");
    lib.zstd_bound = (bound_fn)dlsym(h, "bshuf_compress_zstd_bound");
    if (!(lib.zstd && lib.unzstd && lib.zstd_bound))
        lib.zstd = NULL, lib.unzstd = NULL, lib.zstd_bound = NULL;
    if (lib.shuffle && lib.unshuffle && lib.lz4 && lib.unlz4 && lib.lz4_bound && lib.default_block)
        return 0;
    memset(&lib, 0, sizeof lib);
    dlclose(h);
    return -1;
}

int ha_bshuf_available(void)
{
    int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
    if (s)
        return s > 0;
    pthread_mutex_lock(&lock);
    s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
    if (!s) {
        s = -1;
        for (size_t i = 0; i < ncands && s < 0; i++)
            if (load_one(cands[i]) == 0)
                s = 1;
        __atomic_store_n(&state, s, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&lock);
    return s > 0;
}

int ha_bshuf_loaded(void) { return __atomic_load_n(&state, __ATOMIC_ACQUIRE) > 0; }

/* ---- framing ---- */

static uint64_t load_be(const unsigned char *p, int nbytes)
{
    uint64_t v = 0;
    for (int i = 0; i < nbytes; i++)
        v = v << 8 | p[i];
    return v;
}

static void store_be(unsigned char *p, uint64_t v, int nbytes)
{
    for (int i = nbytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

typedef struct {
    size_t esize, size; /* element bytes, elements in the chunk */
    size_t block;       /* elements per block, as given (0: the default) */
    unsigned comp;      /* 0, COMPRESS_LZ4 or COMPRESS_ZSTD */
    int level;
} params;

/* The filter's parameters for a chunk of `n` decoded bytes.  As the
 * bitshuffle filter, a compression code other than lz4's or zstd's means
 * none, and a missing zstd level is 0 (zstd's default). */
static int params_of(const ha_filter *f, size_t n, params *p, const char **why)
{
    if (f->ncd < 3 || f->cd[2] == 0) {
        *why = "bitshuffle: cd_values lack the element size";
        return -1;
    }
    p->esize = f->cd[2];
    if (n % p->esize) {
        *why = "bitshuffle: the chunk is not a whole number of elements";
        return -1;
    }
    p->size = n / p->esize;
    p->block = f->ncd > 3 ? f->cd[3] : 0;
    p->comp = f->ncd > 4 ? f->cd[4] : 0;
    if (p->comp != COMPRESS_LZ4 && p->comp != COMPRESS_ZSTD)
        p->comp = 0;
    /* cd_values hold unsigned ints: a negative level comes back. */
    p->level = f->ncd > 5 ? (int)f->cd[5] : 0;
    if (p->comp == COMPRESS_ZSTD && !lib.zstd) {
        *why = "bitshuffle: this bitshuffle library was built without zstd";
        return -1;
    }
    return 0;
}

/* `block` (0: the default) resolved and checked against the limits of
 * the stored format: a multiple of 8 elements, its bytes within the
 * header's 32 bits, an lz4 block within LZ4's input limit. */
static int resolve_block(const params *p, size_t *block, const char **why)
{
    size_t b = *block ? *block : lib.default_block(p->esize);
    size_t used = b < p->size ? b : p->size; /* the largest block written */
    if (b % BLOCK_MULT) {
        *why = "bitshuffle: the block size is not a multiple of 8 elements";
        return -1;
    }
    if (b > UINT32_MAX / p->esize || (p->comp == COMPRESS_LZ4 && used * p->esize > LZ4_MAX_IN)) {
        *why = "bitshuffle: the block is too large for the stored format";
        return -1;
    }
    *block = b;
    return 0;
}

int ha_bshuf_bound(const ha_filter *f, size_t n, size_t *bound, const char **why)
{
    params p;
    if (params_of(f, n, &p, why) < 0 || resolve_block(&p, &p.block, why) < 0)
        return -1;
    if (!p.comp)
        *bound = n;
    else
        *bound = HEADER + (p.comp == COMPRESS_LZ4 ? lib.lz4_bound : lib.zstd_bound)(
                              p.size, p.esize, p.block);
    return 0;
}

int ha_bshuf_encode(const ha_filter *f, const void *in, size_t n, void *out, size_t *outn,
                    const char **why)
{
    params p;
    if (params_of(f, n, &p, why) < 0 || resolve_block(&p, &p.block, why) < 0)
        return -1;
    int64_t r;
    unsigned char *o = out;
    if (!p.comp) {
        r = lib.shuffle(in, o, p.size, p.esize, p.block);
        *outn = n;
    } else {
        store_be(o, n, 8);
        store_be(o + 8, p.block * p.esize, 4);
        r = p.comp == COMPRESS_LZ4 ? lib.lz4(in, o + HEADER, p.size, p.esize, p.block)
                                   : lib.zstd(in, o + HEADER, p.size, p.esize, p.block, p.level);
        *outn = HEADER + (size_t)r;
    }
    if (r < 0) {
        *why = "bitshuffle failed (out of memory?)";
        return -1;
    }
    return 0;
}

int ha_bshuf_decoded_size(const ha_filter *f, const void *in, size_t n, size_t *size)
{
    unsigned comp = f->ncd > 4 ? f->cd[4] : 0;
    if (comp != COMPRESS_LZ4 && comp != COMPRESS_ZSTD) {
        *size = n; /* bitshuffle alone keeps the size */
        return 0;
    }
    if (n < HEADER || load_be(in, 8) > SIZE_MAX)
        return -1;
    *size = (size_t)load_be(in, 8);
    return 0;
}

/*
 * Whether the blocked stream of a chunk fits in its `n` bytes.  The
 * library takes each block's stored length on trust and has no input
 * size, so a damaged length would make it read past the chunk: walk the
 * lengths first.  Full blocks, then one of the remaining whole multiples
 * of 8 elements if any, each a 4-byte length and the block; then the
 * last elements short of a multiple of 8, stored as they are.
 */
static int stream_fits(const unsigned char *s, size_t n, const params *p, size_t block)
{
    size_t blocks = p->size / block + (p->size % block >= BLOCK_MULT), pos = 0;
    for (size_t i = 0; i < blocks; i++) {
        if (n - pos < 4)
            return 0;
        uint64_t k = load_be(s + pos, 4);
        if (k > INT32_MAX || k > n - pos - 4)
            return 0;
        pos += 4 + (size_t)k;
    }
    return n - pos >= p->size % BLOCK_MULT * p->esize;
}

int ha_bshuf_decode(const ha_filter *f, const void *in, size_t n, void *dst, size_t dstn,
                    const char **why)
{
    params p;
    if (params_of(f, dstn, &p, why) < 0)
        return -1;
    const unsigned char *s = in;
    int64_t r;
    if (!p.comp) {
        if (resolve_block(&p, &p.block, why) < 0)
            return -1;
        *why = "bitshuffle: the stored chunk has the wrong size";
        if (n != dstn)
            return -1;
        r = lib.unshuffle(s, dst, p.size, p.esize, p.block);
    } else {
        /* The block size is the header's, whatever cd_values say. */
        *why = "bitshuffle decompression failed: corrupt stream";
        if (n < HEADER || load_be(s, 8) != dstn)
            return -1;
        size_t block = (size_t)load_be(s + 8, 4) / p.esize;
        if (resolve_block(&p, &block, why) < 0)
            return -1;
        *why = "bitshuffle decompression failed: corrupt stream";
        if (!stream_fits(s + HEADER, n - HEADER, &p, block))
            return -1;
        r = p.comp == COMPRESS_LZ4 ? lib.unlz4(s + HEADER, dst, p.size, p.esize, block)
                                   : lib.unzstd(s + HEADER, dst, p.size, p.esize, block);
    }
    if (r < 0) {
        *why = "bitshuffle decompression failed: corrupt stream";
        return -1;
    }
    return 0;
}
