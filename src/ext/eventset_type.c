/*
 * EventSet: tracks the operations submitted with es=it.
 *
 * wait() returns the number still in progress (0 when all are done, as
 * H5ESwait reports it) and raises EventSetError when any failed; raising
 * hands the errors over, so they are not raised twice.
 */
#include "eventset_type.h"

#include <math.h>

#include "errors.h"
#include "submit.h"

#define WAIT_SLICE 0.05
#define INHERITED                                                                      \
    "this EventSet was made before fork(): its operations belong to the parent "      \
    "process; make a new one in the child"

ha_eventset *ha_es_from_py(ha_state *st, PyObject *obj)
{
    if (obj == Py_None)
        return NULL;
    if (!PyObject_TypeCheck(obj, st->EventSetType)) {
        PyErr_Format(PyExc_TypeError, "es must be an EventSet or None, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    EventSetObject *e = (EventSetObject *)obj;
    if (!e->es) {
        PyErr_SetString(PyExc_ValueError, "the event set is closed");
        return NULL;
    }
    if (ha_es_inherited(e->es)) {
        PyErr_SetString(PyExc_ValueError, INHERITED);
        return NULL;
    }
    return ha_es_ref(e->es);
}

static PyObject *es_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    if (PyTuple_GET_SIZE(args) || (kw && PyDict_GET_SIZE(kw))) {
        PyErr_SetString(PyExc_TypeError, "EventSet() takes no arguments");
        return NULL;
    }
    EventSetObject *self = (EventSetObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    if (!(self->es = ha_es_new())) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static int check_open(EventSetObject *self)
{
    if (!self->es) {
        PyErr_SetString(PyExc_ValueError, "the event set is closed");
        return -1;
    }
    if (ha_es_inherited(self->es)) {
        PyErr_SetString(PyExc_ValueError, INHERITED);
        return -1;
    }
    return 0;
}

/* Raise the errors nobody retrieved as one EventSetError: returns 1 with
 * it set, 0 when there were none (another thread may have taken them). */
static int raise_errors(EventSetObject *self, ha_eventset *es)
{
    size_t n = 0;
    ha_error **errs = ha_es_take_errors(es, &n);
    if (!n)
        return 0;
    ha_exc_raise_group(ha_state_of((PyObject *)self), errs, n);
    for (size_t i = 0; i < n; i++)
        ha_error_unref(errs[i]);
    free(errs);
    return 1;
}

/* Wait up to `timeout` (< 0 forever) with Ctrl-C honoured.  The caller
 * holds its own reference to `es`: while the GIL is released another
 * thread may close the EventSet. */
static int wait_es(ha_eventset *es, double timeout, uint64_t *left)
{
    double deadline = timeout < 0 ? -1 : ha_now() + timeout;
    for (;;) {
        double slice = WAIT_SLICE;
        if (deadline >= 0) {
            double rem = deadline - ha_now();
            slice = rem < slice ? (rem > 0 ? rem : 0) : slice;
        }
        Py_BEGIN_ALLOW_THREADS
        *left = ha_es_wait(es, slice);
        Py_END_ALLOW_THREADS
        if (*left == 0 || (deadline >= 0 && ha_now() >= deadline))
            return 0;
        if (PyErr_CheckSignals() < 0)
            return -1;
    }
}

/* The wait of wait(progress=True): every PROGRESS_TICK seconds the
 * operations and bytes left go to h5async._progress's display (tqdm when
 * installed, a line on stderr otherwise), which the caller closes. */
#define PROGRESS_TICK 0.2
static int wait_progress(ha_eventset *es, double timeout, uint64_t *left)
{
    ha_es_counts c;
    ha_es_counts_get(es, &c);
    PyObject *mod = PyImport_ImportModule("h5async._progress");
    PyObject *bar = mod ? PyObject_CallMethod(mod, "Display", "KK",
                                              (unsigned long long)c.in_progress,
                                              (unsigned long long)c.bytes) : NULL;
    Py_XDECREF(mod);
    if (!bar)
        return -1;
    double deadline = timeout < 0 ? -1 : ha_now() + timeout;
    int rc = 0;
    for (;;) {
        double slice = PROGRESS_TICK;
        if (deadline >= 0 && deadline - ha_now() < slice)
            slice = deadline - ha_now() > 0 ? deadline - ha_now() : 0;
        if ((rc = wait_es(es, slice, left)) < 0)
            break;
        ha_es_counts_get(es, &c);
        PyObject *r = PyObject_CallMethod(bar, "update", "KK", (unsigned long long)c.in_progress,
                                          (unsigned long long)c.bytes);
        Py_XDECREF(r);
        if (!r) {
            rc = -1;
            break;
        }
        if (*left == 0 || (deadline >= 0 && ha_now() >= deadline))
            break;
    }
    /* closed whatever happened, without losing an exception set above */
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    PyObject *r = PyObject_CallMethod(bar, "close", NULL);
    if (!r && et)
        PyErr_Clear();
    if (et)
        PyErr_Restore(et, ev, tb);
    Py_XDECREF(r);
    Py_DECREF(bar);
    return rc < 0 || !r ? -1 : 0;
}

static PyObject *es_wait(EventSetObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"timeout", "progress", NULL};
    PyObject *tobj = Py_None;
    int progress = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O$p:wait", kwlist, &tobj, &progress) ||
        check_open(self) < 0)
        return NULL;
    double timeout = -1;
    if (tobj != Py_None) {
        timeout = PyFloat_AsDouble(tobj);
        if (timeout == -1 && PyErr_Occurred())
            return NULL;
        if (timeout < 0 || isnan(timeout)) {
            PyErr_SetString(PyExc_ValueError, "timeout must be a non-negative number of seconds");
            return NULL;
        }
        /* Anything beyond a year is "forever" (sys.maxsize, 1e6, ...). */
        if (timeout > 3.2e7)
            timeout = -1;
    }
    /* Our own reference: a done-callback run by ha_reap_python() or another
     * thread may close this EventSet while we wait.  The waiter still gets
     * the outcome of the operations it waited for. */
    HA_ES_AUTO ha_eventset *es = ha_es_ref(self->es);
    uint64_t left = 0;
    if ((progress ? wait_progress(es, timeout, &left) : wait_es(es, timeout, &left)) < 0)
        return NULL;
    ha_reap_python();
    if (raise_errors(self, es))
        return NULL;
    return PyLong_FromUnsignedLongLong(left);
}

/*
 * close() from any thread or callback: stops the set taking new operations
 * at once, waits for those in progress, then raises the failures nobody
 * retrieved (the Python object stays open so that they can be seen), or
 * releases the set.  A concurrent close() that won the race makes this
 * one a no-op.
 */
static PyObject *es_close(EventSetObject *self, PyObject *unused)
{
    (void)unused;
    if (!self->es)
        Py_RETURN_NONE;
    if (ha_es_inherited(self->es)) {
        /* Nothing of the parent's will complete here: just let go. */
        ha_es_unref(self->es);
        self->es = NULL;
        Py_RETURN_NONE;
    }
    HA_ES_AUTO ha_eventset *es = ha_es_ref(self->es);
    /* New operations are refused from here on; wait for those in flight. */
    while (!ha_es_close(es)) {
        uint64_t left = 0;
        if (wait_es(es, -1, &left) < 0)
            return NULL;
    }
    ha_reap_python();
    if (self->es != es)
        Py_RETURN_NONE; /* closed by another thread or a callback */
    if (raise_errors(self, es))
        return NULL; /* still open for wait() and errors; close() again closes */
    self->es = NULL;
    ha_es_unref(es); /* the EventSet's own reference; ours goes on return */
    Py_RETURN_NONE;
}

static PyObject *es_cancel(EventSetObject *self, PyObject *unused)
{
    (void)unused;
    if (check_open(self) < 0)
        return NULL;
    size_t not_cancelled = 0;
    HA_ES_AUTO ha_eventset *es = ha_es_ref(self->es); /* callbacks may close it */
    ha_es_cancel(es, &not_cancelled);
    ha_reap_python();
    return PyLong_FromSize_t(not_cancelled);
}

static PyObject *es_take_errors(EventSetObject *self, void *closure)
{
    (void)closure;
    if (check_open(self) < 0)
        return NULL;
    size_t n = 0;
    ha_error **errs = ha_es_take_errors(self->es, &n);
    PyObject *list = PyList_New(0);
    for (size_t i = 0; i < n; i++) {
        PyObject *exc = list ? ha_exc_new(ha_state_of((PyObject *)self), errs[i]) : NULL;
        if (!exc || PyList_Append(list, exc) < 0)
            Py_CLEAR(list);
        Py_XDECREF(exc);
        ha_error_unref(errs[i]);
    }
    free(errs);
    return list;
}

static PyObject *es_counts(EventSetObject *self, void *which)
{
    if (check_open(self) < 0)
        return NULL;
    ha_es_counts c;
    ha_es_counts_get(self->es, &c);
    switch ((intptr_t)which) {
    case 0:
        return PyLong_FromUnsignedLongLong(c.in_progress);
    case 1:
        return PyLong_FromUnsignedLongLong(c.op_counter);
    case 3:
        return PyLong_FromUnsignedLongLong(c.cancelled);
    case 4:
        return PyLong_FromUnsignedLongLong(c.bytes);
    default:
        return PyBool_FromLong(c.failed != 0);
    }
}

static PyObject *es_enter(PyObject *self, PyObject *unused)
{
    (void)unused;
    return Py_NewRef(self);
}

static PyObject *es_exit(EventSetObject *self, PyObject *args)
{
    (void)args;
    /* Always wait and close; an error of ours replaces none in flight
     * because Python chains it as the context. */
    PyObject *r = es_close(self, NULL);
    if (!r)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

static PyObject *es_closed(EventSetObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->es == NULL);
}

static void es_dealloc(EventSetObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    if (self->es) {
        ha_es_counts c = {0};
        if (!ha_es_inherited(self->es))
            ha_es_counts_get(self->es, &c);
        if (c.failed &&
            PyErr_WarnFormat(PyExc_RuntimeWarning, 1,
                             "EventSet deleted with %llu failed operation(s) nobody "
                             "retrieved; call wait() to see them",
                             (unsigned long long)c.failed) < 0)
            PyErr_WriteUnraisable((PyObject *)self);
        ha_es_unref(self->es);
    }
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef es_methods[] = {
    {"wait", (PyCFunction)(void (*)(void))es_wait, METH_VARARGS | METH_KEYWORDS,
     "wait($self, /, timeout=None, *, progress=False)\n--\n\n"
     "Wait for the operations of this event set, at most `timeout` seconds (None or any\n"
     "huge number: forever), and return how many are still in progress.  Raises\n"
     "EventSetError (an ExceptionGroup, one exception per failed operation) if any failed.\n"
     "Ctrl-C raises KeyboardInterrupt; the operations go on.  progress=True shows the\n"
     "operations and bytes left as they drain (a tqdm bar when tqdm is installed, else\n"
     "a line on stderr), updated every 0.2 s."},
    {"close", (PyCFunction)es_close, METH_NOARGS,
     "close($self, /)\n--\n\n"
     "Wait for pending operations, then release the event set.  Further use raises ValueError."},
    {"cancel", (PyCFunction)es_cancel, METH_NOARGS,
     "cancel($self, /)\n--\n\n"
     "None"},
    {"__enter__", es_enter, METH_NOARGS,
     "__enter__($self, /)\n--\n\n"
     "Return the event set."},
    {"__exit__", (PyCFunction)es_exit, METH_VARARGS,
     "__exit__($self, exc_type, exc, tb, /)\n--\n\n"
     "Wait for the event set (raising EventSetError), then close it."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef es_getset[] = {
    {"num_in_progress", (getter)es_counts, NULL, "operations not finished", (void *)0},
    {"num_bytes_in_progress", (getter)es_counts, NULL,
     "bytes the unfinished operations hold (staged data, results to come)", (void *)4},
    {"op_counter", (getter)es_counts, NULL, "operations ever submitted", (void *)1},
    {"op_failed", (getter)es_counts, NULL, "whether an unretrieved failure exists", (void *)2},
    {"num_cancelled", (getter)es_counts, NULL,
     "operations cancel() ever cancelled (awaiting never cancels)", (void *)3},
    {"errors", (getter)es_take_errors, NULL,
     "take the exceptions of failed operations (clears them)", NULL},
    {"closed", (getter)es_closed, NULL, "whether close() was called", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot es_slots[] = {
    {Py_tp_new, es_new},
    {Py_tp_dealloc, es_dealloc},
    {Py_tp_methods, es_methods},
    {Py_tp_getset, es_getset},
    {Py_am_await, ha_await},
    {Py_tp_doc, "EventSet()\n\nTracks asynchronous operations submitted with es=."},
    {0, NULL},
};

PyType_Spec ha_eventset_spec = {
    .name = "h5async._h5async.EventSet",
    .basicsize = sizeof(EventSetObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = es_slots,
};
