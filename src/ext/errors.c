/*
 * Exceptions: the one table from a failure to h5py's exception type.
 *
 * h5py takes the type from the outermost entry of HDF5's error stack, that
 * is from the HDF5 call that failed, so for most calls the type does not
 * depend on the cause: H5Lmove raises ValueError whether the name is
 * missing or taken, H5Ocopy RuntimeError.  Two steps follow that:
 *
 * 1. An operation listed in op_types gets h5py's type for its call, for
 *    every failure of the call itself (or for one code, where only that
 *    code is h5py's for the call).
 * 2. Otherwise the cause decides: a missing name is KeyError, a name that
 *    exists or a bad value ValueError, a type problem TypeError, anything
 *    from the file system OSError with errno (so FileNotFoundError,
 *    FileExistsError and PermissionError come out of errno), the rest
 *    RuntimeError.
 *
 * A failure that is not the call's own (a failed dependency, a cancelled
 * task, a closed object, no memory) keeps its type for every operation.
 * Checks made at submit (a read-only file, a hard link across files) build
 * an ha_error too and go through the same table (ha_exc_call).
 */
#include "errors.h"

#include <stdio.h>

typedef enum { EXC_KEY, EXC_VALUE, EXC_OS, EXC_RUNTIME } exc_kind;

static const struct {
    const char *op;  /* ha_op_name() of the operation */
    ha_ecode code;   /* HA_E_NONE: every failure of the call */
    exc_kind kind;
} op_types[] = {
    /* H5Oopen: "unable to open object" (can't open object), also when an
     * external link's file is missing or locked by another process. */
    {"open_object", HA_E_NONE, EXC_KEY},
    /* H5Lmove: "can't move link". */
    {"move", HA_E_NONE, EXC_VALUE},
    /* H5Ocopy: "can't copy object", which h5py leaves to RuntimeError. */
    {"copy", HA_E_NONE, EXC_RUNTIME},
    /* H5Lcreate_hard, H5Lcreate_soft: "can't create"; H5Lcreate_external
     * reports (link, can't initialize), which h5py does not map. */
    {"create_hard_link", HA_E_NONE, EXC_OS},
    {"create_soft_link", HA_E_NONE, EXC_OS},
    {"create_external_link", HA_E_NONE, EXC_RUNTIME},
    /* H5Tcommit2: a name that exists is a KeyError in h5py (h5netcdf's
     * tests expect it), unlike a group's. */
    {"commit_datatype", HA_E_NONE, EXC_KEY},
    /* H5Gcreate2: (symbol table, can't initialize), e.g. under a dataset. */
    {"create_group", HA_E_NONE, EXC_VALUE},
    /* H5Ldelete, H5Adelete: "can't delete". */
    {"delete_link", HA_E_NONE, EXC_KEY},
    {"delete_attribute", HA_E_NONE, EXC_KEY},
    /* H5Aexists: (attribute, can't get), e.g. for an empty name. */
    {"check_attribute", HA_E_NONE, EXC_RUNTIME},
    /* H5Dwrite's "can't write data" is a write error: for a read-only file
     * and for "no appropriate function for conversion path" alike. */
    {"write", HA_E_READONLY, EXC_OS},
    {"write", HA_E_TYPE, EXC_OS},
    /* A read-only file: H5Acreate reports a write error too, H5Dset_extent
     * a failure h5py does not map. */
    {"write_attribute", HA_E_READONLY, EXC_OS},
    /* H5Dread of an unallocated chunk whose fill value HDF5 must write
     * (variable-length strings) in a read-only file: h5py's OSError. */
    {"read", HA_E_READONLY, EXC_OS},
    {"resize", HA_E_READONLY, EXC_RUNTIME},
};

static int own_failure(ha_ecode code)
{
    return code != HA_E_DEPENDENCY && code != HA_E_CANCELLED && code != HA_E_CLOSED &&
           code != HA_E_NOMEM;
}

static PyObject *kind_type(exc_kind kind)
{
    switch (kind) {
    case EXC_KEY:
        return PyExc_KeyError;
    case EXC_VALUE:
        return PyExc_ValueError;
    case EXC_OS:
        return PyExc_OSError;
    default:
        return PyExc_RuntimeError;
    }
}

static PyObject *exc_type(ha_state *st, ha_error *e)
{
    for (size_t i = 0; e->op && own_failure(e->code) && i < sizeof op_types / sizeof op_types[0];
         i++)
        if ((op_types[i].code == HA_E_NONE || op_types[i].code == e->code) &&
            !strcmp(op_types[i].op, e->op))
            return kind_type(op_types[i].kind);
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
    case HA_E_OVERFLOW:
        return PyExc_OverflowError;
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

PyObject *ha_exc_call(ha_state *st, ha_ecode code, ha_opkind op, const char *path,
                      const char *msg)
{
    ha_error *e = ha_error_new(code, ha_op_name(op), path, "%s", msg);
    ha_exc_raise(st, e);
    ha_error_unref(e);
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
