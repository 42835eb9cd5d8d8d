/* See fileguard.h for why these exist. */
#define _GNU_SOURCE
#include "fileguard.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <hdf5.h>
#include <sys/mman.h>
#include <unistd.h>

int ha_file_posix_fd(int64_t fid)
{
    int fd = -1;
    hid_t fapl = H5Fget_access_plist((hid_t)fid);
    if (fapl < 0) {
        H5Eclear2(H5E_DEFAULT);
        return -1;
    }
    hid_t drv = H5Pget_driver(fapl);
    /* The core driver hands out its memory image unless asked for the
     * descriptor of its backing store with this (registered) property. */
    hbool_t want = 1;
    if (H5Pexist(fapl, "want_posix_fd") > 0)
        H5Pset(fapl, "want_posix_fd", &want);
    int *handle = NULL;
    if ((drv == H5FD_SEC2 || drv == H5FD_CORE) &&
        H5Fget_vfd_handle((hid_t)fid, fapl, (void **)&handle) >= 0 && handle)
        fd = *handle;
    H5Pclose(fapl);
    H5Eclear2(H5E_DEFAULT);
    return fd;
}

void ha_file_sink_fd(int fd)
{
    if (fd < 0)
        return;
    /* A memory file takes writes and truncation at any offset, as the real
     * file would; pages are only used for what is written. */
    int sink = memfd_create("h5async-fork-sink", MFD_CLOEXEC);
    if (sink < 0)
        sink = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (sink < 0)
        return;
    dup3(sink, fd, O_CLOEXEC);
    close(sink);
}

/*
 * A symbol internal to HDF5 but exported by its shared library, looked up
 * at run time so that a build without it still loads (it then keeps the
 * id and risks HDF5's exit handler, as before), or NULL.  Looked up in the
 * library that holds H5Fclose: the extension is loaded RTLD_LOCAL, so the
 * global scope may not see HDF5 at all.
 */
static void *hdf5_symbol(const char *name)
{
    Dl_info info;
    if (!dladdr((void *)H5Fclose, &info) || !info.dli_fname)
        return NULL;
    void *lib = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if (!lib)
        return NULL;
    void *sym = dlsym(lib, name);
    dlclose(lib); /* RTLD_NOLOAD took a reference; the library stays loaded */
    return sym;
}

void ha_forget_failed_id(int64_t id)
{
    if (H5Iis_valid((hid_t)id) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return; /* this HDF5 removed the id itself */
    }
    void *(*remove_id)(hid_t) = (void *(*)(hid_t))hdf5_symbol("H5I_remove");
    if (remove_id)
        remove_id((hid_t)id);
    H5Eclear2(H5E_DEFAULT);
}
