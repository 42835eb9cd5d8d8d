/*
 * HDF5 filter classes for the plugin codecs (h5plugins.h).  Each filter
 * function runs one filter of filters.c on HDF5's buffer, with a codec
 * context of its own for the call; HDF5 calls it on the executing thread
 * only, never on a codec worker.  The stored formats and cd_values are
 * those of the plugins hdf5plugin and PyTables ship (see filters.c), and
 * bitshuffle's (bshuf.h).
 */
#include "h5plugins.h"

#include <hdf5.h>
#include <limits.h>
#include <string.h>

#include "bshuf.h"
#include "filters.h"

/* HDF5's filter callback for filter `id`: the new size, or 0 on failure
 * (for an optional filter on write: HDF5 stores the chunk without it). */
static size_t run(int id, unsigned flags, size_t ncd, const unsigned cd[], size_t nbytes,
                  size_t *buf_size, void **buf)
{
    ha_filter f;
    memset(&f, 0, sizeof f);
    f.id = id;
    f.ncd = ncd > HA_FILTER_MAX_CD ? HA_FILTER_MAX_CD : ncd;
    if (f.ncd)
        memcpy(f.cd, cd, f.ncd * sizeof *cd);
    ha_codec_ctx *c = ha_codec_ctx_new();
    if (!c)
        return 0;
    const char *why = NULL;
    size_t ret = 0;
    if (flags & H5Z_FLAG_REVERSE) {
        size_t n = 0;
        void *out = NULL;
        if (ha_filter_decoded_size(&f, *buf, nbytes, &n) == 0 &&
            (out = H5allocate_memory(n ? n : 1, 0)) != NULL) {
            if (ha_filter_decode1(&f, c, *buf, nbytes, out, n, &why) == 0) {
                H5free_memory(*buf);
                *buf = out;
                *buf_size = n ? n : 1;
                ret = n;
            } else {
                H5free_memory(out);
            }
        }
    } else {
        ha_buf b = {0};
        size_t n = 0;
        if (ha_filter_encode1(&f, c, *buf, nbytes, &b, &n, &why) == 0) {
            void *out = H5allocate_memory(n ? n : 1, 0);
            if (out) {
                memcpy(out, b.p, n);
                H5free_memory(*buf);
                *buf = out;
                *buf_size = n ? n : 1;
                ret = n;
            }
        }
        ha_buf_free(&b);
    }
    ha_codec_ctx_free(c);
    return ret;
}

#ifdef HA_HAVE_ZSTD
static size_t zstd_fn(unsigned flags, size_t ncd, const unsigned cd[], size_t nbytes,
                      size_t *buf_size, void **buf)
{
    return run(HA_FILTER_ZSTD, flags, ncd, cd, nbytes, buf_size, buf);
}
static const H5Z_class2_t zstd_class = {
    H5Z_CLASS_T_VERS, HA_FILTER_ZSTD, 1, 1, "Zstandard compression: http://www.zstd.net",
    NULL, NULL, zstd_fn,
};
#endif

#ifdef HA_HAVE_LZ4
static size_t lz4_fn(unsigned flags, size_t ncd, const unsigned cd[], size_t nbytes,
                     size_t *buf_size, void **buf)
{
    return run(HA_FILTER_LZ4, flags, ncd, cd, nbytes, buf_size, buf);
}
static const H5Z_class2_t lz4_class = {
    H5Z_CLASS_T_VERS, HA_FILTER_LZ4, 1, 1, "HDF5 lz4 filter", NULL, NULL, lz4_fn,
};
#endif

#ifdef HA_HAVE_BLOSC
#include <blosc.h>

#define BLOSC_FILTER_REVISION 2 /* what PyTables / hdf5plugin record in cd_values[0] */

/* cd_values[0..3]: filter revision, Blosc format version, the type size
 * (an array's element size; 1 above Blosc's limit) and the chunk's bytes;
 * the user's level, shuffle and compressor stay in [4..6]. */
static herr_t blosc_set_local(hid_t dcpl, hid_t type, hid_t space)
{
    (void)space;
    unsigned flags, cd[HA_FILTER_MAX_CD] = {0};
    size_t ncd = HA_FILTER_MAX_CD;
    hsize_t chunk[H5S_MAX_RANK];
    if (H5Pget_filter_by_id2(dcpl, HA_FILTER_BLOSC, &flags, &ncd, cd, 0, NULL, NULL) < 0)
        return -1;
    int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
    size_t size = H5Tget_size(type), base = size;
    if (rank < 0 || size == 0)
        return -1;
    if (H5Tget_class(type) == H5T_ARRAY) {
        hid_t super = H5Tget_super(type);
        if (super < 0)
            return -1;
        base = H5Tget_size(super);
        H5Tclose(super);
    }
    if (base > BLOSC_MAX_TYPESIZE || base == 0)
        base = 1;
    size_t bytes = size;
    for (int i = 0; i < rank; i++)
        bytes *= chunk[i];
    cd[0] = BLOSC_FILTER_REVISION;
    cd[1] = BLOSC_VERSION_FORMAT;
    cd[2] = (unsigned)base;
    cd[3] = (unsigned)bytes;
    return H5Pmodify_filter(dcpl, HA_FILTER_BLOSC, flags, ncd < 4 ? 4 : ncd, cd);
}

static size_t blosc_fn(unsigned flags, size_t ncd, const unsigned cd[], size_t nbytes,
                       size_t *buf_size, void **buf)
{
    return run(HA_FILTER_BLOSC, flags, ncd, cd, nbytes, buf_size, buf);
}
static const H5Z_class2_t blosc_class = {
    H5Z_CLASS_T_VERS, HA_FILTER_BLOSC, 1, 1, "blosc", NULL, blosc_set_local, blosc_fn,
};
#endif

/* Bitshuffle's set_local, as the bitshuffle filter's: cd_values become
 * [version major, minor, the type's size, then the user's values] (the
 * block size in elements and the compression).  A block size that is
 * not a multiple of 8 elements fails the dataset's creation. */
static herr_t bshuf_set_local(hid_t dcpl, hid_t type, hid_t space)
{
    (void)space;
    unsigned flags, user[HA_FILTER_MAX_CD] = {0}, cd[HA_FILTER_MAX_CD + 3] = {0};
    size_t n = HA_FILTER_MAX_CD;
    size_t size = H5Tget_size(type);
    if (H5Pget_filter_by_id2(dcpl, HA_FILTER_BITSHUFFLE, &flags, &n, user, 0, NULL, NULL) < 0 ||
        size == 0 || size > UINT_MAX)
        return -1;
    if (n > HA_FILTER_MAX_CD)
        n = HA_FILTER_MAX_CD;
    if (n > 0 && user[0] % 8) {
        H5Epush2(H5E_DEFAULT, __FILE__, __func__, __LINE__, H5E_ERR_CLS, H5E_PLINE, H5E_BADVALUE,
                 "bitshuffle: invalid block size %u (not a multiple of 8)", user[0]);
        return -1;
    }
    cd[0] = HA_BSHUF_VERSION_MAJOR;
    cd[1] = HA_BSHUF_VERSION_MINOR;
    cd[2] = (unsigned)size;
    memcpy(cd + 3, user, n * sizeof *user);
    return H5Pmodify_filter(dcpl, HA_FILTER_BITSHUFFLE, flags, n + 3, cd);
}

static size_t bshuf_fn(unsigned flags, size_t ncd, const unsigned cd[], size_t nbytes,
                       size_t *buf_size, void **buf)
{
    return run(HA_FILTER_BITSHUFFLE, flags, ncd, cd, nbytes, buf_size, buf);
}
/* The name is the bitshuffle filter's, as HDF5 stores it in the file. */
static const H5Z_class2_t bshuf_class = {
    H5Z_CLASS_T_VERS, HA_FILTER_BITSHUFFLE, 1, 1,
    "bitshuffle; see https://github.com/kiyo-masui/bitshuffle", NULL, bshuf_set_local, bshuf_fn,
};

static void reg(const H5Z_class2_t *k)
{
    if (H5Zfilter_avail(k->id) <= 0)
        H5Zregister(k);
}

static void register_static(void)
{
    static int done; /* executing thread only */
    if (done)
        return;
    done = 1;
#ifdef HA_HAVE_ZSTD
    reg(&zstd_class);
#endif
#ifdef HA_HAVE_LZ4
    reg(&lz4_class);
#endif
#ifdef HA_HAVE_BLOSC
    reg(&blosc_class);
#endif
    H5Eclear2(H5E_DEFAULT);
}

/* Bitshuffle's library loads on first use, possibly after the others
 * were registered: register its filter once it has. */
static void register_bitshuffle(void)
{
    static int done; /* executing thread only */
    if (done || !ha_bshuf_loaded())
        return;
    done = 1;
    reg(&bshuf_class);
    H5Eclear2(H5E_DEFAULT);
}

void ha_h5plugins_register(void)
{
    register_static();
    register_bitshuffle();
}

void ha_h5plugins_meet(int id)
{
    if (id == HA_FILTER_BITSHUFFLE)
        ha_bshuf_available();
    ha_h5plugins_register();
}

int ha_h5plugins_avail(int id)
{
    ha_h5plugins_register();
    int r = H5Zfilter_avail((H5Z_filter_t)id) > 0;
    H5Eclear2(H5E_DEFAULT);
    return r;
}
