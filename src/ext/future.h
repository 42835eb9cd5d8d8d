/*
 * Future: the result of an asynchronous read.  result(timeout), done(),
 * exception(), cancel() and add_done_callback() as in concurrent.futures.
 * Callbacks run on a Python thread: the first h5async call, wait or
 * result() after the read completes (never on the I/O thread).
 */
#ifndef HA_EXT_FUTURE_H
#define HA_EXT_FUTURE_H

#include "engine.h"
#include "module.h"

typedef enum {
    HA_FUT_ARRAY = 0,   /* the result is the array given at creation */
    HA_FUT_ATTR,        /* the result is built from an attribute read */
} ha_futkind;

extern PyType_Spec ha_future_spec;

/*
 * A Future for task `t` (a new reference is taken) producing `array`
 * (borrowed, may be NULL).  The task must not have been queued yet: this
 * attaches the hold that fires the callbacks.
 */
PyObject *ha_future_new(ha_state *st, ha_task *t, PyObject *array, ha_futkind kind);

/* Put strings a read returned into `arr` (dataset.c); 0 or -1. */
int ha_read_finish(ha_task *t, PyObject *arr);

/* Run the callbacks of a finished Future (GIL held). */
void ha_future_fire(PyObject *future);

#endif
