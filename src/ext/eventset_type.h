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
 * The core event set of `obj`, as a new reference: NULL with no error for
 * None, NULL with TypeError/ValueError for anything but an open EventSet.
 *
 * The reference is what keeps the core set alive while the call that uses
 * it runs Python code (conversions, callbacks in ha_reap_python) or waits
 * with the GIL released: meanwhile another thread or a callback may close
 * the EventSet or drop the last Python reference to it.  Declare the
 * variable HA_ES_AUTO so that every return path lets go of it.
 */
ha_eventset *ha_es_from_py(ha_state *st, PyObject *obj);

#define HA_ES_AUTO __attribute__((cleanup(ha_es_unrefp)))

#endif
