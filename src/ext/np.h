/* numpy's C API, imported once in module.c and shared by every file. */
#ifndef HA_EXT_NP_H
#define HA_EXT_NP_H

#include "module.h"

#define PY_ARRAY_UNIQUE_SYMBOL ha_ARRAY_API
#ifndef HA_NUMPY_MAIN
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#endif
