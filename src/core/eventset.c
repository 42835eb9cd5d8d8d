/*
 * Event sets.  Counters and the error list live under the engine mutex,
 * so a completion updates them in the same critical section that marks the
 * task done, and a waiter never sees one without the other.
 */
#include "eventset.h"

#include <stdlib.h>

#include "engine.h"

struct ha_eventset {
    int refcount;           /* atomic */
    unsigned gen;           /* engine generation it was made in */
    uint64_t in_progress;
    uint64_t bytes;         /* memory its operations in progress hold */
    uint64_t op_counter;
    uint64_t cancelled;
    int closed;             /* ha_es_close() succeeded: no new operations */
    ha_errlist errors;
};

ha_eventset *ha_es_new(void)
{
    ha_eventset *es = calloc(1, sizeof *es);
    if (es) {
        es->refcount = 1;
        es->gen = ha_generation();
    }
    return es;
}

int ha_es_inherited(const ha_eventset *es)
{
    return es->gen != ha_generation();
}

ha_eventset *ha_es_ref(ha_eventset *es)
{
    __atomic_add_fetch(&es->refcount, 1, __ATOMIC_RELAXED);
    return es;
}

void ha_es_unref(ha_eventset *es)
{
    if (!es || __atomic_sub_fetch(&es->refcount, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    ha_errlist_clear(&es->errors);
    free(es);
}

void ha_es_unrefp(ha_eventset **esp)
{
    ha_es_unref(*esp);
    *esp = NULL;
}

int ha_es_close(ha_eventset *es)
{
    ha_engine_lock();
    __atomic_store_n(&es->closed, 1, __ATOMIC_RELAXED);
    int idle = es->in_progress == 0;
    ha_engine_unlock();
    return idle;
}

int ha_es_closed(ha_eventset *es) { return __atomic_load_n(&es->closed, __ATOMIC_RELAXED); }

int ha_es_accepts_locked(const ha_eventset *es) { return !es->closed; }

void ha_es_submit_locked(ha_eventset *es, const ha_task *t)
{
    es->in_progress++;
    es->op_counter++;
    es->bytes += t->footprint;
}

void ha_es_complete_locked(ha_eventset *es, ha_task *t)
{
    es->in_progress--;
    es->bytes -= t->footprint;
    /* Only failures are reported; a cancelled operation is not one
     * (as with H5EScancel). */
    if (t->status != HA_FAILED || !t->error)
        return;
    /* On no memory the error is lost to the set, but the task keeps it. */
    ha_errlist_add(&es->errors, t->error);
}

uint64_t ha_es_wait(ha_eventset *es, double timeout)
{
    ha_engine_lock();
    double deadline = timeout < 0 ? -1 : ha_now() + timeout;
    while (es->in_progress) {
        if (ha_engine_help_locked()) {
            if (deadline >= 0 && ha_now() > deadline)
                break;
            continue;
        }
        if (!ha_engine_wait_done(deadline))
            break;
    }
    ha_engine_wait_end_locked();
    uint64_t left = es->in_progress;
    ha_engine_unlock();
    return left;
}

void ha_es_counts_get(ha_eventset *es, ha_es_counts *out)
{
    ha_engine_lock();
    out->in_progress = es->in_progress;
    out->bytes = es->bytes;
    out->op_counter = es->op_counter;
    out->failed = ha_errlist_pending(&es->errors);
    out->cancelled = es->cancelled;
    ha_engine_unlock();
}

ha_error **ha_es_take_errors(ha_eventset *es, size_t *n)
{
    ha_engine_lock();
    ha_error **errs = ha_errlist_take(&es->errors, n);
    ha_engine_unlock();
    return errs;
}

size_t ha_es_cancel(ha_eventset *es, size_t *not_cancelled)
{
    size_t n = ha_engine_cancel_queued(es, NULL);
    ha_engine_lock();
    es->cancelled += n;
    if (not_cancelled)
        *not_cancelled = es->in_progress;
    ha_engine_unlock();
    return n;
}
