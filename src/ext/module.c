/*
 * The _h5async module: state, exceptions, module functions, and the
 * joining of the per-area method tables into ObjectID's.
 */
#define HA_NUMPY_MAIN
#include "np.h"

#include "chunkpipe.h"
#include "codecpool.h"
#include "common.h"
#include "eventset_type.h"
#include "future.h"
#include "lowlevel.h"
#include "notify.h"
#include "objectid.h"
#include "reference.h"
#include "regionref.h"
#include "settings.h"
#include "vds.h"

ha_state *ha_state_mod(PyObject *module) { return PyModule_GetState(module); }

ha_state *ha_state_of(PyObject *obj)
{
    PyObject *m = PyType_GetModuleByDef(Py_TYPE(obj), &ha_module_def);
    return m ? PyModule_GetState(m) : NULL;
}

PyObject *ha_open_file(PyObject *module, PyObject *args, PyObject *kw);

/* h5py.h5z.filter_avail(id) / get_filter_info(id); waits. */
static PyObject *filter_info(PyObject *m, PyObject *arg)
{
    long id = PyLong_AsLong(arg);
    if (id == -1 && PyErr_Occurred())
        return NULL;
    ha_task *t = ha_new_task(HA_OP_FILTER_INFO);
    if (t)
        t->ival = id;
    if (!(t = ha_run_owned(ha_state_mod(m), t)))
        return NULL;
    PyObject *r = Py_BuildValue("(OK)", t->result.ival ? Py_True : Py_False,
                                (unsigned long long)t->result.token[0]);
    ha_task_unref(t);
    return r;
}

static PyObject *hdf5_version(PyObject *m, PyObject *unused)
{
    (void)unused;
    /* Even a version query initialises HDF5, so the engine runs it. */
    ha_task *t = ha_run_owned(ha_state_mod(m), ha_new_task(HA_OP_LIBVERSION));
    if (!t)
        return NULL;
    long long v = t->result.ival;
    ha_task_unref(t);
    return Py_BuildValue("(LLL)", v / 1000000, v / 1000 % 1000, v % 1000);
}

/* The chunk pipeline's counters, added to stats()'s dict. */
static int add_pipeline_stats(PyObject *d)
{
    ha_chunkpipe_stats p;
    ha_chunkpipe_stats_get(&p);
    const struct {
        const char *key;
        uint64_t v;
    } items[] = {
        {"pipeline_writes", p.writes},
        {"pipeline_reads", p.reads},
        {"pipeline_declined", p.declined},
        {"pipeline_chunks_written", p.chunks_written},
        {"pipeline_chunks_read", p.chunks_read},
        {"pipeline_chunks_unallocated", p.chunks_unallocated},
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong(items[i].v);
        int rc = v ? PyDict_SetItemString(d, items[i].key, v) : -1;
        Py_XDECREF(v);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static PyObject *stats(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    ha_stats s;
    ha_stats_get(&s);
    PyObject *d = Py_BuildValue("{sKsKsKsKsKsKsKsdsKsKsKsKsKsKsK}", "submitted", s.submitted,
                         "inline_runs", s.inline_runs, "helped_runs", s.helped_runs, "completed", s.completed, "failed",
                         s.failed, "cancelled", s.cancelled, "waits", s.waits, "blocked_seconds",
                         (double)s.blocked_ns * 1e-9, "queued", s.queued, "staged_bytes",
                         s.staged_bytes, "staged_peak", s.staged_peak, "held_bytes",
                         s.held_bytes, "held_peak", s.held_peak, "stage_waits",
                         s.stage_waits, "staging_limit", ha_stage_limit());
    if (d && add_pipeline_stats(d) < 0)
        Py_CLEAR(d);
    return d;
}

static PyObject *set_threads(PyObject *m, PyObject *arg)
{
    (void)m;
    int n;
    if (ha_threads_arg(arg, &n) < 0)
        return NULL;
    ha_codec_set_threads(n);
    Py_RETURN_NONE;
}

static PyObject *get_threads(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    return PyLong_FromLong(ha_codec_threads());
}

static PyObject *set_staging_limit(PyObject *m, PyObject *arg)
{
    (void)m;
    uint64_t n;
    if (ha_staging_limit_arg(arg, &n) < 0)
        return NULL;
    ha_stage_set_limit(n);
    Py_RETURN_NONE;
}

static PyObject *drain(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    int done = 0;
    while (!done) {
        Py_BEGIN_ALLOW_THREADS
        done = ha_drain(0.05);
        Py_END_ALLOW_THREADS
        if (!done && PyErr_CheckSignals() < 0)
            return NULL;
    }
    ha_reap_python();
    Py_RETURN_NONE;
}

/*
 * The interpreter's atexit step of the exit (engine.h): from here on every
 * submission runs synchronously, so nothing queued after this drain can be
 * lost; then wait for what was queued before it.  Ctrl-C stops the wait:
 * what had not started is cancelled and reported.  Files are closed after
 * the interpreter is gone (exit_report below), so that atexit handlers and
 * finalizers that run after this one can still write to them.
 */
static PyObject *shutdown(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    ha_exit_begin();
    uint64_t upto = ha_last_seq();
    int done = 0;
    while (!done) {
        Py_BEGIN_ALLOW_THREADS
        done = ha_drain_upto(upto, 0.05);
        Py_END_ALLOW_THREADS
        if (!done && PyErr_CheckSignals() < 0) {
            uint64_t bytes = 0;
            size_t n = ha_exit_interrupt(&bytes);
            PyErr_Clear();
            PySys_WriteStderr("h5async: exit interrupted: %zu queued operation(s) cancelled, "
                              "%llu byte(s) of queued writes not written\n",
                              n, (unsigned long long)bytes);
            break;
        }
    }
    ha_reap_python();
    Py_RETURN_NONE;
}

/* After the interpreter: the core's last step reports here (stderr is all
 * that is left; never silent). */
static void exit_report(const char *what, ha_error *e)
{
    fprintf(stderr, "h5async: warning: %s: %s%s%s%s%s\n", what, e ? e->op : "",
            e && *e->path ? " '" : "", e ? e->path : "", e && *e->path ? "': " : ": ",
            e && e->message ? e->message : "");
}

static PyObject *notify_open(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    int fd = ha_notify_open();
    if (fd < 0)
        return ha_notify_open_error(errno);
    return PyLong_FromLong(fd);
}

static PyObject *notify_close(PyObject *m, PyObject *arg)
{
    (void)m;
    int fd = (int)PyLong_AsLong(arg);
    if (fd == -1 && PyErr_Occurred())
        return NULL;
    ha_notify_close(fd);
    Py_RETURN_NONE;
}

static PyObject *notify_clear(PyObject *m, PyObject *arg)
{
    (void)m;
    int fd = (int)PyLong_AsLong(arg);
    if (fd == -1 && PyErr_Occurred())
        return NULL;
    ha_notify_clear(fd);
    /* Completed tasks' Python resources and Future callbacks, now. */
    ha_reap_python();
    Py_RETURN_NONE;
}

static PyObject *set_await_hook(PyObject *m, PyObject *fn)
{
    Py_XSETREF(ha_state_mod(m)->await_hook, Py_NewRef(fn));
    Py_RETURN_NONE;
}

PyObject *ha_await(PyObject *self)
{
    ha_state *st = ha_state_of(self);
    if (!st->await_hook) {
        PyErr_SetString(PyExc_RuntimeError, "h5async's asyncio support is not loaded");
        return NULL;
    }
    return PyObject_CallOneArg(st->await_hook, self);
}

static PyObject *trace_start(PyObject *m, PyObject *arg)
{
    (void)m;
    Py_ssize_t cap = PyNumber_AsSsize_t(arg, PyExc_OverflowError);
    if (cap == -1 && PyErr_Occurred())
        return NULL;
    if (cap <= 0) {
        PyErr_SetString(PyExc_ValueError, "capacity must be positive");
        return NULL;
    }
    ha_trace_start((size_t)cap);
    Py_RETURN_NONE;
}

static const char *trace_outcome(ha_status st)
{
    return st == HA_DONE ? "ok" : st == HA_CANCELLED ? "cancelled" : "failed";
}

/* The records as a list of tuples (see TRACE_FIELDS in trace.py); frees them. */
static PyObject *trace_records(ha_trace_rec *r, size_t n)
{
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *t = Py_BuildValue("(sdddKiislzzzz)", ha_op_name(r[i].op), r[i].t_submit,
                                    r[i].t_start, r[i].t_end, (unsigned long long)r[i].nbytes,
                                    r[i].ran_inline, r[i].failed, trace_outcome(r[i].status),
                                    r[i].tid, r[i].file, r[i].path, r[i].name, r[i].error);
        if (!t)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    ha_trace_free(r, n);
    return list;
}

static PyObject *trace_stop(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    size_t n = 0;
    ha_trace_rec *r = ha_trace_stop(&n);
    return trace_records(r, n);
}

static PyObject *trace_take(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    size_t n = 0;
    ha_trace_rec *r = ha_trace_take(&n);
    return trace_records(r, n);
}

static PyObject *monotonic(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    return PyFloat_FromDouble(ha_now());
}

static PyObject *emulate_storage(PyObject *m, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"bandwidth", "latency", NULL};
    double bw = 0, lat = 0;
    (void)m;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|dd:emulate_storage", kwlist, &bw, &lat))
        return NULL;
    if (bw < 0 || lat < 0) {
        PyErr_SetString(PyExc_ValueError, "bandwidth and latency must be >= 0");
        return NULL;
    }
    ha_emulate_storage(bw, lat);
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"trace_start", trace_start, METH_O,
     "trace_start($module, capacity, /)\n--\n\n"
     "Start recording completed tasks, at most `capacity` records until taken."},
    {"trace_stop", trace_stop, METH_NOARGS,
     "trace_stop($module, /)\n--\n\n"
     "Stop recording; return the records as tuples (op, t_submit, t_start, t_end,\n"
     "nbytes, inline, failed, outcome, tid, file, path, name, error)."},
    {"trace_take", trace_take, METH_NOARGS,
     "trace_take($module, /)\n--\n\n"
     "Return the records so far (as trace_stop) and keep recording."},
    {"monotonic", monotonic, METH_NOARGS,
     "monotonic($module, /)\n--\n\nThe engine's clock, in seconds (CLOCK_MONOTONIC)."},
    {"emulate_storage", (PyCFunction)(void (*)(void))emulate_storage,
     METH_VARARGS | METH_KEYWORDS,
     "emulate_storage($module, /, bandwidth=0.0, latency=0.0)\n--\n\n"
     "Make dataset transfers sleep on the I/O thread as slow remote storage would:\n"
     "`latency` seconds per request plus nbytes / `bandwidth` (bytes/s); 0 = off.\n"
     "Negative values raise ValueError."},
    {"_set_await_hook", set_await_hook, METH_O,
     "_set_await_hook($module, fn, /)\n--\n\n"
     "Set the function that makes EventSet and Future awaitable (h5async._aio)."},
    {"open_file", (PyCFunction)(void (*)(void))ha_open_file, METH_VARARGS | METH_KEYWORDS,
     "open_file($module, /, name, mode='r', es=None, driver=None, backing_store=True, "
     "libver=None, userblock_size=None, comm=None)\n--\n\n"
     "Open or create the file `name` and return its ObjectID; with `es`, at once\n"
     "(failures are raised by es.wait()) and `es` becomes the file's default event set."},
    {"filter_info", filter_info, METH_O,
     "filter_info($module, filter_id, /)\n--\n\n"
     "(available, config flags) of HDF5 filter `filter_id` in this process, h5async's own\n"
     "filters (lzf, zstd, lz4, blosc, bitshuffle) registered first.  Waits."},
    {"_set_bitshuffle_paths", ha_set_bitshuffle_paths, METH_O,
     "_set_bitshuffle_paths($module, paths, /)\n--\n\n"
     "Where the bitshuffle filter's library may be (tried in order at first use)."},
    {"hdf5_version", hdf5_version, METH_NOARGS,
     "hdf5_version($module, /)\n--\n\nThe runtime HDF5 version as a tuple (major, minor, release)."},
    {"stats", stats, METH_NOARGS,
     "stats($module, /)\n--\n\n"
     "The engine's counters as a dict: operations submitted, completed, failed, ...,\n"
     "bytes staged (and their peak), blocked_seconds.  Does not wait."},
    {"set_threads", set_threads, METH_O,
     "set_threads($module, n, /)\n--\n\n"
     "Use `n` codec threads for the filters of chunked datasets (0: the default,\n"
     "H5ASYNC_THREADS or the usable cores; 1: filters run inside HDF5)."},
    {"get_threads", get_threads, METH_NOARGS,
     "get_threads($module, /)\n--\n\nThe number of codec threads in use."},
    {"set_staging_limit", set_staging_limit, METH_O,
     "set_staging_limit($module, nbytes, /)\n--\n\n"
     "Cap the bytes held by queued operations (0: the default); a submit over the\n"
     "cap waits, with the GIL released, until room frees up."},
    {"drain", drain, METH_NOARGS,
     "drain($module, /)\n--\n\nWait until every submitted operation has finished."},
    {"shutdown", shutdown, METH_NOARGS,
     "shutdown($module, /)\n--\n\nFinish all queued work (the interpreter's exit step)."},
    {"notify_open", notify_open, METH_NOARGS,
     "notify_open($module, /)\n--\n\n"
     "A new fd that becomes readable after each completion (one per event loop)."},
    {"notify_close", notify_close, METH_O,
     "notify_close($module, fd, /)\n--\n\nClose an fd from notify_open()."},
    {"notify_clear", notify_clear, METH_O,
     "notify_clear($module, fd, /)\n--\n\n"
     "Consume the fd's signals and run finished tasks' callbacks."},
    {NULL, NULL, 0, NULL},
};

/* ObjectID's methods come from several files; join them once. */
static PyMethodDef *joined_methods(void)
{
    /* Room for every method and the sentinel; a table that outgrows it
     * fails the import (module_exec) instead of losing methods quietly. */
    static PyMethodDef all[160];
    static int done;
    if (done)
        return all;
    PyMethodDef *parts[] = {ha_group_methods, ha_dataset_methods, ha_attrs_methods,
                            ha_link_methods, ha_lowlevel_methods, ha_regionref_methods,
                            ha_vds_methods};
    size_t n = 0;
    for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++)
        for (PyMethodDef *d = parts[p]; d->ml_name; d++) {
            if (n + 1 >= sizeof all / sizeof all[0])
                return NULL;
            all[n++] = *d;
        }
    done = 1;
    return all;
}

/*
 * The "use the file's default event set" sentinel: one instance, named by its
 * repr so that help() shows es=DEFAULT.  It is a str subclass (value
 * "DEFAULT") only because inspect evaluates a __text_signature__ default to a
 * constant or fails: so `es=h5async._h5async.DEFAULT` in the C methods'
 * signatures resolves to this very object.  Code compares it by identity.
 */
static PyObject *default_repr(PyObject *self)
{
    (void)self;
    return PyUnicode_FromString("DEFAULT");
}

static PyType_Slot default_slots[] = {
    {Py_tp_repr, default_repr},
    {Py_tp_doc, "es=DEFAULT: use the file's default event set (File(..., es=...));\n"
                "es=None: run synchronously; es=EventSet(): track with that set."},
    {0, NULL},
};

static PyType_Spec default_spec = {"h5async._h5async.DefaultEventSet", 0, 0, Py_TPFLAGS_DEFAULT,
                                   default_slots};

static int add_type(PyObject *m, PyType_Spec *spec, PyTypeObject **out)
{
    *out = (PyTypeObject *)PyType_FromModuleAndSpec(m, spec, NULL);
    return *out ? PyModule_AddType(m, *out) : -1;
}

static int module_exec(PyObject *m)
{
    ha_state *st = ha_state_mod(m);
    /* A bad H5ASYNC_* variable fails the import, before any file is opened
     * (docs/semantics.md, "Configuration"). */
    if (ha_settings_check_env() < 0 || PyArray_ImportNumPyAPI() < 0)
        return -1;
    ha_exit_install(exit_report);
    for (PyType_Slot *s = ha_objectid_spec.slots; s->slot; s++)
        if (s->slot == Py_tp_methods)
            if (!(s->pfunc = joined_methods())) {
                PyErr_SetString(PyExc_SystemError, "h5async: too many ObjectID methods");
                return -1;
            }
    if (add_type(m, &ha_eventset_spec, &st->EventSetType) < 0 ||
        add_type(m, &ha_objectid_spec, &st->ObjectIDType) < 0 ||
        add_type(m, &ha_future_spec, &st->FutureType) < 0 ||
        add_type(m, &ha_reference_spec, &st->ReferenceType) < 0 ||
        add_type(m, &ha_typeid_spec, &st->TypeIDType) < 0)
        return -1;
    st->RegionReferenceType = (PyTypeObject *)PyType_FromModuleAndSpec(
        m, &ha_regionref_spec, (PyObject *)st->ReferenceType);
    if (!st->RegionReferenceType || PyModule_AddType(m, st->RegionReferenceType) < 0)
        return -1;
    PyObject *builtins = PyEval_GetBuiltins(); /* borrowed */
    PyObject *group = builtins ? PyDict_GetItemString(builtins, "ExceptionGroup") : NULL;
    PyObject *futures = PyImport_ImportModule("concurrent.futures");
    if (!group || !futures)
        return -1;
    st->CancelledError = PyObject_GetAttrString(futures, "CancelledError");
    Py_DECREF(futures);
    st->EventSetError = PyErr_NewExceptionWithDoc(
        "h5async.EventSetError",
        "Operations of an event set failed; holds one exception per failure.", group, NULL);
    st->DependencyError = PyErr_NewExceptionWithDoc(
        "h5async.DependencyError",
        "An operation used an object whose own creation or opening failed; "
        "__cause__ is that failure.", PyExc_RuntimeError, NULL);
    PyObject *default_type =
        PyType_FromModuleAndSpec(m, &default_spec, (PyObject *)&PyUnicode_Type);
    PyObject *default_name = PyUnicode_FromString("DEFAULT");
    st->DEFAULT = default_type && default_name
                      ? PyObject_CallOneArg(default_type, default_name) : NULL;
    Py_XDECREF(default_name);
    Py_XDECREF(default_type); /* the instance keeps its type alive */
    if (!st->CancelledError || !st->EventSetError || !st->DependencyError || !st->DEFAULT ||
        PyModule_AddObjectRef(m, "EventSetError", st->EventSetError) < 0 ||
        PyModule_AddObjectRef(m, "DependencyError", st->DependencyError) < 0 ||
        PyModule_AddObjectRef(m, "DEFAULT", st->DEFAULT) < 0)
        return -1;
    return 0;
}

static int module_traverse(PyObject *m, visitproc visit, void *arg)
{
    ha_state *st = ha_state_mod(m);
    Py_VISIT(st->EventSetType);
    Py_VISIT(st->ObjectIDType);
    Py_VISIT(st->FutureType);
    Py_VISIT(st->ReferenceType);
    Py_VISIT(st->RegionReferenceType);
    Py_VISIT(st->TypeIDType);
    Py_VISIT(st->EventSetError);
    Py_VISIT(st->DependencyError);
    Py_VISIT(st->CancelledError);
    Py_VISIT(st->DEFAULT);
    Py_VISIT(st->await_hook);
    return 0;
}

static int module_clear(PyObject *m)
{
    ha_state *st = ha_state_mod(m);
    Py_CLEAR(st->EventSetType);
    Py_CLEAR(st->ObjectIDType);
    Py_CLEAR(st->FutureType);
    Py_CLEAR(st->ReferenceType);
    Py_CLEAR(st->RegionReferenceType);
    Py_CLEAR(st->TypeIDType);
    Py_CLEAR(st->EventSetError);
    Py_CLEAR(st->DependencyError);
    Py_CLEAR(st->CancelledError);
    Py_CLEAR(st->DEFAULT);
    Py_CLEAR(st->await_hook);
    return 0;
}

static void module_free(void *m) { module_clear(m); }

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

PyModuleDef ha_module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "h5async._h5async",
    .m_doc = "C core of h5async: asynchronous HDF5 I/O on a background thread.",
    .m_size = sizeof(ha_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC PyInit__h5async(void) { return PyModuleDef_Init(&ha_module_def); }
