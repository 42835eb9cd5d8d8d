/*
 * h5py's lzf filter for HDF5's own pipeline (h5lzf.h).  The stored format
 * is a bare liblzf stream; the parameters h5py records are a filter
 * revision, liblzf's API version and the chunk's size in bytes, which
 * tells the decoder how much room to make.  Like h5py's, the encoder
 * gives up (and HDF5 skips the optional filter for that chunk) when the
 * data does not shrink.
 */
#include "h5lzf.h"

#include <hdf5.h>

#ifdef HA_HAVE_LZF
#include <errno.h>
#include <lzf.h>

#include "filters.h"

#define LZF_REVISION 4 /* the filter revision h5py records in cd_values[0] */

static herr_t set_local(hid_t dcpl, hid_t type, hid_t space)
{
    (void)space;
    unsigned flags, cd[HA_FILTER_MAX_CD] = {0};
    size_t ncd = HA_FILTER_MAX_CD;
    hsize_t chunk[H5S_MAX_RANK];
    if (H5Pget_filter_by_id2(dcpl, HA_FILTER_LZF, &flags, &ncd, cd, 0, NULL, NULL) < 0)
        return -1;
    int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
    size_t bytes = H5Tget_size(type);
    if (rank < 0 || bytes == 0)
        return -1;
    for (int i = 0; i < rank; i++)
        bytes *= chunk[i];
    cd[0] = LZF_REVISION;
    cd[1] = LZF_VERSION;
    cd[2] = (unsigned)bytes;
    return H5Pmodify_filter(dcpl, HA_FILTER_LZF, flags, ncd < 3 ? 3 : ncd, cd);
}

static size_t lzf_filter(unsigned flags, size_t ncd, const unsigned cd[], size_t nbytes,
                         size_t *buf_size, void **buf)
{
    if (!(flags & H5Z_FLAG_REVERSE)) {
        void *out = nbytes ? H5allocate_memory(nbytes, 0) : NULL;
        unsigned n = out ? lzf_compress(*buf, (unsigned)nbytes, out, (unsigned)nbytes) : 0;
        if (!n) {
            H5free_memory(out);
            return 0; /* does not shrink: HDF5 stores the chunk unfiltered */
        }
        H5free_memory(*buf);
        *buf = out;
        *buf_size = nbytes;
        return n;
    }
    size_t room = ncd >= 3 && cd[2] ? cd[2] : *buf_size;
    for (;;) {
        void *out = H5allocate_memory(room, 0);
        if (!out)
            return 0;
        unsigned n = lzf_decompress(*buf, (unsigned)nbytes, out, (unsigned)room);
        if (n) {
            H5free_memory(*buf);
            *buf = out;
            *buf_size = room;
            return n;
        }
        H5free_memory(out);
        if (errno != E2BIG || room > UINT32_MAX / 2)
            return 0;
        room *= 2;
    }
}

static const H5Z_class2_t lzf_class = {
    H5Z_CLASS_T_VERS, HA_FILTER_LZF, 1, 1, "lzf", NULL, set_local, lzf_filter,
};

void ha_h5lzf_register(void)
{
    static int done; /* executing thread only */
    if (done)
        return;
    done = 1;
    if (H5Zfilter_avail(HA_FILTER_LZF) <= 0)
        H5Zregister(&lzf_class);
    H5Eclear2(H5E_DEFAULT);
}
#else
void ha_h5lzf_register(void) {}
#endif
