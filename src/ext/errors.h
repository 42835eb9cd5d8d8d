/*
 * Core error records to Python exceptions: the one table that maps an
 * ha_ecode to h5py's exception type.
 */
#ifndef HA_EXT_ERRORS_H
#define HA_EXT_ERRORS_H

#include "h5err.h"
#include "module.h"

/* A new exception instance for `e` (borrowed), or NULL with an error set. */
PyObject *ha_exc_new(ha_state *st, ha_error *e);

/* Set the Python error for `e` (borrowed); returns NULL. */
PyObject *ha_exc_raise(ha_state *st, ha_error *e);

/* Raise EventSetError for `n` errors (borrowed); returns NULL. */
PyObject *ha_exc_raise_group(ha_state *st, ha_error **errs, size_t n);

/* Set a Python error for a submit-side check on a handle (ha_handle_check). */
PyObject *ha_exc_handle(ha_state *st, ha_ecode code);

#endif
