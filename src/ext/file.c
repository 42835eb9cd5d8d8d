/* Files: open/create (module function), close and flush. */
#include "common.h"

static const struct {
    const char *name;
    ha_fmode mode;
    const char *reported;
} modes[] = {
    {"r", HA_FMODE_R, "r"},       {"r+", HA_FMODE_RW, "r+"},
    {"w", HA_FMODE_TRUNC, "r+"},  {"w-", HA_FMODE_EXCL, "r+"},
    {"x", HA_FMODE_EXCL, "r+"},   {"a", HA_FMODE_APPEND, "r+"},
};

static int libver_of(PyObject *v)
{
    static const char *names[] = {"earliest", "v108", "v110", "v112", "v114", "latest"};
    const char *s = PyUnicode_Check(v) ? PyUnicode_AsUTF8(v) : NULL;
    for (int i = 0; s && i < 6; i++)
        if (!strcmp(s, names[i]))
            return i;
    PyErr_Format(PyExc_ValueError, "Invalid libver %R (earliest, v108, v110, v112, v114, latest)", v);
    return -1;
}

/* libver: a name or (low, high); userblock_size: 0 or a power of 2 >= 512. */
static int parse_fopt(PyObject *libver, PyObject *ublock, ha_fopt *o)
{
    if (libver != Py_None) {
        int two = PyTuple_Check(libver) && PyTuple_GET_SIZE(libver) == 2;
        o->libver_lo = libver_of(two ? PyTuple_GET_ITEM(libver, 0) : libver);
        o->libver_hi = o->libver_lo < 0 ? -1
                     : two ? libver_of(PyTuple_GET_ITEM(libver, 1)) : HA_LIBVER_LATEST;
        if (o->libver_lo < 0 || o->libver_hi < 0)
            return -1;
    }
    if (ublock != Py_None) {
        unsigned long long n = PyLong_AsUnsignedLongLong(ublock);
        if (n == (unsigned long long)-1 && PyErr_Occurred())
            return -1;
        if (n && (n < 512 || (n & (n - 1)))) {
            PyErr_SetString(PyExc_ValueError, "User block size must be a power of 2 and at least 512");
            return -1;
        }
        o->userblock = n;
    }
    return 0;
}

/*
 * driver='mpio': the communicator as its Fortran handle (mpi4py's
 * comm.py2f()), so that only the core sees MPI.  The engine's I/O thread
 * calls MPI while the program's thread may too: MPI_THREAD_MULTIPLE only.
 */
static int parse_comm(PyObject *comm, ha_fopt *o)
{
    int level = ha_mpi_thread_multiple();
    if (level < 0) {
        PyErr_SetString(PyExc_ValueError,
                        "driver='mpio' needs h5async built against parallel HDF5 "
                        "(pip install with -Csetup-args=-Dmpi=true; see docs/building.md)");
        return -1;
    }
    if (comm == Py_None) {
        PyErr_SetString(PyExc_TypeError, "driver='mpio' needs comm= (an mpi4py communicator)");
        return -1;
    }
    if (level == 0) {
        PyErr_SetString(PyExc_RuntimeError,
                        "h5async needs MPI initialised with MPI_THREAD_MULTIPLE (mpi4py's "
                        "default, unless mpi4py.rc.thread_level was lowered)");
        return -1;
    }
    PyObject *f = PyObject_CallMethod(comm, "py2f", NULL);
    if (!f)
        return -1;
    long long handle = PyLong_AsLongLong(f);
    Py_DECREF(f);
    if (handle == -1 && PyErr_Occurred())
        return -1;
    o->mpio = 1;
    o->comm_f = handle;
    return 0;
}

PyObject *ha_open_file(PyObject *module, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "mode", "es", "driver", "backing_store", "libver",
                             "userblock_size", "comm", NULL};
    ha_state *st = ha_state_mod(module);
    PyObject *name = NULL, *es = Py_None, *fsname = NULL, *path = NULL;
    const char *mode = "r", *driver = NULL;
    int backing_store = 1;
    PyObject *libver = Py_None, *ublock = Py_None, *comm = Py_None;
    ha_task *t = NULL;
    ObjectID *o = NULL;
    ha_fopt fopt = {.libver_lo = -1, .libver_hi = -1};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|sOzpOOO:open_file", kwlist, &name, &mode,
                                     &es, &driver, &backing_store, &libver, &ublock, &comm) ||
        parse_fopt(libver, ublock, &fopt) < 0)
        return NULL;
    size_t m = 0;
    while (m < sizeof modes / sizeof modes[0] && strcmp(modes[m].name, mode))
        m++;
    if (m == sizeof modes / sizeof modes[0]) {
        PyErr_Format(PyExc_ValueError,
                     "Invalid mode '%s'; must be one of r, r+, w, w-, x, a", mode);
        return NULL;
    }
    ha_driver drv = HA_DRIVER_DEFAULT;
    if (driver && !strcmp(driver, "core"))
        drv = backing_store ? HA_DRIVER_CORE : HA_DRIVER_CORE_NOSTORE;
    else if (driver && !strcmp(driver, "mpio")) {
        if (parse_comm(comm, &fopt) < 0)
            return NULL;
    } else if (driver && strcmp(driver, "sec2")) {
        PyErr_Format(PyExc_ValueError, "Unknown driver type \"%s\"", driver);
        return NULL;
    }
    HA_ES_AUTO ha_eventset *core_es = ha_es_from_py(st, es);
    if (!core_es && PyErr_Occurred())
        return NULL;
    /* str, bytes or os.PathLike, as the file system sees it. */
    if (!PyUnicode_FSDecoder(name, &fsname))
        return NULL;
    PyObject *fsbytes = PyUnicode_EncodeFSDefault(fsname);
    if (!fsbytes)
        goto done;
    t = ha_new_task(HA_OP_FILE_OPEN);
    if (t)
        t->name = strdup(PyBytes_AS_STRING(fsbytes));
    Py_DECREF(fsbytes);
    if (!t || !t->name) {
        if (t)
            PyErr_NoMemory();
        goto done;
    }
    t->ival = modes[m].mode;
    t->ival2 = drv;
    t->fopt = fopt;
    ha_handle *h = ha_handle_new(HA_OBJ_FILE, t->name, NULL);
    if (!h || !(path = PyUnicode_FromString("/"))) {
        if (!h)
            PyErr_NoMemory();
        ha_handle_unref(h);
        goto done;
    }
    h->readonly = modes[m].mode == HA_FMODE_R;
    t->target = ha_handle_ref(h);
    o = ha_oid_new(st, h, NULL, path);
    if (!o)
        goto done;
    o->filename = Py_NewRef(fsname);
    o->mode = PyUnicode_FromString(modes[m].reported);
    o->es = es == Py_None ? NULL : Py_NewRef(es);
    if (!o->mode || ha_dispatch(st, t, core_es) < 0)
        Py_CLEAR(o);
done:
    ha_task_unref(t);
    Py_XDECREF(fsname);
    Py_XDECREF(path);
    return (PyObject *)o;
}

/* close(es=DEFAULT): the file's objects become unusable at once. */
PyObject *ha_file_close(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"es", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *es = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:close", kwlist, &es))
        return NULL;
    if (self->kind != HA_OBJ_FILE) {
        PyErr_SetString(PyExc_TypeError, "close() applies to files");
        return NULL;
    }
    if (self->h->closing || self->h->gen != ha_generation())
        Py_RETURN_NONE; /* closing twice is allowed, as in h5py */
    if (ha_oid_resolve_es(st, self, es, &core_es) < 0)
        return NULL;
    ha_task *t = ha_new_task(HA_OP_FILE_CLOSE);
    if (!t)
        return NULL;
    t->obj = ha_handle_ref(self->h);
    self->h->closing = 1;
    int rc = ha_dispatch(st, t, core_es);
    ha_task_unref(t);
    if (rc < 0 || core_es)
        return rc < 0 ? NULL : Py_NewRef(Py_None);
    /* A synchronous close has waited for every earlier operation on the
     * file: raise the failures among them that nobody has retrieved. */
    size_t n = 0;
    ha_error **errs = ha_handle_take_errors(self->h, &n);
    if (n)
        ha_exc_raise_group(st, errs, n);
    for (size_t i = 0; i < n; i++)
        ha_error_unref(errs[i]);
    free(errs);
    return n ? NULL : Py_NewRef(Py_None);
}

PyObject *ha_file_flush(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"es", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *es = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:flush", kwlist, &es) ||
        ha_oid_check(st, self) < 0 || ha_oid_resolve_es(st, self, es, &core_es) < 0)
        return NULL;
    ha_task *t = ha_new_task(HA_OP_FILE_FLUSH);
    if (!t)
        return NULL;
    t->obj = ha_handle_ref(ha_handle_file(self->h));
    int rc = ha_dispatch(st, t, core_es);
    ha_task_unref(t);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}
