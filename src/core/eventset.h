/*
 * Event sets: a count of operations in progress and the errors of those
 * that failed.  All fields are protected by the engine mutex; an event set
 * is reference counted so tasks can outlive the Python object.
 */
#ifndef HA_EVENTSET_H
#define HA_EVENTSET_H

#include <stddef.h>
#include <stdint.h>

#include "h5err.h"

typedef struct ha_eventset ha_eventset;

/* Returns a new reference, or NULL on out-of-memory. */
ha_eventset *ha_es_new(void);
ha_eventset *ha_es_ref(ha_eventset *es);
void ha_es_unref(ha_eventset *es);

/* For `__attribute__((cleanup))`: drop the reference *esp holds, if any. */
void ha_es_unrefp(ha_eventset **esp);

/*
 * Close `es`: from now on it accepts no new operation (ha_submit() refuses
 * it with HA_SUBMIT_ES_CLOSED), so nothing can be added that nobody would
 * wait for, and a thread that keeps submitting cannot keep a close waiting.
 * Returns 1 if nothing of it is in progress any more, 0 if the caller must
 * still wait for what is (ha_es_wait, then call again).
 */
int ha_es_close(ha_eventset *es);
int ha_es_closed(ha_eventset *es);

/* Whether `es` was inherited from the parent of a fork(): its operations
 * belong to the parent and never complete here. */
int ha_es_inherited(const ha_eventset *es);

/*
 * Wait until no operation of `es` is in progress or `timeout` seconds have
 * passed (timeout < 0 means forever).  Returns the number still in progress.
 */
uint64_t ha_es_wait(ha_eventset *es, double timeout);

typedef struct {
    uint64_t in_progress;
    uint64_t bytes;         /* memory those hold: staged data, results (task footprints) */
    uint64_t op_counter;    /* operations ever submitted with this set */
    uint64_t failed;        /* failures not yet taken */
    uint64_t cancelled;     /* operations ha_es_cancel() ever cancelled */
} ha_es_counts;

void ha_es_counts_get(ha_eventset *es, ha_es_counts *out);

/*
 * Take the recorded errors: returns an array of `*n` new references that the
 * caller frees (the array with free(), each with ha_error_unref) and clears
 * them from the set.  NULL with *n == 0 when there are none.
 */
ha_error **ha_es_take_errors(ha_eventset *es, size_t *n);

/* Cancel the queued operations of `es`; returns how many were cancelled. */
size_t ha_es_cancel(ha_eventset *es, size_t *not_cancelled);

#endif
