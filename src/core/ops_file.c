/* File operations: open/create, flush, close; and closing any object. */
#include <unistd.h>

#include "engine.h"
#include "ops.h"

static H5F_libver_t libver(int v)
{
    switch (v) {
    case HA_LIBVER_EARLIEST:
        return H5F_LIBVER_EARLIEST;
    case HA_LIBVER_V18:
        return H5F_LIBVER_V18;
    case HA_LIBVER_V110:
        return H5F_LIBVER_V110;
#if H5_VERSION_GE(1, 12, 0)
    case HA_LIBVER_V112:
        return H5F_LIBVER_V112;
#endif
#if H5_VERSION_GE(1, 14, 0)
    case HA_LIBVER_V114:
        return H5F_LIBVER_V114;
#endif
    default: /* a newer format than this HDF5 knows: its latest */
        return H5F_LIBVER_LATEST;
    }
}

static hid_t make_fcpl(ha_task *t)
{
    if (!t->fopt.userblock)
        return H5P_DEFAULT;
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl >= 0 && H5Pset_userblock(fcpl, t->fopt.userblock) < 0) {
        ha_close_plist(fcpl);
        return H5I_INVALID_HID;
    }
    return fcpl;
}

static hid_t make_fapl(ha_task *t)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return fapl;
    /* Strong close: when the file id closes, the file really closes; we
     * close every child id first anyway (handle.c). */
    herr_t rc = H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    if (rc >= 0 && t->ival2 != HA_DRIVER_DEFAULT)
        rc = H5Pset_fapl_core(fapl, 64 * 1024 * 1024,
                              t->ival2 == HA_DRIVER_CORE);
#ifdef H5_HAVE_PARALLEL
    if (rc >= 0 && t->fopt.mpio)
        rc = H5Pset_fapl_mpio(fapl, MPI_Comm_f2c((MPI_Fint)t->fopt.comm_f), MPI_INFO_NULL);
#else
    if (rc >= 0 && t->fopt.mpio) {
        H5Epush2(H5E_DEFAULT, __FILE__, __func__, __LINE__, H5E_ERR_CLS, H5E_PLIST,
                 H5E_UNSUPPORTED, "this HDF5 has no MPI-IO driver");
        rc = -1;
    }
#endif
    if (rc >= 0 && t->fopt.libver_lo >= 0)
        rc = H5Pset_libver_bounds(fapl, libver(t->fopt.libver_lo), libver(t->fopt.libver_hi));
    if (rc < 0) {
        ha_close_plist(fapl);
        return H5I_INVALID_HID;
    }
    return fapl;
}

int ha_mpi_thread_multiple(void)
{
#ifdef H5_HAVE_PARALLEL
    int init = 0, level = 0;
    if (MPI_Initialized(&init) != MPI_SUCCESS || !init)
        return 0;
    MPI_Query_thread(&level);
    return level == MPI_THREAD_MULTIPLE;
#else
    return -1;
#endif
}

int ha_op_file_open(ha_task *t)
{
    hid_t fapl = make_fapl(t), fcpl = fapl < 0 ? -1 : make_fcpl(t), fid = H5I_INVALID_HID;
    if (fapl < 0 || fcpl < 0) {
        ha_op_fail(t);
        ha_close_plist(fapl);
        return -1;
    }
    switch ((ha_fmode)t->ival) {
    case HA_FMODE_R:
        fid = H5Fopen(t->name, H5F_ACC_RDONLY, fapl);
        break;
    case HA_FMODE_RW:
        fid = H5Fopen(t->name, H5F_ACC_RDWR, fapl);
        break;
    case HA_FMODE_TRUNC:
        fid = H5Fcreate(t->name, H5F_ACC_TRUNC, fcpl, fapl);
        break;
    case HA_FMODE_EXCL:
        fid = H5Fcreate(t->name, H5F_ACC_EXCL, fcpl, fapl);
        break;
    case HA_FMODE_APPEND:
        if (access(t->name, F_OK) == 0)
            fid = H5Fopen(t->name, H5F_ACC_RDWR, fapl);
        else
            fid = H5Fcreate(t->name, H5F_ACC_EXCL, fcpl, fapl);
        break;
    }
    ha_close_plist(fapl); /* keeps a pending error stack (h5desc.c) */
    if (fcpl != H5P_DEFAULT)
        ha_close_plist(fcpl);
    if (fid < 0) {
        ha_op_fail(t);
        /* Whatever HDF5 tripped on inside a file it cannot open (a cut
         * superblock reads as a "bad value"), the file is the problem. */
        if (t->error->code != HA_E_IO && t->error->code != HA_E_NOMEM)
            t->error->code = HA_E_IO;
        return -1;
    }
    ha_handle_set_open(t->target, fid);
    return 0;
}

int ha_op_file_close(ha_task *t)
{
    if (t->obj->state != HA_H_OPEN)
        return 0; /* never opened (the open's own error was reported) */
    return ha_handle_close_now(t->obj) < 0 ? ha_op_fail(t) : 0;
}

int ha_op_file_flush(ha_task *t)
{
    hid_t id = ha_op_need(t, t->obj);
    if (id < 0)
        return -1;
    return H5Fflush(id, H5F_SCOPE_LOCAL) < 0 ? ha_op_fail(t) : 0;
}

int ha_op_obj_close(ha_task *t)
{
    return ha_handle_close_now(t->obj) < 0 ? ha_op_fail(t) : 0;
}
