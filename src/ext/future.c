/* Future: see future.h. */
#include "future.h"

#include "dtype.h"
#include "errors.h"
#include "np.h"
#include "submit.h"

#define WAIT_SLICE 0.05

typedef struct {
    PyObject_HEAD
    ha_task *t;             /* owned reference */
    PyObject *array;        /* HA_FUT_ARRAY: the array being filled */
    PyObject *callbacks;    /* list, or NULL once fired */
    ha_futkind kind;
    int fired;
    unsigned gen;           /* engine generation it was made in (fork) */
} FutureObject;

#define INHERITED                                                                      \
    "this Future was made before fork(): its operation belongs to the parent "        \
    "process and never completes here; read again in the child"

/* A pending Future inherited across fork() would be waited for for ever. */
static int check_inherited(FutureObject *f)
{
    if (f->gen == ha_generation() || ha_task_status(f->t) >= HA_DONE)
        return 0;
    PyErr_SetString(PyExc_ValueError, INHERITED);
    return -1;
}

PyObject *ha_future_new(ha_state *st, ha_task *t, PyObject *array, ha_futkind kind)
{
    FutureObject *f = PyObject_GC_New(FutureObject, st->FutureType);
    if (!f)
        return NULL;
    f->t = ha_task_ref(t);
    f->array = Py_XNewRef(array);
    f->callbacks = PyList_New(0);
    f->kind = kind;
    f->fired = 0;
    f->gen = ha_generation();
    PyObject_GC_Track(f);
    if (!f->callbacks)
        goto fail;
    /* The task holds the array (kept alive while HDF5 writes into it) and
     * the Future (so its callbacks fire when the task is reaped). */
    if (ha_hold(t, array ? array : Py_None, 0) < 0)
        goto fail;
    ((ha_pyhold *)t->user)->future = Py_NewRef((PyObject *)f);
    /* The result array is memory the queued read holds: count it against
     * the staging cap (engine.h), with the Future itself. */
    t->extra_bytes += sizeof *f + (array ? (uint64_t)PyArray_NBYTES((PyArrayObject *)array) +
                                               sizeof(PyArrayObject_fields) : 0);
    return (PyObject *)f;
fail:
    Py_DECREF(f);
    return NULL;
}

static int is_done(FutureObject *f) { return ha_task_status(f->t) >= HA_DONE; }

/* Wait until done or `timeout` (< 0 forever); -1 with TimeoutError or a
 * signal's exception. */
static int wait_done(FutureObject *f, PyObject *tobj)
{
    double timeout = -1;
    if (tobj && tobj != Py_None) {
        timeout = PyFloat_AsDouble(tobj);
        if (timeout == -1 && PyErr_Occurred())
            return -1;
    }
    double deadline = timeout < 0 ? -1 : ha_now() + timeout;
    if (check_inherited(f) < 0)
        return -1;
    while (!is_done(f)) {
        double slice = WAIT_SLICE;
        if (deadline >= 0) {
            double rem = deadline - ha_now();
            if (rem <= 0) {
                PyErr_SetString(PyExc_TimeoutError, "the read has not finished");
                return -1;
            }
            slice = rem < slice ? rem : slice;
        }
        Py_BEGIN_ALLOW_THREADS
        ha_task_wait(f->t, slice);
        Py_END_ALLOW_THREADS
        if (PyErr_CheckSignals() < 0)
            return -1;
    }
    ha_reap_python();
    return 0;
}

static PyObject *attr_result(ha_task *t)
{
    PyArray_Descr *d = ha_descr_from_type(t->result.type);
    if (!d)
        return NULL;
    npy_intp dims[HA_MAX_RANK];
    int rank = t->result.extent.null ? 1 : t->result.extent.rank;
    for (int i = 0; i < rank; i++)
        dims[i] = t->result.extent.null ? 0 : (npy_intp)t->result.extent.dims[i];
    PyObject *a = ha_array_from_result(t->result.type, d, rank, dims, t->result.data);
    Py_DECREF(d);
    return a;
}

/* The result or exception of a finished Future: one is NULL. */
static PyObject *outcome(FutureObject *f, PyObject **exc)
{
    ha_state *st = ha_state_of((PyObject *)f);
    *exc = NULL;
    if (f->t->status != HA_DONE) {
        /* Seen here, so the event set need not raise it again. */
        ha_task_error_retrieved(f->t);
        *exc = ha_exc_new(st, f->t->error);
        return NULL;
    }
    if (f->kind == HA_FUT_ATTR) {
        if (!f->array && !(f->array = attr_result(f->t)))
            return NULL;
        /* As attrs[name]: a numpy scalar for a scalar attribute. */
        return PyArray_Return((PyArrayObject *)Py_NewRef(f->array));
    }
    if (ha_read_finish(f->t, f->array) < 0)
        return NULL;
    return PyArray_Return((PyArrayObject *)Py_NewRef(f->array));
}

static PyObject *fut_result(FutureObject *f, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"timeout", NULL};
    PyObject *timeout = Py_None, *exc;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:result", kwlist, &timeout) ||
        wait_done(f, timeout) < 0)
        return NULL;
    PyObject *r = outcome(f, &exc);
    if (exc) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return r;
}

static PyObject *fut_exception(FutureObject *f, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"timeout", NULL};
    PyObject *timeout = Py_None, *exc;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:exception", kwlist, &timeout) ||
        wait_done(f, timeout) < 0)
        return NULL;
    if (f->t->status == HA_CANCELLED) {
        ha_state *st = ha_state_of((PyObject *)f);
        PyErr_SetString(st->CancelledError, "the read was cancelled");
        return NULL;
    }
    PyObject *r = outcome(f, &exc);
    if (!r && !exc)
        return NULL;
    Py_XDECREF(r);
    return exc ? exc : Py_NewRef(Py_None);
}

static PyObject *fut_done(FutureObject *f, PyObject *unused)
{
    (void)unused;
    return PyBool_FromLong(is_done(f));
}

static PyObject *fut_running(FutureObject *f, PyObject *unused)
{
    (void)unused;
    return PyBool_FromLong(ha_task_status(f->t) == HA_RUNNING);
}

static PyObject *fut_cancelled(FutureObject *f, PyObject *unused)
{
    (void)unused;
    return PyBool_FromLong(ha_task_status(f->t) == HA_CANCELLED);
}

static PyObject *fut_cancel(FutureObject *f, PyObject *unused)
{
    (void)unused;
    if (check_inherited(f) < 0)
        return NULL;
    int ok = ha_task_cancel(f->t);
    ha_reap_python();
    return PyBool_FromLong(ok || ha_task_status(f->t) == HA_CANCELLED);
}

void ha_future_fire(PyObject *obj)
{
    FutureObject *f = (FutureObject *)obj;
    if (f->fired)
        return;
    f->fired = 1;
    PyObject *cbs = f->callbacks;
    f->callbacks = NULL;
    if (!cbs)
        return;
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(cbs); i++) {
        PyObject *r = PyObject_CallOneArg(PyList_GET_ITEM(cbs, i), obj);
        if (!r)
            PyErr_WriteUnraisable(PyList_GET_ITEM(cbs, i));
        Py_XDECREF(r);
    }
    PyErr_Restore(et, ev, tb);
    Py_DECREF(cbs);
}

static PyObject *fut_add_done_callback(FutureObject *f, PyObject *fn)
{
    if (!PyCallable_Check(fn)) {
        PyErr_SetString(PyExc_TypeError, "the callback must be callable");
        return NULL;
    }
    ha_reap_python();
    if (f->fired || !f->callbacks) {
        PyObject *r = PyObject_CallOneArg(fn, (PyObject *)f);
        if (!r)
            PyErr_WriteUnraisable(fn);
        Py_XDECREF(r);
        Py_RETURN_NONE;
    }
    if (PyList_Append(f->callbacks, fn) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static int fut_traverse(FutureObject *f, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(f));
    Py_VISIT(f->array);
    Py_VISIT(f->callbacks);
    return 0;
}

static int fut_clear(FutureObject *f)
{
    Py_CLEAR(f->array);
    Py_CLEAR(f->callbacks);
    return 0;
}

static void fut_dealloc(FutureObject *f)
{
    PyTypeObject *tp = Py_TYPE(f);
    PyObject_GC_UnTrack(f);
    fut_clear(f);
    ha_task_unref(f->t);
    tp->tp_free(f);
    Py_DECREF(tp);
}

static PyObject *fut_await(FutureObject *f)
{
    if (check_inherited(f) < 0)
        return NULL;
    return ha_await((PyObject *)f);
}

static PyObject *fut_repr(FutureObject *f)
{
    static const char *names[] = {"pending", "running", "finished", "failed", "cancelled"};
    ha_status s = ha_task_status(f->t);
    return PyUnicode_FromFormat("<h5async.Future %s %s>", ha_op_name(f->t->op),
                                names[s <= HA_CANCELLED ? s : 0]);
}

static PyMethodDef fut_methods[] = {
    {"result", (PyCFunction)(void (*)(void))fut_result, METH_VARARGS | METH_KEYWORDS,
     "result($self, /, timeout=None)\n--\n\n"
     "Wait at most `timeout` seconds (None: forever) and return the numpy array read, or\n"
     "raise the read's failure; TimeoutError when the time passes first, CancelledError\n"
     "if it was cancelled."},
    {"exception", (PyCFunction)(void (*)(void))fut_exception, METH_VARARGS | METH_KEYWORDS,
     "exception($self, /, timeout=None)\n--\n\n"
     "Wait at most `timeout` seconds (None: forever) and return the read's failure or None."},
    {"done", (PyCFunction)fut_done, METH_NOARGS,
     "done($self, /)\n--\n\n"
     "Whether the read has finished (does not wait)."},
    {"running", (PyCFunction)fut_running, METH_NOARGS,
     "running($self, /)\n--\n\n"
     "Whether the read is running (does not wait)."},
    {"cancelled", (PyCFunction)fut_cancelled, METH_NOARGS,
     "cancelled($self, /)\n--\n\n"
     "Whether the read was cancelled (does not wait)."},
    {"cancel", (PyCFunction)fut_cancel, METH_NOARGS,
     "cancel($self, /)\n--\n\n"
     "Cancel the read if it has not started; return whether it is cancelled."},
    {"add_done_callback", (PyCFunction)fut_add_done_callback, METH_O,
     "add_done_callback($self, fn, /)\n--\n\n"
     "Call fn(future) once the read has finished, on a Python thread (at once if done)."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot fut_slots[] = {
    {Py_tp_dealloc, fut_dealloc},
    {Py_tp_traverse, fut_traverse},
    {Py_tp_clear, fut_clear},
    {Py_tp_methods, fut_methods},
    {Py_tp_repr, fut_repr},
    {Py_am_await, fut_await},
    {Py_tp_doc, "The pending result of an asynchronous read."},
    {0, NULL},
};

PyType_Spec ha_future_spec = {
    .name = "h5async._h5async.Future",
    .basicsize = sizeof(FutureObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_BASETYPE,
    .slots = fut_slots,
};
