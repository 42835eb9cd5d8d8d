/* The EventSet Python type. */
#ifndef HA_EXT_EVENTSET_TYPE_H
#define HA_EXT_EVENTSET_TYPE_H

#include "eventset.h"
#include "module.h"

typedef struct {
    PyObject_HEAD
    ha_eventset *es;    /* owned; NULL once closed */
} EventSetObject;

extern PyType_Spec ha_eventset_spec;

/*
 * The core event set of `obj`: NULL with no error for None, NULL with
 * TypeError/ValueError for anything but an open EventSet.
 */
ha_eventset *ha_es_from_py(ha_state *st, PyObject *obj);

#endif
