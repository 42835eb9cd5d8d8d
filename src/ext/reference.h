/* Reference: h5py's object reference (h5py.Reference), as a value. */
#ifndef HA_EXT_REFERENCE_H
#define HA_EXT_REFERENCE_H

#include <stdint.h>

#include "desc.h"
#include "module.h"

typedef struct {
    PyObject_HEAD
    uint64_t addr;      /* hobj_ref_t: the object header's address; 0 is null */
} ReferenceObject;

extern PyType_Spec ha_reference_spec;

/* A new Reference to `addr` of type `type` (the module's), or NULL. */
PyObject *ha_reference_new(PyTypeObject *type, uint64_t addr);

/* RegionReference: h5py's dataset region reference, a Reference (as in
 * h5py) whose bytes are HDF5's hdset_reg_ref_t: where the file keeps the
 * dataset and its selection.  `addr` holds the first 8 of them. */
typedef struct {
    ReferenceObject base;
    unsigned char bytes[HA_REGREF_SIZE];
} RegionReferenceObject;

/* Made with the Reference type as its base (module.c). */
extern PyType_Spec ha_regionref_spec;

/* A new RegionReference of the module's `type` holding `bytes`, or NULL. */
PyObject *ha_regionref_new(PyTypeObject *type, const void *bytes);

/* Whether `o` is a RegionReference (of module state `st`); its bytes in
 * *bytes. */
int ha_regionref_bytes(ha_state *st, PyObject *o, const unsigned char **bytes);

#endif
