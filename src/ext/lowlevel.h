/* h5py's low-level calls that clients make on `.id` (lowlevel.c). */
#ifndef HA_EXT_LOWLEVEL_H
#define HA_EXT_LOWLEVEL_H

#include "objectid.h"

/* h5async._h5async.TypeID: a datatype as h5py's h5t.TypeID. */
extern PyType_Spec ha_typeid_spec;

/* A named datatype's type as a new TypeID (its copy(), as h5py's). */
PyObject *ha_typeid_of(ObjectID *o);

/* ObjectID's get_create_plist(), get_type(), get_class(). */
extern PyMethodDef ha_lowlevel_methods[];

#endif
