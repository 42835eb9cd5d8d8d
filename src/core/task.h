/*
 * Tasks: one HDF5 operation with its arguments, the buffers it owns, its
 * handles, status, error record and timestamps.
 *
 * Ownership: a task is reference counted.  ha_task_new() returns the
 * caller's reference; ha_submit() adds the engine's, which the engine drops
 * when the task completes (or, when `user` is set, after the extension has
 * reaped it on a thread that may touch Python objects).  Everything the task
 * points to (strings, types, buffers with own_buf, handle and event set
 * references, result data) is released with the last reference.
 */
#ifndef HA_TASK_H
#define HA_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "desc.h"
#include "eventset.h"
#include "h5err.h"
#include "handle.h"

typedef enum {
    HA_OP_FILE_OPEN = 0,
    HA_OP_FILE_CLOSE,
    HA_OP_FILE_FLUSH,
    HA_OP_OBJ_CLOSE,        /* close one handle's HDF5 object */
    HA_OP_OBJ_OPEN,         /* open `name` under obj into target; result: info */
    HA_OP_OBJ_INFO,         /* fileno and address/token of obj */
    HA_OP_GROUP_CREATE,
    HA_OP_LINK_EXISTS,      /* result.ival = 1 if `name` exists under obj */
    HA_OP_LINK_LIST,        /* result.names */
    HA_OP_LINK_DELETE,
    HA_OP_DSET_CREATE,
    HA_OP_DSET_WRITE,
    HA_OP_DSET_READ,
    HA_OP_DSET_RESIZE,
    HA_OP_ATTR_WRITE,       /* ival: 0 = create (replace), 1 = modify, 2 = modify
                               refusing values out of an integer type's range */
    HA_OP_ATTR_READ,        /* result: type, extent, data */
    HA_OP_ATTR_EXISTS,
    HA_OP_ATTR_LIST,
    HA_OP_ATTR_DELETE,
    HA_OP_LINK_HARD,        /* name under obj -> obj2 */
    HA_OP_LINK_SOFT,        /* name under obj -> path name2 */
    HA_OP_LINK_EXTERNAL,    /* name under obj -> file name2, path name3 */
    HA_OP_LINK_INFO,        /* result.ival = link class; names = value(s) */
    HA_OP_LINK_MOVE,        /* name -> name2 (both under obj) */
    HA_OP_OBJ_COPY,         /* name under obj -> name2 under obj2; ival flags */
    HA_OP_VISIT,            /* result.names = every object's path under obj; with
                               ival, every link's once (H5Lvisit) */
    HA_OP_LIBVERSION,       /* result.ival = major*1000000 + minor*1000 + release */
    HA_OP_FILTER_INFO,      /* filter ival: result.ival 1 if HDF5 has it (ours
                               registered first), result.token[0] its config flags */
    HA_OP_OBJ_REF,          /* result.token[0] = an object reference to obj */
    HA_OP_REF_OPEN,         /* open the object reference ival points at, in obj's
                               file, into target; result as OBJ_OPEN, names[0]
                               its path.  ival2 = 1: the region reference in
                               fsel.region, opening its dataset */
    HA_OP_REGREF_CREATE,    /* a region reference to fsel of dataset obj, in
                               result.data (HA_REGREF_SIZE bytes) */
    HA_OP_REGREF_INFO,      /* the region reference in fsel.region: result.extent
                               its dataset's extent; result.data the selection's
                               shape as h5py guesses it (result.ival dims, -1 for
                               none); result.token[0] 1 if its dataset is obj */
    HA_OP_TYPE_COMMIT,      /* commit ftype as `name` under obj */
    HA_OP_FILE_INFO,        /* obj's file: result.names = {driver, libver low,
                               libver high}, ival = 1 in SWMR mode,
                               token = {userblock size, meta block size} */
    HA_OP_DSET_FLUSH,       /* H5Dflush of obj */
    HA_OP_DSET_REFRESH,     /* H5Drefresh of obj; result.extent: its new extent */
    HA_OP_CRT_ORDER,        /* result.ival: obj's link | attribute << 8 creation-order
                               flags; ival 1: a file as itself, not its root */
    HA_OP_VDS_LIST,         /* result.names: file, dataset of each mapping of the
                               virtual dataset obj */
    HA_OP_NOOP,             /* does nothing: tests and barriers */
    HA_OP_CODEC_ENCODE,     /* never submitted: the trace records of codec */
    HA_OP_CODEC_DECODE,     /* workers' chunks (ha_trace_codec) */
    HA_OP_SLEEP,            /* sleeps ival microseconds: tests */
    HA_OP_FAIL,             /* fails with HA_E_HDF5: tests */
    HA_OP__COUNT
} ha_opkind;

/* HA_OP_FILE_OPEN: ival is the mode, ival2 the driver. */
typedef enum {
    HA_FMODE_R = 0,     /* 'r'  read only, must exist */
    HA_FMODE_RW,        /* 'r+' read/write, must exist */
    HA_FMODE_TRUNC,     /* 'w'  create, truncate if exists */
    HA_FMODE_EXCL,      /* 'w-' / 'x' create, fail if exists */
    HA_FMODE_APPEND,    /* 'a'  read/write if exists, create otherwise */
} ha_fmode;

/* h5py's libver names; -1 in ha_fopt leaves HDF5's default. */
typedef enum {
    HA_LIBVER_EARLIEST = 0,
    HA_LIBVER_V18,
    HA_LIBVER_V110,
    HA_LIBVER_V112,
    HA_LIBVER_V114,
    HA_LIBVER_LATEST,
} ha_libver;

/* File creation and access options besides mode and driver. */
typedef struct {
    int libver_lo, libver_hi;   /* ha_libver, or -1 */
    uint64_t userblock;         /* bytes, 0 for none */
    int mpio;                   /* parallel HDF5: open with the MPI-IO driver */
    int64_t comm_f;             /* ... on this communicator (Fortran handle) */
    /* h5py's other File() keywords.  A field counts only when its bit is in
     * `set`, so that a zeroed ha_fopt leaves every HDF5 default alone. */
    unsigned set;               /* or of HA_FOPT_* */
    int track_order;            /* root group tracks link/attribute creation order */
    int swmr_read;              /* mode 'r': open with H5F_ACC_SWMR_READ */
    int locking;                /* HA_FOPT_LOCKING: 0 off, 1 on, 2 best effort */
    uint64_t rdcc_nslots, rdcc_nbytes; /* HA_FOPT_RDCC_NSLOTS / _NBYTES */
    double rdcc_w0;             /* HA_FOPT_RDCC_W0 */
    int fs_strategy;            /* HA_FOPT_FSPACE: ha_fspace */
    int fs_persist;
    uint64_t fs_threshold;
    uint64_t fs_page_size;      /* 0: HDF5's default */
    uint64_t page_buf_size;     /* 0: no page buffer */
    unsigned min_meta_keep, min_raw_keep; /* percent, with page_buf_size */
    uint64_t meta_block_size;   /* HA_FOPT_META_BLOCK */
    uint64_t align_threshold, align_interval; /* HA_FOPT_ALIGN */
} ha_fopt;

enum {
    HA_FOPT_RDCC_NSLOTS = 1,
    HA_FOPT_RDCC_NBYTES = 2,
    HA_FOPT_RDCC_W0 = 4,
    HA_FOPT_LOCKING = 8,
    HA_FOPT_FSPACE = 16,
    HA_FOPT_META_BLOCK = 32,
    HA_FOPT_ALIGN = 64,
};

/* h5py's fs_strategy names. */
typedef enum {
    HA_FSPACE_FSM = 0,      /* "fsm" */
    HA_FSPACE_PAGE,         /* "page" */
    HA_FSPACE_AGGREGATE,    /* "aggregate" */
    HA_FSPACE_NONE,         /* "none" */
} ha_fspace;

typedef enum {
    HA_DRIVER_DEFAULT = 0,
    HA_DRIVER_CORE,         /* in memory, written back at close */
    HA_DRIVER_CORE_NOSTORE, /* in memory only; t->buf (nbytes), if set, is
                               the initial file image (File.in_memory) */
    HA_DRIVER_STDIO,        /* C stdio */
} ha_driver;

/* HA_OP_OBJ_COPY: ival is an or of these (h5py's copy() keywords). */
enum {
    HA_COPY_SHALLOW = 1,
    HA_COPY_EXPAND_SOFT = 2,
    HA_COPY_EXPAND_EXTERNAL = 4,
    HA_COPY_EXPAND_REFS = 8,
    HA_COPY_WITHOUT_ATTRS = 16,
};

typedef enum {
    HA_QUEUED = 0,
    HA_RUNNING,
    HA_DONE,
    HA_FAILED,
    HA_CANCELLED,
} ha_status;

/* What an operation returns besides success. */
typedef struct {
    ha_objkind kind;        /* OBJ_OPEN: what was opened */
    ha_type *type;          /* OBJ_OPEN dataset / ATTR_READ: datatype (owned) */
    ha_extent extent;       /* OBJ_OPEN dataset / ATTR_READ: dataspace */
    ha_dcpl dcpl;           /* OBJ_OPEN dataset: creation options */
    void *data;             /* ATTR_READ: values, malloc'd (owned) */
    size_t nbytes;
    char **names;           /* LINK_LIST / ATTR_LIST (owned) */
    size_t nnames;
    int64_t ival;
    uint64_t token[2];      /* OBJ_INFO */
} ha_result;

typedef struct ha_task ha_task;
struct ha_task {
    ha_task *next, *prev;   /* engine queue links, embedded */
    ha_task *reap_next;
    int refcount;
    ha_opkind op;
    ha_status status;       /* written under the engine mutex */
    ha_error *error;        /* owned; set when FAILED or CANCELLED */
    ha_eventset *es;        /* owned ref or NULL */

    /* arguments */
    ha_handle *obj;         /* object operated on (owned ref) */
    ha_handle *target;      /* object this task opens or creates (owned ref) */
    ha_handle *obj2;        /* second object: link target, copy destination (owned ref) */
    char *name;             /* link, attribute or file name (owned) */
    char *name2;            /* second name: link value, destination name (owned) */
    char *name3;            /* external link: object path in the other file (owned) */
    ha_type *type;          /* memory type (owned) */
    ha_type *ftype;         /* file type for create (owned) */
    ha_extent extent;       /* dataspace for create; new size for resize */
    ha_dcpl dcpl;           /* dataset creation options (fill owned) */
    ha_vmap *vmaps;         /* DSET_CREATE with dcpl.is_virtual: mappings (owned) */
    int nvmaps;
    ha_sel fsel, msel;      /* file and memory selections */
    void *buf;              /* data buffer */
    size_t nbytes;
    int own_buf;            /* 1: buf is malloc'd and freed with the task */
    uint64_t extra_bytes;   /* memory held for it outside the task (a read's
                               result array, the extension's hold): counted
                               against the staging cap with the rest */
    uint64_t footprint;     /* engine mutex: its count against the cap */
    uint64_t reserved;      /* room taken by ha_stage_reserve() for it, or 0 */
    int64_t ival;           /* op-specific integer */
    int64_t ival2;
    ha_fopt fopt;           /* HA_OP_FILE_OPEN */
    int collective;         /* parallel HDF5: a collective transfer */

    ha_result result;
    void *user;             /* extension data, reaped on a Python thread */

    double t_submit, t_start, t_end; /* monotonic seconds */
    int ran_inline;         /* executed on a calling thread (the inline fast
                               path, or a waiting thread helping) */
    int waited;             /* engine mutex: someone has waited for it */
    uint64_t seq;           /* engine mutex: submission order, from 1 */
};

/* A new task of kind `op` with the caller's reference, or NULL. */
ha_task *ha_task_new(ha_opkind op);
ha_task *ha_task_ref(ha_task *t);
void ha_task_unref(ha_task *t);

/*
 * The memory `t` holds while queued: the task itself, its owned buffer,
 * types and selection lists, and extra_bytes.  The staging cap bounds the
 * sum over queued tasks, so that many small operations are bounded as
 * surely as a few large ones.
 */
uint64_t ha_task_footprint(const ha_task *t);

/* The operation's name for messages ("create_group"). */
const char *ha_op_name(ha_opkind op);

/*
 * Run the task's operation.  Executing thread only; returns 0 on success or
 * -1 with t->error set.  Defined in ops.c, dispatching to ops_*.c.
 */
int ha_task_execute(ha_task *t);

#endif
