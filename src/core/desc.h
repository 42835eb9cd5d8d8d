/*
 * Plain C descriptions of HDF5 datatypes, dataspaces and selections.
 *
 * The submitting thread may make no HDF5 call (DESIGN.md section 2), so it
 * describes what it wants with these structs and the task turns them into
 * HDF5 ids on the executing thread.  Nothing here includes hdf5.h, so the
 * Python extension can fill them in without seeing HDF5 at all.
 */
#ifndef HA_DESC_H
#define HA_DESC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HA_MAX_RANK 32

typedef enum {
    HA_T_INT = 1,     /* signed integer of `size` bytes */
    HA_T_UINT,        /* unsigned integer */
    HA_T_FLOAT,       /* IEEE float of 2, 4 or 8 bytes */
    HA_T_BOOL,        /* h5py's bool: an int8 enum FALSE=0, TRUE=1 */
    HA_T_COMPLEX,     /* h5py's complex: compound {r, i} of two floats */
    HA_T_BYTES,       /* fixed-length string of `size` bytes */
    HA_T_VLSTR,       /* variable-length string (char* in memory) */
    HA_T_COMPOUND,    /* struct with named fields */
    HA_T_ENUM,        /* integer enum with named values */
    HA_T_ARRAY,       /* fixed-shape array of `base` (numpy subarray dtype) */
    HA_T_OPAQUE,      /* anything else, read as raw bytes */
    HA_T_REF,         /* object reference (hobj_ref_t: 8 bytes, a PyObject *
                         slot for numpy, like a vlen string) */
    HA_T_VLSEQ,       /* variable-length sequence of `base` (h5py.vlen_dtype):
                         hvl_t (16 bytes) for HDF5, a PyObject * for numpy,
                         at any depth (see `osize`) */
    HA_T_REGREF,      /* dataset region reference (hdset_reg_ref_t: 12 bytes, a
                         PyObject * slot for numpy) */
} ha_tclass;

/* Bytes of a dataset region reference (HDF5's hdset_reg_ref_t). */
#define HA_REGREF_SIZE 12

typedef enum { HA_ORDER_LE = 0, HA_ORDER_BE = 1 } ha_order;
typedef enum { HA_CSET_ASCII = 0, HA_CSET_UTF8 = 1 } ha_cset;

typedef struct ha_type ha_type;

typedef struct {
    char *name;
    size_t offset;    /* in HDF5's memory layout */
    size_t ooffset;   /* in the object layout (see ha_type.osize) */
    ha_type *type;
} ha_field;

typedef struct {
    char *name;
    int64_t value;
} ha_enum_member;

/*
 * A datatype description.  A tree for compound types; every node and string
 * is owned by its parent and released by ha_type_free().
 */
struct ha_type {
    ha_tclass cls;
    size_t size;      /* bytes of one element in HDF5's memory layout */
    /*
     * Bytes of one element in the object layout, numpy's, where every
     * variable-length sequence is one pointer-sized slot (a PyObject *)
     * instead of an hvl_t.  Equal to `size` for types without sequences.
     * HDF5 sees `size`/`offset`, numpy `osize`/`ooffset`; the extension
     * converts between the two when it stages and fills.
     */
    size_t osize;
    ha_order order;
    ha_cset cset;     /* for strings */
    int nullpad;      /* HA_T_BYTES: 1 = null padded (numpy 'S'), 0 = null terminated */
    int nfields;      /* HA_T_COMPOUND fields or HA_T_ENUM members */
    ha_field *fields;
    ha_enum_member *members;
    ha_type *base;    /* HA_T_ENUM: the integer base type; HA_T_ARRAY: element */
    char *tag;        /* HA_T_OPAQUE: HDF5's tag (h5py: the numpy dtype's str), or NULL */
    int arank;        /* HA_T_ARRAY: shape of one element */
    uint64_t adims[HA_MAX_RANK];
};

/* Allocation helpers; all return NULL on out-of-memory.  A new type has
 * osize == size, except a sequence: a pointer. */
ha_type *ha_type_new(ha_tclass cls, size_t size, ha_order order);

/*
 * HDF5's layout of a type described in the object layout (from numpy):
 * each sequence slot widens to an hvl_t and the fields after it in a
 * compound move up by the growth, gaps kept.  Sets size and offset from
 * osize and ooffset, at every depth.  (Types read from HDF5 keep HDF5's
 * layout and lay numpy's fields at the same offsets, as h5py does:
 * a sequence uses the first pointer of its hvl_t's room.)
 */
void ha_type_widen(ha_type *t);

/* Whether `t` has, at any depth, data HDF5 allocates on read (strings,
 * sequences), or slots that are Python objects for numpy (those and
 * object references). */
int ha_type_has_vlen(const ha_type *t);
int ha_type_has_objects(const ha_type *t);
/* A slot may be unaligned (numpy packs structured dtypes: an array of a
 * 35-byte compound puts its pointers anywhere): read and write it whole. */
static inline void *ha_slot_get(void *const *slot)
{
    void *p;
    memcpy(&p, slot, sizeof p);
    return p;
}
static inline void ha_slot_set(void **slot, const void *p) { memcpy(slot, &p, sizeof p); }
ha_type *ha_type_copy(const ha_type *t);
/* Whether `a` and `b` describe the same type, layouts, names and all. */
int ha_type_equal(const ha_type *a, const ha_type *b);
/* A copy of `n` elements of `t` in HDF5's layout, with what their strings
 * and sequences point at, in one malloc'd block of *nbytes (vlen.c).  NULL
 * on out-of-memory.  No HDF5 call: any thread. */
void *ha_vlen_dup(const ha_type *t, size_t n, const void *src, size_t *nbytes);
void ha_type_free(ha_type *t);

/* A dataspace extent: rank 0 is a scalar; `null` is H5S_NULL. */
typedef struct {
    int rank;
    int null;
    uint64_t dims[HA_MAX_RANK];
    uint64_t maxdims[HA_MAX_RANK]; /* HA_UNLIMITED for None */
} ha_extent;

#define HA_UNLIMITED UINT64_MAX

typedef enum {
    HA_SEL_ALL = 0,   /* the whole extent */
    HA_SEL_NONE,      /* nothing (a zero-length selection) */
    HA_SEL_SLAB,      /* one regular hyperslab: start, stride, count; with a
                         list axis, the union over the listed positions */
    HA_SEL_POINTS,    /* npoints coordinates, row-major (boolean masks) */
    HA_SEL_REGION,    /* the selection a dataset region reference holds */
} ha_selkind;

/*
 * A selection in a dataspace.  For a memory buffer, `dims` is the extent of
 * the buffer; for a dataset, the dataset's own extent is used and `dims` is
 * ignored.
 */
typedef struct {
    ha_selkind kind;
    int rank;
    uint64_t dims[HA_MAX_RANK];
    uint64_t start[HA_MAX_RANK];
    uint64_t stride[HA_MAX_RANK];
    uint64_t count[HA_MAX_RANK];
    int list_axis;          /* SLAB: -1, or the axis indexed by `list` */
    uint64_t *list;         /* increasing positions on list_axis (owned) */
    uint64_t nlist;
    uint64_t *points;       /* POINTS: npoints * rank coordinates (owned) */
    uint64_t npoints;
    unsigned char region[HA_REGREF_SIZE]; /* REGION: the reference */
} ha_sel;

/* Free what a selection owns (list, points) and forget it. */
void ha_sel_clear(ha_sel *s);

/* Dataset creation options (h5py's create_dataset keywords). */
typedef struct {
    int chunked;                 /* 1: use chunk[]; the rank is the dataset's */
    uint64_t chunk[HA_MAX_RANK];
    int gzip;                    /* -1: none, else deflate level 0..9 */
    int lzf;                     /* h5py's lzf filter (32000) */
    int filter_id;               /* 0, or a plugin filter by id (compression=<id>) */
    int filter_ncd;              /* with its cd_values */
    unsigned filter_cd[8];
    int track_times;             /* store the object's times (h5py's default: no) */
    /* Zero means HDF5's default for each: a zeroed ha_dcpl asks for nothing. */
    int fill_time_set;           /* fill_time holds an H5D_fill_time_t */
    int fill_time;
    int scaleoffset_set;         /* the scale-offset filter, with factor scaleoffset: */
    int scaleoffset;             /* bits kept (integers, 0: found by HDF5) or decimal
                                    digits (floats) */
    int shuffle;
    int fletcher32;
    void *fill;                  /* NULL or one element in the dataset's type; owned */
    int track_order;
    int is_virtual;              /* layout H5D_VIRTUAL (mappings: ha_vmap) */
    int opens_files;             /* read back: virtual, or external storage: a
                                    transfer opens other files */
} ha_dcpl;

/*
 * One mapping of a virtual dataset: the elements `vsel` of the virtual
 * dataset's extent are the elements `ssel` of dataset `dset` (extent `src`)
 * in file `file` ("." for the virtual dataset's own file).
 */
typedef struct {
    ha_sel vsel;
    char *file;                  /* owned (malloc) */
    char *dset;                  /* owned (malloc) */
    ha_extent src;
    ha_sel ssel;
} ha_vmap;

/* Free `n` mappings and what they own, and the array. */
void ha_vmaps_free(ha_vmap *m, int n);

/*
 * A staging buffer of `n` bytes for a queued write (stagepool.c), released
 * with ha_stage_free(p, n) (free() is also correct, only slower next time).
 * Large buffers are reused: filling fresh memory costs mostly page faults
 * (a 64 MiB copy took 4x a copy into touched memory), so a released one
 * goes back to a small pool instead of to the OS.  New large ones are
 * aligned to 2 MiB and asked to be backed by huge pages.  NULL on
 * out-of-memory.
 */
void *ha_stage_alloc(size_t n);
void ha_stage_free(void *p, size_t n);
/* Give the pool's buffers back to the OS (at exit, and for tests). */
void ha_stage_trim(void);
/* The staging cap, which also bounds what the pool keeps (engine.c). */
void ha_stage_pool_limit(uint64_t cap);
/* Bytes the pool holds now, and how long a buffer may wait in it unused
 * before it is freed (default 10 s); for tests. */
size_t ha_stage_pool_bytes(void);
void ha_stage_pool_idle(double seconds);
/* For the engine's fork handlers (engine.c): the pool's mutex. */
void ha_stage_fork_prepare(void);
void ha_stage_fork_parent(void);
void ha_stage_fork_child(void);

/*
 * Checked sizes.  Every count of elements (a product of extents or of
 * selection counts) and every byte size (a count times an item size) is
 * formed with these, so that a shape too large for 64 bits is refused
 * instead of wrapping to a small number.  Each returns 0, or -1 when the
 * exact result does not fit (*out is then unspecified).
 */
static inline int ha_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return __builtin_mul_overflow(a, b, out) ? -1 : 0;
}

/* Elements of an extent or a selection of `rank` counts; a zero count
 * makes it 0 whatever the others are. */
int ha_count_of(int rank, const uint64_t *dims, uint64_t *out);

/* Bytes of `count` elements of `itemsize` bytes, as a size_t. */
int ha_bytes_of(uint64_t count, size_t itemsize, size_t *out);

/* Number of elements a selection covers given the extent dims. */
int ha_sel_npoints(const ha_sel *s, uint64_t *out);

#endif
