/*
 * The chunk pipeline's codecs against HDF5's own filters, the codec pool,
 * and the pipeline through the engine (the part TSan watches: workers
 * encoding and decoding while the I/O thread moves chunks).
 *
 * HDF5 is the reference: its H5_checksum_fletcher32 (exported, though not
 * in its public headers) for the checksum, and the raw chunks its filter
 * pipeline stores (read back with H5Dread_chunk) for the byte layouts.
 * These tests call HDF5 from the test's thread only while the engine is
 * idle, so no two threads ever call it at once.
 */
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "chunkpipe.h"
#include "codecpool.h"
#include "filters.h"
#include "h5plugins.h"
#include "runner.h"
#include "test_util.h"

uint32_t H5_checksum_fletcher32(const void *data, size_t len);

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(i % 7 == 0 ? seed >> 16 : i / 5);
    }
}

TEST(fletcher32_matches_hdf5)
{
    static unsigned char buf[5000];
    fill_pattern(buf, sizeof buf, 1);
    /* Every length up to past two 360-word blocks, odd ones included, and
     * all-0xff data, where the folding of carries shows. */
    for (size_t n = 0; n < 1500; n++)
        ASSERT_EQ(ha_fletcher32(buf, n), H5_checksum_fletcher32(buf, n));
    memset(buf, 0xff, sizeof buf);
    for (size_t n = 0; n < sizeof buf; n += 97)
        ASSERT_EQ(ha_fletcher32(buf, n), H5_checksum_fletcher32(buf, n));
}

/* The raw chunk HDF5's pipeline stores for `data` (one chunk of `n`
 * elements of `esize` bytes) with the filters set by `filters` on the
 * dcpl; returns its size in *rawn, the bytes malloc'd. */
static unsigned char *hdf5_chunk(const char *path, size_t esize, size_t n, const void *data,
                                 void (*filters)(hid_t), size_t *rawn, uint32_t *mask)
{
    hsize_t dims[1] = {n}, off[1] = {0};
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t type = H5Tcopy(H5T_NATIVE_UCHAR), space = H5Screate_simple(1, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    ASSERT_TRUE(f >= 0 && H5Tset_size(type, esize) >= 0 && H5Pset_chunk(dcpl, 1, dims) >= 0);
    if (esize > 1) /* an opaque type of esize bytes, so shuffle sees elements of that size */
        ASSERT_TRUE(H5Tclose(type) >= 0 && (type = H5Tcreate(H5T_OPAQUE, esize)) >= 0);
    filters(dcpl);
    hid_t d = H5Dcreate2(f, "d", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ASSERT_TRUE(d >= 0);
    ASSERT_TRUE(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    ASSERT_TRUE(H5Dflush(d) >= 0);
    hsize_t size = 0;
    ASSERT_TRUE(H5Dget_chunk_storage_size(d, off, &size) >= 0);
    unsigned char *raw = malloc(size);
    ASSERT_TRUE(H5Dread_chunk(d, H5P_DEFAULT, off, mask, raw) >= 0);
    *rawn = (size_t)size;
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Tclose(type);
    H5Fclose(f);
    return raw;
}

static void shuffle_fletcher(hid_t dcpl)
{
    ASSERT_TRUE(H5Pset_shuffle(dcpl) >= 0 && H5Pset_fletcher32(dcpl) >= 0);
}

static void gzip_fletcher(hid_t dcpl)
{
    ASSERT_TRUE(H5Pset_shuffle(dcpl) >= 0 && H5Pset_deflate(dcpl, 5) >= 0 &&
                H5Pset_fletcher32(dcpl) >= 0);
}

TEST(shuffle_fletcher32_bytes_match_hdf5)
{
    const char *dir = tmpdir_new();
    ha_codec_ctx *c = ha_codec_ctx_new();
    static unsigned char data[16 * 301], back[16 * 301];
    fill_pattern(data, sizeof data, 7);
    /* Element sizes 1 to 16, and element counts that make odd byte counts. */
    size_t sizes[] = {1, 2, 3, 4, 5, 8, 12, 16}, counts[] = {1, 7, 301};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        for (size_t k = 0; k < 3; k++) {
            size_t es = sizes[i], n = counts[k], rawn, outn;
            uint32_t mask = 99;
            unsigned char *raw = hdf5_chunk(tmp_path(dir, "s.h5"), es, n, data,
                                            shuffle_fletcher, &rawn, &mask);
            ASSERT_EQ(mask, 0);
            ha_pipeline p = {.n = 2,
                             .f = {{.id = HA_FILTER_SHUFFLE, .optional = 1, .cd = {(unsigned)es},
                                    .ncd = 1},
                                   {.id = HA_FILTER_FLETCHER32}}};
            ha_buf out = {0};
            unsigned ours_mask;
            const char *why = NULL;
            ASSERT_EQ(ha_pipe_encode(&p, c, data, es * n, &out, &outn, &ours_mask, &why), 0);
            ASSERT_EQ(ours_mask, 0);
            ASSERT_EQ(outn, rawn);
            ASSERT_EQ(memcmp(out.p, raw, rawn), 0);
            ASSERT_EQ(ha_pipe_decode(&p, c, raw, rawn, 0, back, es * n, &why), 0);
            ASSERT_EQ(memcmp(back, data, es * n), 0);
            ha_buf_free(&out);
            free(raw);
        }
    }
    ha_codec_ctx_free(c);
    tmpdir_remove(dir);
}

TEST(deflate_streams_cross_decode)
{
    const char *dir = tmpdir_new();
    ha_codec_ctx *c = ha_codec_ctx_new();
    static unsigned char data[8 * 1000], back[8 * 1000];
    fill_pattern(data, sizeof data, 3);
    size_t rawn, outn;
    uint32_t mask;
    unsigned char *raw = hdf5_chunk(tmp_path(dir, "g.h5"), 8, 1000, data, gzip_fletcher, &rawn,
                                    &mask);
    ha_pipeline p = {.n = 3,
                     .f = {{.id = HA_FILTER_SHUFFLE, .cd = {8}, .ncd = 1},
                           {.id = HA_FILTER_DEFLATE, .cd = {5}, .ncd = 1},
                           {.id = HA_FILTER_FLETCHER32}}};
    const char *why = NULL;
    /* HDF5's stream decodes here ... */
    ASSERT_EQ(ha_pipe_decode(&p, c, raw, rawn, mask, back, sizeof back, &why), 0);
    ASSERT_EQ(memcmp(back, data, sizeof data), 0);
    /* ... ours decodes here too, and one flipped bit is an error. */
    ha_buf out = {0};
    ASSERT_EQ(ha_pipe_encode(&p, c, data, sizeof data, &out, &outn, &mask, &why), 0);
    memset(back, 0, sizeof back);
    ASSERT_EQ(ha_pipe_decode(&p, c, out.p, outn, mask, back, sizeof back, &why), 0);
    ASSERT_EQ(memcmp(back, data, sizeof data), 0);
    ((unsigned char *)out.p)[outn / 2] ^= 0x10;
    ASSERT_EQ(ha_pipe_decode(&p, c, out.p, outn, mask, back, sizeof back, &why), -1);
    ASSERT_TRUE(strstr(why, "Fletcher32") != NULL);
    /* A stream too short for the chunk is an error, not a short chunk. */
    ASSERT_EQ(ha_pipe_decode(&p, c, raw, rawn, mask, back, sizeof back - 8, &why), -1);
    ha_buf_free(&out);
    free(raw);
    ha_codec_ctx_free(c);
    tmpdir_remove(dir);
}

typedef struct {
    ha_job job;
    int in, out;
} square_job;

static void square(ha_job *j, ha_codec_ctx *c)
{
    square_job *s = (square_job *)j;
    ASSERT_NOT_NULL(ha_codec_ctx_scratch(c));
    s->out = s->in * s->in;
}

TEST(codec_pool_runs_and_resizes)
{
    static square_job jobs[200];
    int sizes[] = {4, 2, 3, 1};
    for (int r = 0; r < 4; r++) {
        ha_codec_set_threads(sizes[r]);
        ASSERT_EQ(ha_codec_threads(), sizes[r]);
        ASSERT_EQ(ha_pool_ensure(), sizes[r]);
        for (int i = 0; i < 200; i++) {
            jobs[i].in = i + r;
            jobs[i].job.run = square;
            ha_pool_submit(&jobs[i].job);
        }
        for (int i = 0; i < 200; i++) {
            ha_pool_wait(&jobs[i].job);
            ASSERT_EQ(jobs[i].out, (i + r) * (i + r));
        }
    }
    ha_codec_set_threads(0);
    ASSERT_EQ(ha_codec_threads(), ha_codec_default_threads());
}

/* A dataset of `rows` x 50 int32 in chunks of 8 x 10, with shuffle,
 * deflate and fletcher32, written and read through the engine. */
TEST(pipeline_through_the_engine)
{
    const char *dir = tmpdir_new();
    ha_codec_set_threads(3);
    ha_eventset *es = ha_es_new();
    ha_handle *f = file_open(tmp_path(dir, "p.h5"), HA_FMODE_TRUNC, es, NULL);
    ha_handle *d = ha_handle_new(HA_OBJ_DATASET, "/d", f);
    ha_task *t = task_new(HA_OP_DSET_CREATE, es);
    t->obj = ha_handle_ref(f);
    t->target = ha_handle_ref(d);
    t->name = strdup("d");
    t->ftype = int_type(4);
    t->extent = extent2(61, 50);
    t->dcpl = (ha_dcpl){.chunked = 1, .chunk = {8, 10}, .gzip = 4, .shuffle = 1, .fletcher32 = 1};
    submit(t);
    ha_task_unref(t);
    static int32_t w[61][50], r[61][50], part[16][20];
    for (int i = 0; i < 61 * 50; i++)
        w[i / 50][i % 50] = (i * 37) % 1000;
    ha_chunkpipe_stats s0, s;
    ha_chunkpipe_stats_get(&s0);
    done(dset_io(HA_OP_DSET_WRITE, d, int_type(4), FILE_ALL, sel_all2(61, 50), w, sizeof w, es));
    done(dset_io(HA_OP_DSET_READ, d, int_type(4), FILE_ALL, sel_all2(61, 50), r, sizeof r, es));
    done(dset_io(HA_OP_DSET_READ, d, int_type(4), sel_slab2(0, 0, 8, 10, 16, 20),
                 sel_all2(16, 20), part, sizeof part, es));
    wait_es(es);
    ha_chunkpipe_stats_get(&s);
    ASSERT_EQ(s.writes - s0.writes, 1);
    ASSERT_EQ(s.reads - s0.reads, 2);
    ASSERT_EQ(s.chunks_written - s0.chunks_written, 8 * 5);
    ASSERT_EQ(s.chunks_read - s0.chunks_read, 8 * 5 + 2 * 2);
    ASSERT_EQ(memcmp(r, w, sizeof w), 0);
    for (int i = 0; i < 16; i++)
        ASSERT_EQ(memcmp(part[i], &w[8 + i][10], sizeof part[i]), 0);
    ha_handle_unref(d);
    ha_handle_unref(f);
    ha_es_unref(es);
    ha_codec_set_threads(0);
    tmpdir_remove(dir);
}

/* ---- the plugin filters: zstd, lz4, blosc ---- */

/* 1000 small 8-byte integers: what every codec here shrinks. */
static void fill_ints(unsigned char *p)
{
    for (int64_t i = 0; i < 1000; i++) {
        int64_t v = (i * 37) % 1000 - 500;
        memcpy(p + 8 * i, &v, 8);
    }
}

static const ha_filter plugin_cases[] = {
    {.id = HA_FILTER_ZSTD},
    {.id = HA_FILTER_ZSTD, .cd = {19}, .ncd = 1},
    {.id = HA_FILTER_LZ4},
    {.id = HA_FILTER_LZ4, .cd = {1000}, .ncd = 1},
    {.id = HA_FILTER_BLOSC, .optional = 1, .cd = {2, 2, 8, 8000, 5, 1, 1}, .ncd = 7},
    {.id = HA_FILTER_BLOSC, .optional = 1, .cd = {2, 2, 8, 8000, 9, 2, 5}, .ncd = 7},
    {.id = HA_FILTER_BLOSC, .optional = 1, .cd = {2, 2, 8, 8000, 3, 0, 4}, .ncd = 7},
};

TEST(plugin_codecs_round_trip)
{
    ha_codec_ctx *c = ha_codec_ctx_new();
    static unsigned char data[8 * 1000], back[8 * 1000];
    fill_ints(data);
    for (size_t i = 0; i < sizeof plugin_cases / sizeof *plugin_cases; i++) {
        if (!ha_filter_known(plugin_cases[i].id))
            continue;
        /* alone, and behind shuffle and ahead of fletcher32 */
        ha_pipeline p1 = {.n = 1, .f = {plugin_cases[i]}};
        ha_pipeline p3 = {.n = 3,
                          .f = {{.id = HA_FILTER_SHUFFLE, .cd = {8}, .ncd = 1},
                                plugin_cases[i],
                                {.id = HA_FILTER_FLETCHER32}}};
        const ha_pipeline *ps[] = {&p1, &p3};
        for (int k = 0; k < 2; k++) {
            ha_buf out = {0};
            size_t outn = 0;
            unsigned mask = 0;
            const char *why = NULL;
            ASSERT_EQ(ha_pipe_encode(ps[k], c, data, sizeof data, &out, &outn, &mask, &why), 0);
            ASSERT_EQ(mask, 0);
            ASSERT_TRUE(outn < sizeof data);
            memset(back, 0, sizeof back);
            ASSERT_EQ(ha_pipe_decode(ps[k], c, out.p, outn, mask, back, sizeof back, &why), 0);
            ASSERT_EQ(memcmp(back, data, sizeof data), 0);
            /* the wrong size, and a damaged header, are errors */
            ASSERT_EQ(ha_pipe_decode(ps[k], c, out.p, outn, mask, back, sizeof back - 8, &why),
                      -1);
            ((unsigned char *)out.p)[k == 0 ? 1 : 7] ^= 0x41;
            ASSERT_EQ(ha_pipe_decode(ps[k], c, out.p, outn, mask, back, sizeof back, &why), -1);
            ASSERT_NOT_NULL(why);
            ha_buf_free(&out);
        }
    }
    ha_codec_ctx_free(c);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

TEST(lz4_framing)
{
    if (!ha_filter_known(HA_FILTER_LZ4))
        return;
    ha_codec_ctx *c = ha_codec_ctx_new();
    /* 2500 bytes in blocks of 1000: a compressible one, an incompressible
     * one (stored raw, its stored size equal to the block's), a short
     * last one. */
    static unsigned char data[2500], back[2500];
    memset(data, 'a', 1000);
    unsigned seed = 9;
    for (size_t i = 1000; i < 2000; i++) {
        seed = seed * 1103515245u + 12345u;
        data[i] = (unsigned char)(seed >> 16);
    }
    fill_pattern(data + 2000, 500, 2);
    ha_pipeline p = {.n = 1, .f = {{.id = HA_FILTER_LZ4, .cd = {1000}, .ncd = 1}}};
    ha_buf out = {0};
    size_t outn;
    unsigned mask;
    const char *why = NULL;
    ASSERT_EQ(ha_pipe_encode(&p, c, data, sizeof data, &out, &outn, &mask, &why), 0);
    const unsigned char *s = out.p;
    ASSERT_EQ(be32(s), 0);
    ASSERT_EQ(be32(s + 4), 2500);
    ASSERT_EQ(be32(s + 8), 1000);
    size_t k0 = be32(s + 12), k1 = be32(s + 16 + k0);
    ASSERT_TRUE(k0 < 1000);
    ASSERT_EQ(k1, 1000);
    ASSERT_EQ(memcmp(s + 20 + k0, data + 1000, 1000), 0);
    size_t k2 = be32(s + 20 + k0 + k1);
    ASSERT_TRUE(k2 <= 500);
    ASSERT_EQ(outn, 24 + k0 + k1 + k2);
    ASSERT_EQ(ha_pipe_decode(&p, c, out.p, outn, 0, back, sizeof back, &why), 0);
    ASSERT_EQ(memcmp(back, data, sizeof data), 0);
    /* a stream of raw blocks only, the block size above the data's */
    static unsigned char raw[12 + 4 + 2500];
    memset(raw, 0, 12);
    raw[6] = 2500 >> 8, raw[7] = 2500 & 0xff;
    raw[10] = 0x10; /* 1 MiB blocks: one block of 2500 */
    raw[14] = 2500 >> 8, raw[15] = 2500 & 0xff;
    memcpy(raw + 16, data, 2500);
    memset(back, 0, sizeof back);
    ASSERT_EQ(ha_pipe_decode(&p, c, raw, sizeof raw, 0, back, sizeof back, &why), 0);
    ASSERT_EQ(memcmp(back, data, sizeof data), 0);
    /* trailing bytes, or a truncated stream, are errors */
    ASSERT_EQ(ha_pipe_decode(&p, c, raw, sizeof raw - 1, 0, back, sizeof back, &why), -1);
    ha_buf_free(&out);
    ha_codec_ctx_free(c);
}

static const ha_filter *hdf5_case;

static void plugin_filter(hid_t dcpl)
{
    ASSERT_TRUE(H5Pset_filter(dcpl, (H5Z_filter_t)hdf5_case->id, H5Z_FLAG_OPTIONAL,
                              hdf5_case->ncd, hdf5_case->cd) >= 0);
}

/* HDF5's path, with the filters h5plugins.c registers, stores what the
 * pool stores, and each decodes the other's. */
TEST(plugin_filters_match_hdf5s_path)
{
    const char *dir = tmpdir_new();
    ha_codec_ctx *c = ha_codec_ctx_new();
    static unsigned char data[8 * 1000], back[8 * 1000];
    fill_ints(data);
    ha_h5plugins_register();
    for (size_t i = 0; i < sizeof plugin_cases / sizeof *plugin_cases; i++) {
        if (!ha_filter_known(plugin_cases[i].id))
            continue;
        ASSERT_TRUE(H5Zfilter_avail((H5Z_filter_t)plugin_cases[i].id) > 0);
        ha_filter f = plugin_cases[i];
        if (f.id == HA_FILTER_BLOSC) /* set_local fills in [0..3]: opaque 8-byte elements */
            f.cd[0] = f.cd[1] = f.cd[2] = f.cd[3] = 0;
        hdf5_case = &f;
        size_t rawn, outn;
        uint32_t mask = 99;
        unsigned char *raw = hdf5_chunk(tmp_path(dir, "z.h5"), 8, 1000, data, plugin_filter,
                                        &rawn, &mask);
        ASSERT_EQ(mask, 0);
        ha_pipeline p = {.n = 1, .f = {plugin_cases[i]}};
        const char *why = NULL;
        ASSERT_EQ(ha_pipe_decode(&p, c, raw, rawn, mask, back, sizeof back, &why), 0);
        ASSERT_EQ(memcmp(back, data, sizeof data), 0);
        ha_buf out = {0};
        unsigned m;
        ASSERT_EQ(ha_pipe_encode(&p, c, data, sizeof data, &out, &outn, &m, &why), 0);
        ASSERT_EQ(outn, rawn);
        ASSERT_EQ(memcmp(out.p, raw, rawn), 0);
        ha_buf_free(&out);
        free(raw);
    }
    ha_codec_ctx_free(c);
    tmpdir_remove(dir);
}

/* zstd and lz4 datasets through the engine: workers encode and decode
 * while the I/O thread moves chunks (TSan). */
TEST(plugin_pipeline_through_the_engine)
{
    int ids[] = {HA_FILTER_ZSTD, HA_FILTER_LZ4, HA_FILTER_BLOSC};
    const char *dir = tmpdir_new();
    ha_codec_set_threads(3);
    for (int k = 0; k < 3; k++) {
        if (!ha_filter_known(ids[k]))
            continue;
        ha_eventset *es = ha_es_new();
        ha_handle *f = file_open(tmp_path(dir, "q.h5"), HA_FMODE_TRUNC, es, NULL);
        ha_handle *d = ha_handle_new(HA_OBJ_DATASET, "/d", f);
        ha_task *t = task_new(HA_OP_DSET_CREATE, es);
        t->obj = ha_handle_ref(f);
        t->target = ha_handle_ref(d);
        t->name = strdup("d");
        t->ftype = int_type(4);
        t->extent = extent2(61, 50);
        t->dcpl = (ha_dcpl){.chunked = 1, .chunk = {8, 10}, .gzip = -1, .filter_id = ids[k]};
        submit(t);
        ha_task_unref(t);
        static int32_t w[61][50], r[61][50];
        for (int i = 0; i < 61 * 50; i++)
            w[i / 50][i % 50] = (i * 37 + k) % 1000;
        ha_chunkpipe_stats s0, s;
        ha_chunkpipe_stats_get(&s0);
        done(dset_io(HA_OP_DSET_WRITE, d, int_type(4), FILE_ALL, sel_all2(61, 50), w, sizeof w,
                     es));
        done(dset_io(HA_OP_DSET_READ, d, int_type(4), FILE_ALL, sel_all2(61, 50), r, sizeof r,
                     es));
        wait_es(es);
        ha_chunkpipe_stats_get(&s);
        ASSERT_EQ(s.chunks_written - s0.chunks_written, 8 * 5);
        ASSERT_EQ(s.chunks_read - s0.chunks_read, 8 * 5);
        ASSERT_EQ(memcmp(r, w, sizeof w), 0);
        ha_handle_unref(d);
        ha_handle_unref(f);
        ha_es_unref(es);
    }
    ha_codec_set_threads(0);
    tmpdir_remove(dir);
}
