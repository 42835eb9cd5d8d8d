/*
 * Module state of _h5async: the types and exceptions, per module (PEP 489
 * multi-phase init), reached from a method through its defining class.
 */
#ifndef HA_EXT_MODULE_H
#define HA_EXT_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyTypeObject *EventSetType;
    PyTypeObject *ObjectIDType;
    PyTypeObject *FutureType;
    PyTypeObject *ReferenceType;
    PyTypeObject *RegionReferenceType;  /* a subclass of ReferenceType */
    PyTypeObject *TypeIDType;       /* lowlevel.c */
    PyObject *EventSetError;    /* ExceptionGroup subclass */
    PyObject *DependencyError;  /* RuntimeError subclass */
    PyObject *CancelledError;   /* concurrent.futures.CancelledError */
    PyObject *DEFAULT;          /* sentinel: "use the file's event set" */
    PyObject *await_hook;       /* h5async._aio.awaitable, set at import */
} ha_state;

extern PyModuleDef ha_module_def;

/* The state, from an object whose type this module defined. */
ha_state *ha_state_of(PyObject *obj);
/* `await obj` for EventSet and Future: defers to the asyncio adapter. */
PyObject *ha_await(PyObject *self);

/* The state, from the module object. */
ha_state *ha_state_mod(PyObject *module);

#endif
