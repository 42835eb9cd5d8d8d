/*
 * Error records: what went wrong in a task, as plain data.
 *
 * The executing thread captures HDF5's error stack into an ha_error right
 * after a call fails; the Python extension later turns the record into an
 * exception of h5py's type.  Records are reference counted because one
 * failure is shared by the event set that reports it and by every later task
 * that fails because of it (a dependency error keeps its root cause).
 */
#ifndef HA_H5ERR_H
#define HA_H5ERR_H

#include <stddef.h>

typedef enum {
    HA_E_NONE = 0,
    HA_E_HDF5,          /* any other HDF5 failure */
    HA_E_NOT_FOUND,     /* object, link or attribute does not exist */
    HA_E_EXISTS,        /* name already exists */
    HA_E_VALUE,         /* HDF5 rejected a value */
    HA_E_TYPE,          /* datatype problem (no conversion path, ...) */
    HA_E_IO,            /* file-system level failure; sys_errno may be set */
    HA_E_READONLY,      /* no write intent on file */
    HA_E_DEPENDENCY,    /* an object this task uses failed to open/create */
    HA_E_CANCELLED,     /* cancelled before it started */
    HA_E_CLOSED,        /* the object or its file was closed */
    HA_E_NOMEM,         /* out of memory in the engine */
    HA_E_OVERFLOW,      /* a value out of the range of the stored integer type */
} ha_ecode;

typedef struct ha_error ha_error;
struct ha_error {
    int refcount;       /* atomic */
    int retrieved;      /* engine mutex: already handed to the user */
    ha_ecode code;
    int sys_errno;      /* errno reported by HDF5's file driver, or 0 */
    char *op;           /* operation name, e.g. "create_group" */
    char *path;         /* object path or file name the operation named */
    char *message;      /* one line: the innermost HDF5 description */
    char *stack;        /* HDF5's whole error stack as text, or NULL */
    ha_error *cause;    /* HA_E_DEPENDENCY: the root failure (owned ref) */
};

/*
 * Capture the calling thread's HDF5 error stack, classify it and clear it.
 * Executing thread only.  Returns a new reference (never NULL: on
 * out-of-memory a static record is returned).
 */
ha_error *ha_error_capture(const char *op, const char *path);

/* A record not coming from HDF5.  Returns a new reference. */
ha_error *ha_error_new(ha_ecode code, const char *op, const char *path,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A dependency failure of `op` on `path` caused by `root` (borrowed). */
ha_error *ha_error_dependency(const char *op, const char *path,
                              ha_error *root);

ha_error *ha_error_ref(ha_error *e);
void ha_error_unref(ha_error *e);

/*
 * A list of error references kept under the engine mutex.  The same failure
 * can sit in two lists (its event set's and its file's); whichever hands it
 * to the user first marks it retrieved, so it is raised once.
 */
typedef struct {
    ha_error **v;
    size_t n, cap;
} ha_errlist;

/* Append a reference to `e` (engine mutex held); 0, or -1 on no memory. */
int ha_errlist_add(ha_errlist *l, ha_error *e);
/* Take the errors not yet retrieved, marking them so, and empty the list
 * (engine mutex held).  Returns a malloc'd array of references, or NULL. */
ha_error **ha_errlist_take(ha_errlist *l, size_t *n);
/* How many are not yet retrieved (engine mutex held). */
size_t ha_errlist_pending(const ha_errlist *l);
/* Drop every reference. */
void ha_errlist_clear(ha_errlist *l);

/* Silence HDF5's automatic error printing on the calling thread. */
void ha_h5err_quiet_thread(void);

#endif
