/* numpy's C API, imported once in module.c and shared by every file. */
#ifndef HA_EXT_NP_H
#define HA_EXT_NP_H

#include "module.h"

#define PY_ARRAY_UNIQUE_SYMBOL ha_ARRAY_API
#ifndef HA_NUMPY_MAIN
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#if NPY_ABI_VERSION < 0x02000000
/* Building against numpy 1.x: the numpy 2 accessors are plain fields. */
#define PyDataType_ELSIZE(d) ((d)->elsize)
#define PyDataType_NAMES(d) ((d)->names)
#define PyDataType_FIELDS(d) ((d)->fields)
#define PyDataType_METADATA(d) ((d)->metadata)
#define PyDataType_SUBARRAY(d) ((d)->subarray)
#endif

#endif
