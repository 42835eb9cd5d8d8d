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

/* An optional non-negative integer keyword: 0 and *out untouched for None,
 * 1 when set, -1 with an exception. */
static int opt_u64(PyObject *v, uint64_t *out)
{
    if (v == Py_None)
        return 0;
    PyObject *i = PyNumber_Index(v);
    unsigned long long n = i ? PyLong_AsUnsignedLongLong(i) : (unsigned long long)-1;
    Py_XDECREF(i);
    if (n == (unsigned long long)-1 && PyErr_Occurred())
        return -1;
    *out = n;
    return 1;
}

/* The same for a keyword whose bit in o->set says it was given. */
static int opt_set(PyObject *v, uint64_t *out, unsigned bit, ha_fopt *o)
{
    int rc = opt_u64(v, out);
    if (rc > 0)
        o->set |= bit;
    return rc < 0 ? -1 : 0;
}

/* h5py's File() keywords besides libver and userblock_size, checked as
 * h5py checks them.  `mode` is the ha_fmode. */
typedef struct {
    PyObject *swmr, *rdcc_nslots, *rdcc_nbytes, *rdcc_w0, *track_order, *fs_strategy,
        *fs_persist, *fs_threshold, *fs_page_size, *page_buf_size, *min_meta_keep,
        *min_raw_keep, *locking, *align_threshold, *align_interval, *meta_block_size;
} file_kw;

static int parse_locking(PyObject *v, ha_fopt *o)
{
    if (v == Py_None)
        return 0;
    const char *s = PyUnicode_Check(v) ? PyUnicode_AsUTF8(v) : NULL;
    if (v == Py_False || (s && !strcmp(s, "false")))
        o->locking = 0;
    else if (v == Py_True || (s && !strcmp(s, "true")))
        o->locking = 1;
    else if (s && !strcmp(s, "best-effort"))
        o->locking = 2;
    else {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "Unsupported locking value: %S", v);
        return -1;
    }
    o->set |= HA_FOPT_LOCKING;
    return 0;
}

static int parse_fspace(const file_kw *k, ha_fmode mode, ha_fopt *o)
{
    static const char *names[] = {"fsm", "page", "aggregate", "none"};
    int truthy = PyObject_IsTrue(k->fs_strategy);
    if (truthy <= 0)
        return truthy; /* None or '' : HDF5's default, as h5py */
    if (mode != HA_FMODE_TRUNC && mode != HA_FMODE_EXCL) {
        PyErr_SetString(PyExc_ValueError, "Unable to set file space strategy of an existing file");
        return -1;
    }
    const char *s = PyUnicode_Check(k->fs_strategy) ? PyUnicode_AsUTF8(k->fs_strategy) : NULL;
    int i = 0;
    while (s && i < 4 && strcmp(s, names[i]))
        i++;
    if (!s || i == 4) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "Invalid file space strategy type");
        return -1;
    }
    o->set |= HA_FOPT_FSPACE;
    o->fs_strategy = i;
    o->fs_threshold = 1;
    if ((o->fs_persist = PyObject_IsTrue(k->fs_persist)) < 0 ||
        opt_u64(k->fs_threshold, &o->fs_threshold) < 0)
        return -1;
    int page = PyObject_IsTrue(k->fs_page_size);
    if (page < 0 || (page && opt_u64(k->fs_page_size, &o->fs_page_size) < 0))
        return -1;
    if (o->fs_page_size && o->fs_page_size < 512 && i == HA_FSPACE_PAGE) {
        PyErr_SetString(PyExc_ValueError, "Cannot set file space page size to less than 512");
        return -1;
    }
    return 0;
}

static int parse_file_kw(const file_kw *k, ha_fmode mode, ha_fopt *o)
{
    uint64_t keep = 0;
    int swmr = PyObject_IsTrue(k->swmr), track = PyObject_IsTrue(k->track_order);
    if (swmr < 0 || track < 0)
        return -1;
    if (swmr && mode != HA_FMODE_R &&
        PyErr_WarnEx(PyExc_UserWarning,
                     "swmr=True only affects read ('r') mode. For swmr write mode, set "
                     "f.swmr_mode = True after opening the file.", 2) < 0)
        return -1;
    o->swmr_read = swmr && mode == HA_FMODE_R;
    o->track_order = track;
    if (opt_set(k->rdcc_nslots, &o->rdcc_nslots, HA_FOPT_RDCC_NSLOTS, o) < 0 ||
        opt_set(k->rdcc_nbytes, &o->rdcc_nbytes, HA_FOPT_RDCC_NBYTES, o) < 0 ||
        opt_set(k->meta_block_size, &o->meta_block_size, HA_FOPT_META_BLOCK, o) < 0 ||
        parse_locking(k->locking, o) < 0 || parse_fspace(k, mode, o) < 0)
        return -1;
    if (k->rdcc_w0 != Py_None) {
        o->rdcc_w0 = PyFloat_AsDouble(k->rdcc_w0);
        if (o->rdcc_w0 == -1.0 && PyErr_Occurred())
            return -1;
        if (!(o->rdcc_w0 >= 0.0 && o->rdcc_w0 <= 1.0)) {
            /* HDF5 refuses it at open; h5py's set_cache raises ValueError. */
            PyErr_SetString(PyExc_ValueError, "rdcc_w0 must be between 0 and 1 inclusive");
            return -1;
        }
        o->set |= HA_FOPT_RDCC_W0;
    }
    int pbs = PyObject_IsTrue(k->page_buf_size);
    if (pbs < 0 || (pbs && opt_u64(k->page_buf_size, &o->page_buf_size) < 0))
        return -1;
    if (opt_u64(k->min_meta_keep, &keep) < 0)
        return -1;
    o->min_meta_keep = (unsigned)keep;
    keep = 0;
    if (opt_u64(k->min_raw_keep, &keep) < 0)
        return -1;
    o->min_raw_keep = (unsigned)keep;
    o->align_threshold = o->align_interval = 1;
    if (opt_u64(k->align_threshold, &o->align_threshold) < 0 ||
        opt_u64(k->align_interval, &o->align_interval) < 0)
        return -1;
    if (!o->align_threshold || !o->align_interval) {
        PyErr_SetString(PyExc_ValueError, "Alignment must be positive");
        return -1;
    }
    if (o->align_threshold != 1 || o->align_interval != 1)
        o->set |= HA_FOPT_ALIGN;
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
                             "userblock_size", "comm", "swmr", "rdcc_nslots", "rdcc_nbytes",
                             "rdcc_w0", "track_order", "fs_strategy", "fs_persist",
                             "fs_threshold", "fs_page_size", "page_buf_size", "min_meta_keep",
                             "min_raw_keep", "locking", "alignment_threshold",
                             "alignment_interval", "meta_block_size", "image", NULL};
    ha_state *st = ha_state_mod(module);
    PyObject *name = NULL, *es = Py_None, *fsname = NULL, *path = NULL;
    const char *mode = "r", *driver = NULL;
    int backing_store = 1;
    PyObject *libver = Py_None, *ublock = Py_None, *comm = Py_None, *image = Py_None;
    Py_buffer img = {0};
    ha_task *t = NULL;
    ObjectID *o = NULL;
    ha_fopt fopt = {.libver_lo = -1, .libver_hi = -1};
    file_kw k = {Py_False, Py_None, Py_None, Py_None, Py_None, Py_None, Py_False,
                 Py_None, Py_None, Py_None, Py_None, Py_None, Py_None, Py_None,
                 Py_None, Py_None};
    if (!PyArg_ParseTupleAndKeywords(
            args, kw, "O|sOzpOOO$OOOOOOOOOOOOOOOOO:open_file", kwlist, &name, &mode, &es,
            &driver, &backing_store, &libver, &ublock, &comm, &k.swmr, &k.rdcc_nslots,
            &k.rdcc_nbytes, &k.rdcc_w0, &k.track_order, &k.fs_strategy, &k.fs_persist,
            &k.fs_threshold, &k.fs_page_size, &k.page_buf_size, &k.min_meta_keep,
            &k.min_raw_keep, &k.locking, &k.align_threshold, &k.align_interval,
            &k.meta_block_size, &image) ||
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
    if (ublock != Py_None && (modes[m].mode == HA_FMODE_R || modes[m].mode == HA_FMODE_RW)) {
        PyErr_SetString(PyExc_ValueError, "User block may only be specified when creating a file");
        return NULL;
    }
    if (parse_file_kw(&k, modes[m].mode, &fopt) < 0)
        return NULL;
    ha_driver drv = HA_DRIVER_DEFAULT;
    if (driver && !strcmp(driver, "core"))
        drv = backing_store ? HA_DRIVER_CORE : HA_DRIVER_CORE_NOSTORE;
    else if (driver && !strcmp(driver, "stdio"))
        drv = HA_DRIVER_STDIO;
    else if (driver && !strcmp(driver, "mpio")) {
        if (parse_comm(comm, &fopt) < 0)
            return NULL;
    } else if (driver && (!strcmp(driver, "family") || !strcmp(driver, "split") ||
                          !strcmp(driver, "ros3") || !strcmp(driver, "direct") ||
                          !strcmp(driver, "fileobj"))) {
        /* h5py's drivers that h5async lacks: said so, not "unknown" */
        PyErr_Format(PyExc_NotImplementedError, "the \"%s\" driver is not supported by "
                     "h5async (docs/api.md, \"Files\")", driver);
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
    /* File.in_memory(file_image): a copy the task owns until HDF5 copies it. */
    if (image != Py_None) {
        if (drv != HA_DRIVER_CORE_NOSTORE) {
            PyErr_SetString(PyExc_ValueError, "image= needs driver='core', backing_store=False");
            goto done;
        }
        if (PyObject_GetBuffer(image, &img, PyBUF_SIMPLE) < 0)
            goto done;
        if (img.len && !(t->buf = malloc((size_t)img.len))) {
            PyErr_NoMemory();
            goto done;
        }
        if (img.len)
            memcpy(t->buf, img.buf, (size_t)img.len);
        t->nbytes = (size_t)img.len;
        t->own_buf = 1;
    }
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
    if (img.obj)
        PyBuffer_Release(&img);
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

/* file_info(): the driver, libver bounds, user block and metadata block
 * sizes and SWMR intent of this object's file, read from HDF5 as h5py does.
 * Waits for its own task. */
PyObject *ha_file_info(ObjectID *self, PyObject *unused)
{
    (void)unused;
    ha_task *t = ha_ask(self, HA_OP_FILE_INFO, NULL);
    if (!t)
        return NULL;
    PyObject *r = Py_BuildValue(
        "{s:s,s:(ss),s:K,s:K,s:O}", "driver", t->result.names[0], "libver", t->result.names[1],
        t->result.names[2], "userblock_size", (unsigned long long)t->result.token[0],
        "meta_block_size", (unsigned long long)t->result.token[1], "swmr_mode",
        t->result.ival ? Py_True : Py_False);
    ha_task_unref(t);
    return r;
}

/*
 * SWMR's pair on one dataset: dset_flush(es=DEFAULT) queues H5Dflush (a
 * writer makes the dataset's data and metadata visible to readers);
 * refresh() waits for H5Drefresh (a reader sees the writer's latest state)
 * and updates the cached shape from it.
 */
int ha_oid_check_dataset(ha_state *st, ObjectID *o); /* dataset.c */

PyObject *ha_dset_flush(ObjectID *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"es", NULL};
    ha_state *st = ha_state_of((PyObject *)self);
    PyObject *es = NULL;
    HA_ES_AUTO ha_eventset *core_es = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:dset_flush", kwlist, &es) ||
        ha_oid_check_dataset(st, self) < 0 || ha_oid_resolve_es(st, self, es, &core_es) < 0)
        return NULL;
    ha_task *t = ha_new_task(HA_OP_DSET_FLUSH);
    if (!t)
        return NULL;
    t->obj = ha_handle_ref(self->h);
    int rc = ha_dispatch(st, t, core_es);
    ha_task_unref(t);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyObject *ha_dset_refresh(ObjectID *self, PyObject *unused)
{
    (void)unused;
    ha_state *st = ha_state_of((PyObject *)self);
    if (ha_oid_check_dataset(st, self) < 0)
        return NULL;
    ha_task *t = ha_ask(self, HA_OP_DSET_REFRESH, NULL);
    if (!t)
        return NULL;
    /* Only the dimensions change; a null or scalar dataset stays one. */
    if (t->result.extent.rank == self->ext.rank && !self->ext.null)
        self->ext = t->result.extent;
    ha_task_unref(t);
    Py_RETURN_NONE;
}
