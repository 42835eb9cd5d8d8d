/* File operations: open/create, flush, close; and closing any object. */
#include <stdlib.h>
#include <string.h>
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

static H5F_fspace_strategy_t fspace(int v)
{
    switch (v) {
    case HA_FSPACE_PAGE:
        return H5F_FSPACE_STRATEGY_PAGE;
    case HA_FSPACE_AGGREGATE:
        return H5F_FSPACE_STRATEGY_AGGR;
    case HA_FSPACE_NONE:
        return H5F_FSPACE_STRATEGY_NONE;
    default:
        return H5F_FSPACE_STRATEGY_FSM_AGGR;
    }
}

static hid_t make_fcpl(ha_task *t)
{
    const ha_fopt *o = &t->fopt;
    if (!o->userblock && !o->track_order && !(o->set & HA_FOPT_FSPACE))
        return H5P_DEFAULT;
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl < 0)
        return fcpl;
    herr_t rc = 0;
    if (o->userblock)
        rc = H5Pset_userblock(fcpl, o->userblock);
    /* h5py's track_order on a file: the root group's links and attributes. */
    if (rc >= 0 && o->track_order)
        rc = H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
                     H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0
                 ? -1 : 0;
    if (rc >= 0 && (o->set & HA_FOPT_FSPACE)) {
        rc = H5Pset_file_space_strategy(fcpl, fspace(o->fs_strategy), (hbool_t)o->fs_persist,
                                        (hsize_t)o->fs_threshold);
        if (rc >= 0 && o->fs_page_size && o->fs_strategy == HA_FSPACE_PAGE)
            rc = H5Pset_file_space_page_size(fcpl, (hsize_t)o->fs_page_size);
    }
    if (rc < 0) {
        ha_close_plist(fcpl);
        return H5I_INVALID_HID;
    }
    return fcpl;
}

/* Cache, page buffer, metadata blocks, alignment and locking: h5py's
 * make_fapl() keywords, in its order. */
static herr_t set_fapl_tuning(hid_t fapl, const ha_fopt *o)
{
    herr_t rc = 0;
    if (o->set & HA_FOPT_ALIGN)
        rc = H5Pset_alignment(fapl, (hsize_t)o->align_threshold, (hsize_t)o->align_interval);
    if (rc >= 0 && (o->set & (HA_FOPT_RDCC_NSLOTS | HA_FOPT_RDCC_NBYTES | HA_FOPT_RDCC_W0))) {
        int mdc = 0;
        size_t nslots = 0, nbytes = 0;
        double w0 = 0;
        rc = H5Pget_cache(fapl, &mdc, &nslots, &nbytes, &w0);
        if (o->set & HA_FOPT_RDCC_NSLOTS)
            nslots = (size_t)o->rdcc_nslots;
        if (o->set & HA_FOPT_RDCC_NBYTES)
            nbytes = (size_t)o->rdcc_nbytes;
        if (o->set & HA_FOPT_RDCC_W0)
            w0 = o->rdcc_w0;
        if (rc >= 0)
            rc = H5Pset_cache(fapl, mdc, nslots, nbytes, w0);
    }
    if (rc >= 0 && o->page_buf_size)
        rc = H5Pset_page_buffer_size(fapl, (size_t)o->page_buf_size, o->min_meta_keep,
                                     o->min_raw_keep);
    if (rc >= 0 && (o->set & HA_FOPT_META_BLOCK))
        rc = H5Pset_meta_block_size(fapl, (hsize_t)o->meta_block_size);
    if (rc >= 0 && (o->set & HA_FOPT_LOCKING)) {
        /* H5Pset_file_locking came with 1.10.7 and 1.12.1. */
#if H5_VERSION_GE(1, 12, 1) || (H5_VERSION_GE(1, 10, 7) && !H5_VERSION_GE(1, 11, 0))
        rc = H5Pset_file_locking(fapl, o->locking != 0, o->locking == 2);
#else
        H5Epush2(H5E_DEFAULT, __FILE__, __func__, __LINE__, H5E_ERR_CLS, H5E_PLIST,
                 H5E_UNSUPPORTED, "this HDF5 cannot set file locking (1.10.7 or 1.12.1 can)");
        rc = -1;
#endif
    }
    return rc;
}

static hid_t make_fapl(ha_task *t)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return fapl;
    /* Strong close: when the file id closes, the file really closes; we
     * close every child id first anyway (handle.c). */
    herr_t rc = H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    if (rc >= 0 && t->ival2 == HA_DRIVER_STDIO)
        rc = H5Pset_fapl_stdio(fapl);
    else if (rc >= 0 && t->ival2 != HA_DRIVER_DEFAULT)
        rc = H5Pset_fapl_core(fapl, 64 * 1024 * 1024,
                              t->ival2 == HA_DRIVER_CORE);
    /* File.in_memory(file_image): HDF5 copies the image. */
    if (rc >= 0 && t->ival2 == HA_DRIVER_CORE_NOSTORE && t->buf && t->nbytes)
        rc = H5Pset_file_image(fapl, t->buf, t->nbytes);
    if (rc >= 0)
        rc = set_fapl_tuning(fapl, &t->fopt);
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
        fid = H5Fopen(t->name, H5F_ACC_RDONLY | (t->fopt.swmr_read ? H5F_ACC_SWMR_READ : 0), fapl);
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

static const char *libver_name(H5F_libver_t v)
{
    switch (v) {
    case H5F_LIBVER_EARLIEST:
        return "earliest";
    case H5F_LIBVER_V18:
        return "v108";
    case H5F_LIBVER_V110:
        return "v110";
#if H5_VERSION_GE(1, 12, 0)
    case H5F_LIBVER_V112:
        return "v112";
#endif
#if H5_VERSION_GE(1, 14, 0)
    case H5F_LIBVER_V114:
        return "v114";
#endif
#if H5_VERSION_GE(2, 0, 0)
    case H5F_LIBVER_V200:
        return "v200";
#endif
    default:
        return "latest";
    }
}

static const char *driver_name(hid_t drv)
{
    if (drv == H5FD_SEC2)
        return "sec2";
    if (drv == H5FD_CORE)
        return "core";
    if (drv == H5FD_STDIO)
        return "stdio";
#ifdef H5_HAVE_PARALLEL
    if (drv == H5FD_MPIO)
        return "mpio";
#endif
    return "unknown";
}

/* What h5py's File.driver, libver, userblock_size, meta_block_size and
 * swmr_mode read from HDF5's property lists. */
int ha_op_file_info(ha_task *t)
{
    hid_t id = ha_op_need(t, t->obj);
    if (id < 0)
        return -1;
    /* Any object's file; an extra reference, released below. */
    int own = H5Iget_type(id) != H5I_FILE;
    hid_t fid = own ? H5Iget_file_id(id) : id;
    hid_t fapl = fid < 0 ? -1 : H5Fget_access_plist(fid);
    hid_t fcpl = fid < 0 ? -1 : H5Fget_create_plist(fid);
    unsigned intent = 0;
    H5F_libver_t lo = H5F_LIBVER_EARLIEST, hi = H5F_LIBVER_LATEST;
    hsize_t ublock = 0, mblock = 0;
    int rc = fapl < 0 || fcpl < 0 || H5Fget_intent(fid, &intent) < 0 ||
                     H5Pget_libver_bounds(fapl, &lo, &hi) < 0 ||
                     H5Pget_userblock(fcpl, &ublock) < 0 ||
                     H5Pget_meta_block_size(fapl, &mblock) < 0
                 ? ha_op_fail(t) : 0;
    const char *drv = rc < 0 ? NULL : driver_name(H5Pget_driver(fapl));
    if (fcpl >= 0)
        ha_close_plist(fcpl);
    if (fapl >= 0)
        ha_close_plist(fapl);
    if (own && fid >= 0)
        H5Fclose(fid);
    if (rc < 0)
        return -1;
    char **names = calloc(3, sizeof *names);
    if (!names || !(names[0] = strdup(drv)) || !(names[1] = strdup(libver_name(lo))) ||
        !(names[2] = strdup(libver_name(hi)))) {
        for (int i = 0; names && i < 3; i++)
            free(names[i]);
        free(names);
        return ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
    }
    t->result.names = names;
    t->result.nnames = 3;
    t->result.ival = (intent & (H5F_ACC_SWMR_READ | H5F_ACC_SWMR_WRITE)) != 0;
    t->result.token[0] = ublock;
    t->result.token[1] = mblock;
    return 0;
}

/* SWMR: a writer's H5Dflush, a reader's H5Drefresh (which reports the
 * dataset's new extent, for the extension's cached shape). */
int ha_op_dset_flush(ha_task *t)
{
    hid_t id = ha_op_need(t, t->obj);
    if (id < 0)
        return -1;
    return H5Dflush(id) < 0 ? ha_op_fail(t) : 0;
}

int ha_op_dset_refresh(ha_task *t)
{
    hid_t id = ha_op_need(t, t->obj);
    if (id < 0)
        return -1;
    if (H5Drefresh(id) < 0)
        return ha_op_fail(t);
    hid_t sid = H5Dget_space(id);
    int rc = sid < 0 || ha_extent_from_space(sid, &t->result.extent) < 0 ? ha_op_fail(t) : 0;
    ha_close_space(sid);
    return rc;
}
