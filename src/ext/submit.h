/*
 * Submitting tasks from Python: synchronous or into an event set, waiting
 * with the GIL released and Ctrl-C honoured, and keeping Python objects
 * alive until the task that uses them is done.
 */
#ifndef HA_EXT_SUBMIT_H
#define HA_EXT_SUBMIT_H

#include "engine.h"
#include "module.h"

/*
 * Python resources a task uses (a buffer view, an object reference).  They
 * are attached as task->user and released by ha_reap_python() on a thread
 * holding the GIL, never by the I/O thread.
 */
typedef struct {
    Py_buffer view;
    int has_view;
    PyObject *obj;
    PyObject *future;   /* a Future whose callbacks run when reaped */
} ha_pyhold;

/* Attach a hold on `obj` (and a writable view if `writable`); 0 or -1. */
int ha_hold(ha_task *t, PyObject *obj, int writable);

/* Release what finished tasks held.  GIL held. */
void ha_reap_python(void);

/*
 * Submit `t`.  With `es`, queue it there and return 0 at once.  Without,
 * run it synchronously and raise its error: returns 0 or -1 with an
 * exception set.  Does not consume the caller's task reference.
 */
int ha_dispatch(ha_state *st, ha_task *t, ha_eventset *es);

/* Queue `t`, in event set `es` if not NULL; returns 0 or -1. */
int ha_queue(ha_state *st, ha_task *t, ha_eventset *es);

/* Run `t` synchronously (for operations that return a value). */
int ha_run_sync(ha_state *st, ha_task *t);

/* Wait for a submitted task with the GIL released; -1 on KeyboardInterrupt. */
int ha_wait_task(ha_task *t);

#endif
