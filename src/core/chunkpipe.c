/*
 * The chunk pipeline (chunkpipe.h).
 *
 * What a dataset allows is worked out once, on the executing thread, and
 * cached on its handle as plain data (`info`): the chunk shape, the filters
 * with their parameters, the element size and the fill value.  Workers get
 * only that and plain memory; they never see an HDF5 id.
 *
 * Each operation walks the chunks its selection covers in row-major order
 * through a ring of `slots`, a few per worker, so the memory in flight
 * stays bounded whatever the size of the operation.  A write hands
 * finished chunks to HDF5 in order as they complete; a read issues raw
 * reads ahead of the workers and reuses a slot once its chunk is decoded.
 */
#include "chunkpipe.h"

#include <stdlib.h>
#include <string.h>

#include "codecpool.h"
#include "engine.h"
#include "h5desc.h"
#include "h5lzf.h"
#include "h5plugins.h"
#include "ops.h"

#define HAVE_DIRECT_CHUNK H5_VERSION_GE(1, 10, 3)

_Static_assert(sizeof(hid_t) == sizeof(int64_t), "hid_t is passed as int64_t");

typedef struct {
    int usable;
    int rank;
    uint64_t chunk[HA_MAX_RANK];
    size_t esize, chunk_bytes;
    int zero_fill;          /* the fill value is all zero bytes */
    ha_pipeline pipe;
    unsigned char fill[];   /* esize bytes */
} info;

/* The block of the dataset an operation covers, and its chunk grid. */
typedef struct {
    int rank;
    uint64_t start[HA_MAX_RANK], count[HA_MAX_RANK];
    uint64_t grid[HA_MAX_RANK];     /* chunks along each axis */
    uint64_t nchunks;
} geom;

static struct {
    uint64_t writes, reads, declined, chunks_written, chunks_read, chunks_unallocated;
} stats;

static void count(uint64_t *c, uint64_t n) { __atomic_add_fetch(c, n, __ATOMIC_RELAXED); }

void ha_chunkpipe_stats_get(ha_chunkpipe_stats *s)
{
    s->writes = __atomic_load_n(&stats.writes, __ATOMIC_RELAXED);
    s->reads = __atomic_load_n(&stats.reads, __ATOMIC_RELAXED);
    s->declined = __atomic_load_n(&stats.declined, __ATOMIC_RELAXED);
    s->chunks_written = __atomic_load_n(&stats.chunks_written, __ATOMIC_RELAXED);
    s->chunks_read = __atomic_load_n(&stats.chunks_read, __ATOMIC_RELAXED);
    s->chunks_unallocated = __atomic_load_n(&stats.chunks_unallocated, __ATOMIC_RELAXED);
}

/* ---- what a dataset allows (executing thread) ---- */

/* Read the filters; 0 if the pool can run all of them, else -1. */
static int read_filters(hid_t dcpl, ha_pipeline *p)
{
    int n = H5Pget_nfilters(dcpl);
    if (n < 1 || n > HA_PIPE_MAX_FILTERS)
        return -1; /* unfiltered data gains nothing from the pool */
    p->n = n;
    for (int i = 0; i < n; i++) {
        ha_filter *f = &p->f[i];
        unsigned flags = 0;
        size_t ncd = HA_FILTER_MAX_CD;
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, f->cd, 0, NULL, NULL);
        if (id < 0 || !ha_filter_known((int)id) || ncd > HA_FILTER_MAX_CD)
            return -1;
        f->id = (int)id;
        f->optional = (flags & H5Z_FLAG_OPTIONAL) != 0;
        f->ncd = ncd;
    }
    return 0;
}

/* Whether the file is written through MPI-IO, where direct chunk I/O
 * would bypass the collective machinery. */
static int via_mpio(hid_t did)
{
#ifdef H5_HAVE_PARALLEL
    hid_t fid = H5Iget_file_id(did), fapl = fid >= 0 ? H5Fget_access_plist(fid) : -1;
    int mpio = fapl < 0 || H5Pget_driver(fapl) == H5FD_MPIO;
    ha_close_plist(fapl);
    if (fid >= 0)
        H5Fclose(fid);
    return mpio;
#else
    (void)did;
    return 0;
#endif
}

/* Fill in everything but `usable`; 0 if the dataset qualifies. */
static int describe(hid_t did, hid_t dcpl, hid_t ftype, info **out)
{
    size_t esize = H5Tget_size(ftype);
    info *in = calloc(1, sizeof *in + (esize ? esize : 1));
    if (!in)
        return -1;
    *out = in;
    in->esize = esize;
    /* Variable-length data lives in the global heap: the chunk holds only
     * references to it, which HDF5 alone can produce. */
    if (esize == 0 || H5Tdetect_class(ftype, H5T_VLEN) != 0 ||
        H5Tdetect_class(ftype, H5T_REFERENCE) != 0 || H5Tis_variable_str(ftype) != 0)
        return -1;
    if (H5Pget_layout(dcpl) != H5D_CHUNKED)
        return -1;
    hsize_t chunk[HA_MAX_RANK];
    int rank = H5Pget_chunk(dcpl, HA_MAX_RANK, chunk);
    if (rank < 1 || read_filters(dcpl, &in->pipe) < 0)
        return -1;
    in->rank = rank;
    uint64_t bytes = esize;
    for (int i = 0; i < rank; i++) {
        in->chunk[i] = chunk[i];
        if (ha_mul_u64(bytes, chunk[i], &bytes) < 0)
            return -1;
    }
    if (bytes > UINT32_MAX)
        return -1;
    in->chunk_bytes = (size_t)bytes;
    /* Edge chunks HDF5 stores unfiltered, and fill values that are never
     * written or undefined, are HDF5's business. */
    unsigned opts = 0;
    H5D_fill_time_t when;
    H5D_fill_value_t fill;
    if (H5Pget_chunk_opts(dcpl, &opts) < 0 || (opts & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS) ||
        H5Pget_fill_time(dcpl, &when) < 0 || when == H5D_FILL_TIME_NEVER ||
        H5Pfill_value_defined(dcpl, &fill) < 0 || fill == H5D_FILL_VALUE_UNDEFINED)
        return -1;
    if (fill == H5D_FILL_VALUE_USER_DEFINED && H5Pget_fill_value(dcpl, ftype, in->fill) < 0)
        return -1;
    in->zero_fill = 1;
    for (size_t i = 0; i < esize; i++)
        in->zero_fill &= in->fill[i] == 0;
    return via_mpio(did) ? -1 : 0;
}

/* The dataset's cached description, built on first use; NULL only when
 * out of memory. */
static info *get_info(ha_handle *h, hid_t did)
{
    if (h->pipe)
        return h->pipe;
    info *in = NULL;
    hid_t dcpl = H5Dget_create_plist(did), ftype = H5Dget_type(did);
    int ok = dcpl >= 0 && ftype >= 0 && describe(did, dcpl, ftype, &in) == 0;
    ha_close_plist(dcpl);
    ha_close_type(ftype);
    H5Eclear2(H5E_DEFAULT); /* a query that failed only means "no" */
    if (in)
        in->usable = ok;
    h->pipe = in;
    return in;
}

/* ---- which operations qualify ---- */

/* The block `t` covers, if it is made of whole chunks of `in` (those at
 * the end of an axis may stop at the dataset's edge): 0, else -1. */
static int block_of(const ha_task *t, const info *in, const hsize_t *dims, geom *g)
{
    const ha_sel *s = &t->fsel;
    g->rank = in->rank;
    g->nchunks = 1;
    if (s->kind != HA_SEL_ALL && (s->kind != HA_SEL_SLAB || s->list || s->rank != in->rank))
        return -1;
    for (int d = 0; d < in->rank; d++) {
        uint64_t c = in->chunk[d];
        if (s->kind == HA_SEL_ALL) {
            g->start[d] = 0;
            g->count[d] = dims[d];
        } else {
            if (s->count[d] > 1 && s->stride[d] > 1)
                return -1;
            g->start[d] = s->start[d];
            g->count[d] = s->count[d];
        }
        uint64_t end = g->start[d] + g->count[d];
        if (g->count[d] == 0 || end > dims[d] || g->start[d] % c ||
            (end % c && end != dims[d]))
            return -1;
        g->grid[d] = (g->count[d] + c - 1) / c;
        g->nchunks *= g->grid[d];
    }
    /* The memory side must be the block itself, packed. */
    uint64_t n = 0, want = 0;
    size_t bytes;
    if (t->msel.kind != HA_SEL_ALL || ha_count_of(t->msel.rank, t->msel.dims, &n) < 0 ||
        ha_count_of(g->rank, g->count, &want) < 0 || n != want ||
        ha_bytes_of(n, in->esize, &bytes) < 0 || !t->buf || t->nbytes < bytes)
        return -1;
    return 0;
}

/* Whether the operation may go through the pipeline; fills `g`. */
static info *qualify(ha_task *t, ha_handle *h, hid_t did, geom *g)
{
    ha_h5lzf_register(); /* for HDF5's path too, whether or not we take it */
    ha_h5plugins_register();
    if (!HAVE_DIRECT_CHUNK || ha_codec_threads() <= 1 || t->collective ||
        ha_type_has_objects(t->type) || ha_type_has_vlen(t->type))
        return NULL;
    info *in = get_info(h, did);
    if (!in || !in->usable)
        return NULL;
    hsize_t dims[HA_MAX_RANK];
    hid_t space = H5Dget_space(did), mtype = ha_type_to_h5(t->type), ftype = H5Dget_type(did);
    int ok = space >= 0 && H5Sget_simple_extent_ndims(space) == in->rank &&
             H5Sget_simple_extent_dims(space, dims, NULL) == in->rank &&
             block_of(t, in, dims, g) == 0 && mtype >= 0 && ftype >= 0 &&
             H5Tequal(mtype, ftype) > 0;
    ha_close_space(space);
    ha_close_type(mtype);
    ha_close_type(ftype);
    H5Eclear2(H5E_DEFAULT);
    if (!ok)
        count(&stats.declined, 1);
    return ok ? in : NULL;
}

/* ---- geometry ---- */

/* Chunk `i` (row-major over the grid): its offset in the dataset, and the
 * part of it inside the block (offset `lo` in the block, extent `len`). */
static void chunk_at(const geom *g, const info *in, uint64_t i, uint64_t *off, uint64_t *lo,
                     uint64_t *len)
{
    for (int d = g->rank - 1; d >= 0; d--) {
        uint64_t k = i % g->grid[d];
        i /= g->grid[d];
        lo[d] = k * in->chunk[d];
        off[d] = g->start[d] + lo[d];
        uint64_t left = g->count[d] - lo[d];
        len[d] = left < in->chunk[d] ? left : in->chunk[d];
    }
}

/* Whether the part `len` of a chunk is the whole chunk, and lies packed in
 * the block (then the chunk's bytes are the block's from `lo` on). */
static int whole_and_packed(const geom *g, const info *in, const uint64_t *len)
{
    int d = 0;
    for (int i = 0; i < g->rank; i++)
        if (len[i] != in->chunk[i])
            return 0;
    while (d < g->rank && len[d] == 1)
        d++;
    for (int i = d + 1; i < g->rank; i++)
        if (len[i] != g->count[i])
            return 0;
    return 1;
}

static size_t offset_in(int rank, const uint64_t *dims, const uint64_t *at, size_t esize)
{
    size_t off = 0;
    for (int d = 0; d < rank; d++)
        off = off * dims[d] + at[d];
    return off * esize;
}

/* Copy a box of extent `len` from `src` (extent sdims, at soff) to `dst`
 * (extent ddims, at doff), row by row; trailing axes both sides hold whole
 * are merged into one run. */
static void copy_box(int rank, const uint64_t *len, size_t esize, const unsigned char *src,
                     const uint64_t *sdims, const uint64_t *soff, unsigned char *dst,
                     const uint64_t *ddims, const uint64_t *doff)
{
    size_t sstep[HA_MAX_RANK], dstep[HA_MAX_RANK];
    uint64_t idx[HA_MAX_RANK] = {0};
    sstep[rank - 1] = dstep[rank - 1] = esize;
    for (int d = rank - 2; d >= 0; d--) {
        sstep[d] = sstep[d + 1] * sdims[d + 1];
        dstep[d] = dstep[d + 1] * ddims[d + 1];
    }
    const unsigned char *s = src + offset_in(rank, sdims, soff, esize);
    unsigned char *t = dst + offset_in(rank, ddims, doff, esize);
    int r = rank;
    size_t run = len[r - 1] * esize;
    while (r > 1 && len[r - 1] == sdims[r - 1] && len[r - 1] == ddims[r - 1]) {
        run *= len[r - 2];
        r--;
    }
    for (;;) {
        memcpy(t, s, run);
        int d = r - 2;
        for (; d >= 0; d--) {
            if (++idx[d] < len[d]) {
                s += sstep[d];
                t += dstep[d];
                break;
            }
            s -= (len[d] - 1) * sstep[d];
            t -= (len[d] - 1) * dstep[d];
            idx[d] = 0;
        }
        if (d < 0)
            break;
    }
}

/* ---- the slots and their jobs ---- */

typedef struct steps steps;

typedef struct {
    const info *in;
    const geom *g;
    unsigned char *buf;     /* the block, packed */
    const char *path;       /* the dataset's, for trace records */
    const steps *st;
} op;

typedef struct {
    ha_job job;             /* first: the job is the slot */
    const op *o;
    uint64_t i;             /* chunk number */
    int has_job;            /* executing thread only: the chunk went to a worker */
    ha_buf data;            /* write: the encoded chunk; read: the raw one */
    size_t n;
    unsigned mask;
    const char *why;        /* set when the job failed */
} slot;

/* What a write and a read do differently; run() does the rest. */
struct steps {
    ha_opkind trace;                            /* the workers' trace records */
    void (*codec)(slot *s, ha_codec_ctx *c);    /* a worker's part of a chunk */
    /* The executing thread's part before the codec: 1 to run it, 0 when
     * the chunk is done without it, -1 on failure (HDF5's error stack
     * set).  NULL: always run it. */
    int (*before)(hid_t did, slot *s);
    /* Its part once the codec succeeded: 0, or -1 as above.  NULL: none. */
    int (*after)(hid_t did, slot *s);
    /* Counted when the operation succeeds: it, the chunks that had a job,
     * and (if not NULL) those done without one. */
    uint64_t *ops, *chunks, *nojob;
};

/* The job, traced on the worker's own track when tracing is on. */
static void codec_job(ha_job *j, ha_codec_ctx *c)
{
    slot *s = (slot *)j;
    double t0 = ha_trace_on() ? ha_now() : 0;
    s->o->st->codec(s, c);
    if (t0)
        ha_trace_codec(s->o->st->trace, t0, ha_now(), s->o->in->chunk_bytes, s->o->path);
}

static void encode_chunk(slot *s, ha_codec_ctx *c)
{
    const info *in = s->o->in;
    const geom *g = s->o->g;
    uint64_t off[HA_MAX_RANK], lo[HA_MAX_RANK], len[HA_MAX_RANK], zero[HA_MAX_RANK] = {0};
    chunk_at(g, in, s->i, off, lo, len);
    const unsigned char *src;
    if (whole_and_packed(g, in, len)) {
        src = s->o->buf + offset_in(g->rank, g->count, lo, in->esize);
    } else {
        /* Gather it; an edge chunk's part beyond the dataset holds the
         * fill value, as HDF5 would write it. */
        ha_buf *b = ha_codec_ctx_scratch(c);
        if (ha_buf_reserve(b, in->chunk_bytes) < 0) {
            s->why = "out of memory";
            return;
        }
        if (in->zero_fill)
            memset(b->p, 0, in->chunk_bytes);
        else
            for (size_t k = 0; k < in->chunk_bytes; k += in->esize)
                memcpy((unsigned char *)b->p + k, in->fill, in->esize);
        copy_box(g->rank, len, in->esize, s->o->buf, g->count, lo, b->p, in->chunk, zero);
        src = b->p;
    }
    ha_pipe_encode(&in->pipe, c, src, in->chunk_bytes, &s->data, &s->n, &s->mask, &s->why);
}

static void decode_chunk(slot *s, ha_codec_ctx *c)
{
    const info *in = s->o->in;
    const geom *g = s->o->g;
    uint64_t off[HA_MAX_RANK], lo[HA_MAX_RANK], len[HA_MAX_RANK], zero[HA_MAX_RANK] = {0};
    chunk_at(g, in, s->i, off, lo, len);
    if (whole_and_packed(g, in, len)) {
        unsigned char *dst = s->o->buf + offset_in(g->rank, g->count, lo, in->esize);
        if (ha_pipe_decode(&in->pipe, c, s->data.p, s->n, s->mask, dst, in->chunk_bytes,
                           &s->why) == 0)
            s->why = NULL;
        return;
    }
    ha_buf *b = ha_codec_ctx_scratch(c);
    if (ha_buf_reserve(b, in->chunk_bytes) < 0) {
        s->why = "out of memory";
        return;
    }
    if (ha_pipe_decode(&in->pipe, c, s->data.p, s->n, s->mask, b->p, in->chunk_bytes,
                       &s->why) < 0)
        return;
    s->why = NULL;
    copy_box(g->rank, len, in->esize, b->p, in->chunk, zero, s->o->buf, g->count, lo);
}

static slot *slots_new(const op *o, size_t n)
{
    slot *s = calloc(n, sizeof *s);
    for (size_t i = 0; s && i < n; i++)
        s[i].o = o;
    return s;
}

static void slots_free(slot *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ha_buf_free(&s[i].data);
    free(s);
}

/* Record a worker's failure on chunk `i` as t's. */
static int fail_chunk(ha_task *t, const geom *g, const info *in, uint64_t i, const char *why)
{
    uint64_t off[HA_MAX_RANK], lo[HA_MAX_RANK], len[HA_MAX_RANK];
    char msg[256];
    int n = snprintf(msg, sizeof msg, "chunk at (");
    chunk_at(g, in, i, off, lo, len);
    for (int d = 0; d < g->rank && n < (int)sizeof msg - 40; d++)
        n += snprintf(msg + n, sizeof msg - (size_t)n, "%s%llu", d ? ", " : "",
                      (unsigned long long)off[d]);
    snprintf(msg + n, sizeof msg - (size_t)n, "): %s", why);
    return ha_op_fail_code(t, HA_E_IO, msg);
}

/* How many chunks may be in flight: enough to keep every worker busy
 * while the executing thread moves finished ones. */
static size_t window(int workers, uint64_t nchunks)
{
    uint64_t w = 2 * (uint64_t)workers + 2;
    return (size_t)(w < nchunks ? w : nchunks);
}

/* ---- the executing thread's steps (direct chunk I/O) ---- */

#if HAVE_DIRECT_CHUNK
/* Chunk s->i's offset in the dataset, as HDF5 takes it. */
static void chunk_offset(const slot *s, hsize_t *hoff)
{
    uint64_t off[HA_MAX_RANK], lo[HA_MAX_RANK], len[HA_MAX_RANK];
    chunk_at(s->o->g, s->o->in, s->i, off, lo, len);
    for (int d = 0; d < s->o->g->rank; d++)
        hoff[d] = off[d];
}

static int write_chunk(hid_t did, slot *s)
{
    hsize_t off[HA_MAX_RANK];
    chunk_offset(s, off);
    return H5Dwrite_chunk(did, H5P_DEFAULT, s->mask, off, s->n, s->data.p) < 0 ? -1 : 0;
}

/* The stored chunk at `off` into s->data; 1 if it was read, 0 if it is
 * not allocated, -1 on failure (HDF5's error stack set). */
static int fetch(hid_t did, const hsize_t *off, slot *s)
{
    hsize_t size = 0;
    /* Asking about a chunk never written fails on some versions and gives
     * 0 on others: both mean "let HDF5 produce the fill value". */
    if (H5Dget_chunk_storage_size(did, off, &size) < 0 || size == 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    if (ha_buf_reserve(&s->data, (size_t)size) < 0)
        return -1;
    uint32_t mask = 0;
#if H5_VERSION_GE(2, 0, 0)
    size_t n = (size_t)size;
    herr_t rc = H5Dread_chunk2(did, H5P_DEFAULT, off, &mask, s->data.p, &n);
#else
    herr_t rc = H5Dread_chunk(did, H5P_DEFAULT, off, &mask, s->data.p);
#endif
    s->n = (size_t)size;
    s->mask = mask;
    return rc < 0 ? -1 : 1;
}

/* A chunk never written: HDF5 reads its part of the block, which gives
 * the fill value (and honours every fill setting) without a codec. */
static int read_unallocated(hid_t did, const slot *s)
{
    const geom *g = s->o->g;
    uint64_t off[HA_MAX_RANK], lo[HA_MAX_RANK], len[HA_MAX_RANK];
    hsize_t hoff[HA_MAX_RANK], hlo[HA_MAX_RANK], hlen[HA_MAX_RANK], hdims[HA_MAX_RANK];
    chunk_at(g, s->o->in, s->i, off, lo, len);
    for (int d = 0; d < g->rank; d++) {
        hoff[d] = off[d];
        hlo[d] = lo[d];
        hlen[d] = len[d];
        hdims[d] = g->count[d];
    }
    hid_t ftype = H5Dget_type(did), fspace = H5Dget_space(did);
    hid_t mspace = H5Screate_simple(g->rank, hdims, NULL);
    int rc = ftype >= 0 && fspace >= 0 && mspace >= 0 &&
                     H5Sselect_hyperslab(fspace, H5S_SELECT_SET, hoff, NULL, hlen, NULL) >= 0 &&
                     H5Sselect_hyperslab(mspace, H5S_SELECT_SET, hlo, NULL, hlen, NULL) >= 0 &&
                     H5Dread(did, ftype, mspace, fspace, H5P_DEFAULT, s->o->buf) >= 0
                 ? 0
                 : -1;
    ha_close_type(ftype);
    ha_close_space(fspace);
    ha_close_space(mspace);
    return rc;
}

static int read_chunk(hid_t did, slot *s)
{
    hsize_t off[HA_MAX_RANK];
    chunk_offset(s, off);
    int got = fetch(did, off, s);
    if (got == 0)
        return read_unallocated(did, s);
    /* A decoder that fails without saying why still fails the chunk. */
    s->why = "not decoded";
    return got;
}

static const steps writing = {HA_OP_CODEC_ENCODE, encode_chunk, NULL, write_chunk,
                              &stats.writes, &stats.chunks_written, NULL};
static const steps reading = {HA_OP_CODEC_DECODE, decode_chunk, read_chunk, NULL,
                              &stats.reads, &stats.chunks_read, &stats.chunks_unallocated};
#else
/* Never run: qualify() declines everything without direct chunk I/O. */
static const steps writing = {HA_OP_CODEC_ENCODE, encode_chunk, NULL, NULL, NULL, NULL, NULL};
static const steps reading = {HA_OP_CODEC_DECODE, decode_chunk, NULL, NULL, NULL, NULL, NULL};
#endif

/* ---- one loop for both ---- */

/*
 * Run the operation's chunks through `st`, a window of them in flight.
 * The executing thread starts chunks and takes them back in chunk order,
 * whatever order workers finish in, so HDF5 sees them in order and the
 * first failure it meets is the one reported.  After it no chunk starts,
 * but those in flight are waited for before their slots go.
 */
static int run(ha_task *t, ha_handle *h, hid_t did, const steps *st)
{
    geom g;
    info *in = qualify(t, h, did, &g);
    int workers = in ? ha_pool_ensure() : 0;
    if (!in || workers < 1)
        return HA_PIPE_DECLINED;
    op o = {in, &g, t->buf, h->path, st};
    size_t w = window(workers, g.nchunks);
    slot *slots = slots_new(&o, w);
    if (!slots)
        return ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
    uint64_t next = 0, done = 0, nojob = 0;
    int failed = 0;
    while (done < next || (!failed && next < g.nchunks)) {
        /* Start the next chunk while the window has room; else take back
         * the oldest, whose slot the next chunk needs. */
        if (!failed && next < g.nchunks && next - done < w) {
            slot *s = &slots[next % w];
            s->i = next++;
            s->why = NULL;
            int r = st->before ? st->before(did, s) : 1;
            s->has_job = r > 0;
            if (r < 0)
                failed = ha_op_fail(t);
            else if (r == 0)
                nojob++;
            else {
                s->job.run = codec_job;
                ha_pool_submit(&s->job);
            }
            continue;
        }
        slot *s = &slots[done++ % w];
        if (!s->has_job)
            continue;
        ha_pool_wait(&s->job);
        if (failed)
            continue;
        if (s->why)
            failed = fail_chunk(t, &g, in, s->i, s->why);
        else if (st->after && st->after(did, s) < 0)
            failed = ha_op_fail(t);
    }
    slots_free(slots, w);
    if (failed)
        return -1;
    count(st->ops, 1);
    count(st->chunks, g.nchunks - nojob);
    if (st->nojob)
        count(st->nojob, nojob);
    ha_emulate_io(t->nbytes);
    return 0;
}

int ha_chunkpipe_write(ha_task *t, ha_handle *h, int64_t did) { return run(t, h, did, &writing); }

int ha_chunkpipe_read(ha_task *t, ha_handle *h, int64_t did) { return run(t, h, did, &reading); }
