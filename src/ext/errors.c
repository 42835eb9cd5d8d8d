/*
 * Exceptions.  h5py's choices: a missing name is KeyError, a name that
 * exists or a bad value ValueError, a type problem TypeError, anything from
 * the file system OSError with errno (so FileNotFoundError, FileExistsError
 * and PermissionError come out of errno), and the rest RuntimeError.
 */
#include "errors.h"

#include <stdio.h>

static PyObject *exc_type(ha_state *st, ha_error *e)
{
    switch (e->code) {
    case HA_E_NOT_FOUND:
        return PyExc_KeyError;
    case HA_E_EXISTS:
    case HA_E_VALUE:
    case HA_E_READONLY:
    case HA_E_CLOSED:
        return PyExc_ValueError;
    case HA_E_TYPE:
        return PyExc_TypeError;
    case HA_E_IO:
        return PyExc_OSError;
    case HA_E_DEPENDENCY:
        return st->DependencyError;
    case HA_E_CANCELLED:
        return st->CancelledError;
    case HA_E_NOMEM:
        return PyExc_MemoryError;
    default:
        return PyExc_RuntimeError;
    }
}

static int set_attr_str(PyObject *obj, const char *name, const char *value)
{
    PyObject *v = value ? PyUnicode_DecodeUTF8(value, (Py_ssize_t)strlen(value), "replace")
                        : Py_NewRef(Py_None);
    if (!v)
        return -1;
    int rc = PyObject_SetAttrString(obj, name, v);
    Py_DECREF(v);
    return rc;
}

PyObject *ha_exc_new(ha_state *st, ha_error *e)
{
    PyObject *type = exc_type(st, e), *exc = NULL, *msg = NULL;
    /* The operation's identifier (create_group) reads as words in prose. */
    char op[64];
    snprintf(op, sizeof op, "%s", e->op ? e->op : "");
    for (char *c = op; *c; c++)
        if (*c == '_')
            *c = ' ';
    if (e->path && e->path[0])
        msg = PyUnicode_FromFormat("Unable to %s '%s' (%s)", op, e->path, e->message);
    else
        msg = PyUnicode_FromFormat("Unable to %s (%s)", op, e->message);
    if (!msg)
        return NULL;
    if (type == PyExc_OSError && e->sys_errno)
        /* OSError(errno, msg) picks FileNotFoundError etc. from errno. */
        exc = PyObject_CallFunction(type, "iO", e->sys_errno, msg);
    else
        exc = PyObject_CallOneArg(type, msg);
    Py_DECREF(msg);
    if (!exc)
        return NULL;
    if (set_attr_str(exc, "operation", e->op) < 0 ||
        set_attr_str(exc, "object_path", e->path) < 0 ||
        set_attr_str(exc, "hdf5_stack", e->stack) < 0)
        goto fail;
    if (e->cause) {
        PyObject *cause = ha_exc_new(st, e->cause);
        if (!cause)
            goto fail;
        PyException_SetCause(exc, cause); /* steals */
    }
    return exc;
fail:
    Py_DECREF(exc);
    return NULL;
}

PyObject *ha_exc_raise(ha_state *st, ha_error *e)
{
    PyObject *exc = ha_exc_new(st, e);
    if (exc) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

PyObject *ha_exc_raise_group(ha_state *st, ha_error **errs, size_t n)
{
    PyObject *list = PyList_New((Py_ssize_t)n), *group = NULL;
    if (!list)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *exc = ha_exc_new(st, errs[i]);
        if (!exc)
            goto done;
        PyList_SET_ITEM(list, (Py_ssize_t)i, exc);
    }
    group = PyObject_CallFunction(st->EventSetError, "(sO)",
                                  n == 1 ? "1 operation in the event set failed"
                                         : "operations in the event set failed",
                                  list);
    if (group)
        PyErr_SetObject(st->EventSetError, group);
done:
    Py_XDECREF(group);
    Py_DECREF(list);
    return NULL;
}

PyObject *ha_exc_handle(ha_state *st, ha_ecode code)
{
    (void)st;
    if (code == HA_E_DEPENDENCY)
        PyErr_SetString(PyExc_ValueError,
                        "this object belongs to the parent process; reopen the "
                        "file in the child after fork()");
    else
        PyErr_SetString(PyExc_ValueError, "Not a valid object: the object or its file is closed");
    return NULL;
}
