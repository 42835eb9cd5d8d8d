#include "settings.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "bshuf.h"
#include "config.h"
#include "notify.h"

/* ValueError for H5ASYNC_THREADS=value. */
static int bad_threads_env(const char *value, const char *why)
{
    PyObject *v = PyUnicode_DecodeFSDefault(value);
    if (v)
        PyErr_Format(PyExc_ValueError,
                     "environment variable %s=%R is invalid: %s.  Expected a whole number of "
                     "codec threads from 1 (filters run inside HDF5) to %d; or leave it unset "
                     "for the default (the cores this process may use)",
                     HA_ENV_THREADS, v, why, HA_MAX_THREADS);
    Py_XDECREF(v);
    return -1;
}

int ha_settings_check_env(void)
{
    const char *value = NULL, *why = NULL;
    if (ha_config_threads(NULL, &value, &why) < 0)
        return bad_threads_env(value, why);
    if (ha_config_staging_limit(NULL, &value, &why) >= 0)
        return 0;
    PyObject *v = PyUnicode_DecodeFSDefault(value);
    if (v)
        PyErr_Format(PyExc_ValueError,
                     "environment variable %s=%R is invalid: %s.  Expected %s; or leave "
                     "it unset for the default (an eighth of RAM, between 64 MiB and 2 GiB)",
                     HA_ENV_STAGING_LIMIT, v, why, HA_BYTES_FORMAT);
    Py_XDECREF(v);
    return -1;
}

int ha_staging_limit_arg(PyObject *arg, uint64_t *out)
{
    if (PyBool_Check(arg) || !PyIndex_Check(arg)) {
        PyErr_Format(PyExc_TypeError,
                     "set_staging_limit() takes an int number of bytes (0 restores the "
                     "default), not %.100s",
                     Py_TYPE(arg)->tp_name);
        return -1;
    }
    PyObject *n = PyNumber_Index(arg), *zero = PyLong_FromLong(0);
    int rc = -1, neg = n && zero ? PyObject_RichCompareBool(n, zero, Py_LT) : -1;
    if (neg < 0)
        goto done;
    unsigned long long v = neg ? 0 : PyLong_AsUnsignedLongLong(n);
    if (neg || (v == (unsigned long long)-1 && PyErr_Occurred())) {
        if (!neg && !PyErr_ExceptionMatches(PyExc_OverflowError))
            goto done;
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError,
                     "set_staging_limit(%S): the limit must be between 0 (the default) and "
                     "2**64 - 1 bytes",
                     n);
        goto done;
    }
    *out = v;
    rc = 0;
done:
    Py_XDECREF(n);
    Py_XDECREF(zero);
    return rc;
}

int ha_threads_arg(PyObject *arg, int *out)
{
    if (PyBool_Check(arg) || !PyIndex_Check(arg)) {
        PyErr_Format(PyExc_TypeError,
                     "set_threads() takes an int number of threads (0 restores the default), "
                     "not %.100s",
                     Py_TYPE(arg)->tp_name);
        return -1;
    }
    int overflow = 0;
    PyObject *n = PyNumber_Index(arg);
    long v = n ? PyLong_AsLongAndOverflow(n, &overflow) : -1;
    if (!n || (v == -1 && PyErr_Occurred())) {
        Py_XDECREF(n);
        return -1;
    }
    if (overflow || v < 0 || v > HA_MAX_THREADS) {
        PyErr_Format(PyExc_ValueError,
                     "set_threads(%S): the number of codec threads must be between 0 (the "
                     "default) and %d",
                     n, HA_MAX_THREADS);
        Py_DECREF(n);
        return -1;
    }
    Py_DECREF(n);
    *out = (int)v;
    return 0;
}

PyObject *ha_notify_open_error(int err)
{
    char what[200];
    struct rlimit rl;
    if (err == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        PyOS_snprintf(what, sizeof what,
                      "the process has reached its limit of %llu open file descriptors "
                      "(RLIMIT_NOFILE)",
                      (unsigned long long)rl.rlim_cur);
    else if (err == EMFILE)
        PyOS_snprintf(what, sizeof what, "the process is out of file descriptors");
    else if (err == ENFILE)
        PyOS_snprintf(what, sizeof what, "the system-wide limit on open files is reached");
    else
        PyOS_snprintf(what, sizeof what, "%s", strerror(err));
    PyObject *msg = PyUnicode_FromFormat(
        "cannot open a wake-up fd (eventfd) for this asyncio event loop: %s; every event "
        "loop that awaits h5async holds one, and %d are open now",
        what, ha_notify_count());
    if (!msg)
        return NULL;
    /* OSError(errno, text) picks the subclass errno maps to, as os does. */
    PyObject *exc = PyObject_CallFunction(PyExc_OSError, "iO", err, msg);
    Py_DECREF(msg);
    if (exc) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

PyObject *ha_set_bitshuffle_paths(PyObject *m, PyObject *arg)
{
    (void)m;
    PyObject *seq = PySequence_Fast(arg, "_set_bitshuffle_paths() takes a list of paths");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), got = 0;
    PyObject **bytes = PyMem_Calloc((size_t)n + 1, sizeof *bytes);
    const char **paths = PyMem_Calloc((size_t)n + 1, sizeof *paths);
    PyObject *r = NULL;
    if (!bytes || !paths) {
        PyErr_NoMemory();
        goto done;
    }
    for (; got < n; got++) {
        if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(seq, got), &bytes[got]))
            goto done;
        paths[got] = PyBytes_AS_STRING(bytes[got]);
    }
    if (ha_bshuf_set_candidates(paths, (size_t)n) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    Py_INCREF(Py_None);
    r = Py_None;
done:
    for (Py_ssize_t i = 0; bytes && i < got; i++)
        Py_DECREF(bytes[i]);
    PyMem_Free(bytes);
    PyMem_Free(paths);
    Py_DECREF(seq);
    return r;
}
