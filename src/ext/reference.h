/* Reference: h5py's object reference (h5py.Reference), as a value. */
#ifndef HA_EXT_REFERENCE_H
#define HA_EXT_REFERENCE_H

#include <stdint.h>

#include "module.h"

typedef struct {
    PyObject_HEAD
    uint64_t addr;      /* hobj_ref_t: the object header's address; 0 is null */
} ReferenceObject;

extern PyType_Spec ha_reference_spec;

/* A new Reference to `addr` of type `type` (the module's), or NULL. */
PyObject *ha_reference_new(PyTypeObject *type, uint64_t addr);

#endif
