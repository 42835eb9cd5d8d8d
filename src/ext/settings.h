/*
 * Configuration and limits at the Python boundary: the environment is
 * checked when the module is imported, set_staging_limit's argument is
 * checked at the call, and running out of wake-up fds says what ran out.
 */
#ifndef HA_EXT_SETTINGS_H
#define HA_EXT_SETTINGS_H

#include <stdint.h>

#include "module.h"

/* 0 when every H5ASYNC_* variable the core reads is valid or unset, else
 * -1 with ValueError naming the variable, its value and the format. */
int ha_settings_check_env(void);

/* set_staging_limit's argument: an int >= 0 (0 restores the default).
 * Returns 0 and stores it, or -1 with TypeError (not an int, or a bool)
 * or ValueError (negative, or beyond 64 bits). */
int ha_staging_limit_arg(PyObject *arg, uint64_t *out);

/* set_threads' argument: an int from 0 (the default) to HA_MAX_THREADS.
 * Returns 0 and stores it, or -1 with TypeError or ValueError. */
int ha_threads_arg(PyObject *arg, int *out);

/* Raise OSError(err, message) for a wake-up fd that could not be opened,
 * saying what ran out; returns NULL. */
PyObject *ha_notify_open_error(int err);

/* _set_bitshuffle_paths(paths): the files where the bitshuffle filter's
 * library may be, tried in order the first time a bitshuffle dataset is
 * met (the package passes HDF5_PLUGIN_PATH's and hdf5plugin's). */
PyObject *ha_set_bitshuffle_paths(PyObject *m, PyObject *arg);

#endif
