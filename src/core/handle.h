/*
 * Handles: reference-counted core objects standing for one HDF5 object.
 *
 * A handle exists before its HDF5 id does: the submitting thread creates it
 * and hands it to the task that opens or creates the object, which fills in
 * `hid` on the executing thread.  If that task fails the handle keeps the
 * failure, and every later task that uses the handle fails with a dependency
 * error naming it.
 *
 * Fields are split by the thread that owns them:
 *  - executor fields (hid, state, error, child links) are touched only by
 *    whoever holds the engine's execution right (the I/O thread or an inline
 *    caller), so they need no lock;
 *  - submitter fields (closing, readonly) are set by the submitting side
 *    before the tasks that depend on them are queued;
 *  - refcount is atomic and may be changed from any thread.
 */
#ifndef HA_HANDLE_H
#define HA_HANDLE_H

#include <stdint.h>

#include "h5err.h"

typedef enum {
    HA_OBJ_FILE = 1,
    HA_OBJ_GROUP,
    HA_OBJ_DATASET,
    HA_OBJ_DATATYPE,
    HA_OBJ_ATTR,
} ha_objkind;

typedef enum {
    HA_H_PENDING = 0,   /* the task that opens it has not run yet */
    HA_H_OPEN,
    HA_H_FAILED,        /* opening failed: see error */
    HA_H_CLOSED,
} ha_hstate;

typedef struct ha_handle ha_handle;
struct ha_handle {
    int refcount;
    ha_objkind kind;
    unsigned gen;           /* engine generation; changes in a forked child */
    char *path;             /* for messages: object path or file name */
    ha_handle *file;        /* owned ref to the file's handle; NULL for a file */

    /* executor fields */
    int64_t hid;            /* hid_t, or -1 */
    ha_hstate state;
    ha_error *error;        /* owned; set when state is HA_H_FAILED */
    ha_handle *children;    /* file: open child handles (not owned) */
    ha_handle *sib_next, *sib_prev;
    ha_handle *open_next, *open_prev; /* engine's list of open files */
    ha_handle *defer_next;  /* engine mutex: in the list of deferred closes */

    /* engine mutex: failures of asynchronous operations on this file, so
     * that closing the file can raise those nobody has retrieved */
    ha_errlist pending;

    int fd;                 /* file: the POSIX descriptor HDF5 writes through, or -1 */
    void *pipe;             /* dataset: chunkpipe.c's description of it (plain
                               malloc'd data, freed with the handle), or NULL */
    void *xcache;           /* dataset: xfercache.c's ids, closed with it, or NULL */
    int opens_files;        /* dataset: virtual or external storage, whose
                               transfers open other files (set by the task
                               that opened it, read under the engine mutex) */

    /* submitter fields */
    int closing;            /* close submitted: no new operations */
    int readonly;           /* file opened without write intent */
};

/*
 * Create a handle of `kind` for `path`, in `file` (borrowed, may be NULL for
 * a file).  Returns a new reference or NULL on out-of-memory.
 */
ha_handle *ha_handle_new(ha_objkind kind, const char *path, ha_handle *file);

ha_handle *ha_handle_ref(ha_handle *h);

/*
 * Drop a reference.  When the last reference goes and the HDF5 object is
 * open, it must be closed by whoever may call HDF5: on the executing thread
 * this happens at once, on any other thread a close task is queued.
 */
void ha_handle_unref(ha_handle *h);

/* The file handle this handle belongs to (itself for a file). */
static inline ha_handle *ha_handle_file(ha_handle *h)
{
    return h->file ? h->file : h;
}

/*
 * Whether new operations may be submitted on `h`: 0 if so, otherwise
 * HA_E_CLOSED (it or its file was closed) or HA_E_DEPENDENCY (it was
 * inherited from the parent of a forked process).  Submitting thread.
 */
ha_ecode ha_handle_check(const ha_handle *h);

/* Executor side: record that `h` is open as `hid`, or failed with `err`
 * (borrowed). */
void ha_handle_set_open(ha_handle *h, int64_t hid);
void ha_handle_set_failed(ha_handle *h, ha_error *err);

/* Executor side: close the HDF5 object now (a file closes its children
 * first).  Returns 0, or -1 with HDF5's error stack left to capture. */
int ha_handle_close_now(ha_handle *h);

/* Executor side: close every open file (used at shutdown); the failures
 * are added to `failed` (may be NULL). */
void ha_handle_close_all_files(ha_errlist *failed);

/* Take the unretrieved failures of operations on file `f` (see
 * ha_errlist_take); any thread. */
ha_error **ha_handle_take_errors(ha_handle *f, size_t *n);

/* Executor side: close and free a handle whose close was deferred. */
void ha_handle_finish_deferred(ha_handle *h);

/* In a forked child: point the parent's open files at a sink, so HDF5's
 * exit handler here never writes to them, and forget them. */
void ha_handle_abandon_inherited_files(void);

#endif
