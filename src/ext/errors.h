/*
 * Core error records to Python exceptions: the one table that maps an
 * ha_ecode to h5py's exception type.
 */
#ifndef HA_EXT_ERRORS_H
#define HA_EXT_ERRORS_H

#include "h5err.h"
#include "task.h"
#include "module.h"

/* A new exception instance for `e` (borrowed), or NULL with an error set. */
PyObject *ha_exc_new(ha_state *st, ha_error *e);

/* Set the Python error for `e` (borrowed); returns NULL. */
PyObject *ha_exc_raise(ha_state *st, ha_error *e);

/*
 * Raise, at submit, the exception of a failure of `op` that the arguments
 * already show (code HA_E_READONLY, ...), typed by the same table as the
 * failures of tasks; `path` may be "".  `st` may be NULL unless `code` is
 * HA_E_DEPENDENCY or HA_E_CANCELLED.  Returns NULL.
 */
PyObject *ha_exc_call(ha_state *st, ha_ecode code, ha_opkind op, const char *path,
                      const char *msg);

/* Raise EventSetError for `n` errors (borrowed); returns NULL. */
PyObject *ha_exc_raise_group(ha_state *st, ha_error **errs, size_t n);

/* Set a Python error for a submit-side check on a handle (ha_handle_check). */
PyObject *ha_exc_handle(ha_state *st, ha_ecode code);

#endif
