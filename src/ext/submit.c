#include "submit.h"

#include "errors.h"
#include "future.h"

/* How long a wait sleeps with the GIL released before checking signals. */
#define WAIT_SLICE 0.05

int ha_hold(ha_task *t, PyObject *obj, int writable)
{
    ha_pyhold *h = PyMem_RawCalloc(1, sizeof *h);
    if (!h) {
        PyErr_NoMemory();
        return -1;
    }
    if (writable) {
        if (PyObject_GetBuffer(obj, &h->view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
            PyMem_RawFree(h);
            return -1;
        }
        h->has_view = 1;
    }
    h->obj = Py_NewRef(obj);
    t->user = h;
    t->extra_bytes += sizeof *h;
    return 0;
}

static void release_hold(ha_task *t, void *arg)
{
    (void)arg;
    ha_pyhold *h = t->user;
    t->user = NULL;
    if (!h)
        return;
    if (h->has_view)
        PyBuffer_Release(&h->view);
    Py_XDECREF(h->obj);
    if (h->future) {
        ha_future_fire(h->future);
        Py_DECREF(h->future);
    }
    PyMem_RawFree(h);
}

/* Closes that failed with nobody waiting (an object dropped unclosed):
 * a RuntimeWarning each, as h5py's unraisable errors would be. */
static void warn_orphans(void)
{
    size_t n = 0;
    ha_error **errs = ha_take_orphan_failures(&n);
    if (!n)
        return;
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    for (size_t i = 0; i < n; i++) {
        if (PyErr_WarnFormat(PyExc_RuntimeWarning, 1,
                             "h5async: closing '%s', which the program did not close, "
                             "failed: %s",
                             errs[i]->path, errs[i]->message ? errs[i]->message : "") < 0)
            PyErr_WriteUnraisable(NULL);
        ha_error_unref(errs[i]);
    }
    free(errs);
    PyErr_Restore(et, ev, tb);
}

void ha_reap_python(void)
{
    ha_reap(release_hold, NULL);
    warn_orphans();
}

int ha_wait_task(ha_task *t)
{
    for (;;) {
        int done;
        Py_BEGIN_ALLOW_THREADS
        done = ha_run_wait(t, WAIT_SLICE);
        Py_END_ALLOW_THREADS
        if (done)
            return 0;
        if (PyErr_CheckSignals() < 0)
            return -1; /* the task goes on; its resources stay held */
    }
}

int ha_run_sync(ha_state *st, ha_task *t)
{
    int rc;
    ha_reap_python();
    Py_BEGIN_ALLOW_THREADS
    rc = ha_run(t, WAIT_SLICE);
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        PyErr_SetString(PyExc_RuntimeError, "h5async: cannot start the I/O thread");
        return -1;
    }
    if (rc == 0 && (PyErr_CheckSignals() < 0 || ha_wait_task(t) < 0))
        return -1;
    ha_reap_python();
    if (t->status != HA_DONE) {
        ha_exc_raise(st, t->error);
        return -1;
    }
    return 0;
}

/* Backpressure: wait, GIL released and Ctrl-C honoured, for staging room,
 * and reserve it for `t` (engine.h, ha_stage_reserve). */
static int reserve_room(ha_task *t)
{
    uint64_t nbytes = ha_task_footprint(t);
    for (;;) {
        int room;
        Py_BEGIN_ALLOW_THREADS
        room = ha_stage_reserve(nbytes, WAIT_SLICE);
        Py_END_ALLOW_THREADS
        if (room) {
            t->reserved = nbytes;
            return 0;
        }
        if (PyErr_CheckSignals() < 0)
            return -1;
    }
}

int ha_dispatch(ha_state *st, ha_task *t, ha_eventset *es)
{
    return es ? ha_queue(st, t, es) : ha_run_sync(st, t);
}

int ha_queue(ha_state *st, ha_task *t, ha_eventset *es)
{
    /* After the exit drain began, nothing waits for queued work any more:
     * run it now and raise its failure here (engine.h, "Process exit"). */
    if (ha_exiting())
        return ha_run_sync(st, t);
    ha_reap_python();
    /* Every queued task counts against the cap, not only staged writes:
     * 300,000 tiny writes hold more memory than their payload says. */
    if (reserve_room(t) < 0)
        return -1;
    if (es)
        t->es = ha_es_ref(es);
    int rc = ha_submit(t);
    if (rc < 0 && t->reserved) {
        ha_stage_unreserve(t->reserved); /* not queued: give the room back */
        t->reserved = 0;
    }
    if (rc == HA_SUBMIT_ES_CLOSED) {
        /* Closed by another thread or by a callback run above. */
        PyErr_SetString(PyExc_ValueError, "the event set is closed");
        return -1;
    }
    if (rc < 0) {
        PyErr_SetString(PyExc_RuntimeError, "h5async: cannot start the I/O thread");
        return -1;
    }
    return 0;
}
