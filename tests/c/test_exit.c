/*
 * Event-set closing and the exit steps of the engine: a closed set refuses
 * new tasks; "drain up to" waits only for what was submitted before it; an
 * interrupted exit cancels what had not started and counts its bytes.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "runner.h"
#include "test_util.h"

#define MS 1000 /* HA_OP_SLEEP takes microseconds */

TEST(es_close_refuses_new_tasks)
{
    ha_eventset *es = ha_es_new();
    ha_task *busy = submit_sleep(100 * MS, es);
    ASSERT_EQ(ha_es_close(es), 0); /* still in progress: not closed */
    wait_es(es);
    ASSERT_EQ(ha_es_close(es), 1);
    ASSERT_EQ(ha_es_closed(es), 1);
    ha_task *t = task_new(HA_OP_NOOP, es);
    ASSERT_EQ(ha_submit(t), HA_SUBMIT_ES_CLOSED);
    ASSERT_EQ(ha_run(t, WAIT_LONG), HA_SUBMIT_ES_CLOSED);
    ha_es_counts c;
    ha_es_counts_get(es, &c);
    ASSERT_EQ(c.op_counter, 1); /* the refused task was never counted */
    ha_task_unref(t);
    ha_task_unref(busy);
    ha_es_unref(es);
}

TEST(drain_upto_ignores_later_tasks)
{
    ha_task *a = submit_sleep(50 * MS, NULL);
    uint64_t upto = ha_last_seq();
    ha_task *b = submit_sleep(2000 * MS, NULL); /* submitted after: not waited for */
    ASSERT_EQ(ha_drain_upto(upto, WAIT_LONG), 1);
    ASSERT_EQ(ha_task_status(a), HA_DONE);
    ASSERT_LT(ha_task_status(b), HA_DONE);
    ASSERT_EQ(ha_task_cancel(b) || ha_task_status(b) == HA_RUNNING, 1);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    ha_task_unref(a);
    ha_task_unref(b);
}

TEST(exit_interrupt_cancels_queued_and_counts_bytes)
{
    ha_task *head = submit_sleep(200 * MS, NULL);
    wait_started(head);
    ha_task *w[3];
    for (int i = 0; i < 3; i++) {
        w[i] = task_new(HA_OP_NOOP, NULL);
        w[i]->buf = malloc(1000);
        w[i]->nbytes = 1000;
        w[i]->own_buf = 1;
        submit(w[i]);
    }
    uint64_t bytes = 0;
    ASSERT_EQ(ha_exit_interrupt(&bytes), 3);
    ASSERT_EQ(bytes, 3000);
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(ha_task_status(w[i]), HA_CANCELLED);
        ha_task_unref(w[i]);
    }
    wait_task(head);
    ASSERT_EQ(head->status, HA_DONE); /* the running task is left to finish */
    ha_task_unref(head);
}

/* The extension's close(): wait, then close once nothing is in progress;
 * one thread does that while another waits on the same set, each with its
 * own reference, and a third keeps submitting until the set refuses.  Run
 * under TSan and ASan by `make check`. */
typedef struct {
    ha_eventset *es;
    int refused;
} race_arg;

/* Each thread is handed a reference taken before it starts (the rule the
 * extension follows: take it before letting go of the GIL). */
static void *race_waiter(void *p)
{
    ha_eventset *es = p;
    ha_es_wait(es, WAIT_LONG);
    ha_es_unref(es);
    return NULL;
}

static void *race_submitter(void *p)
{
    race_arg *a = p;
    ha_eventset *es = a->es;
    for (;;) {
        ha_task *t = task_new(HA_OP_NOOP, es);
        int rc = ha_submit(t);
        ha_task_unref(t);
        if (rc == HA_SUBMIT_ES_CLOSED) {
            a->refused = 1;
            break;
        }
        sched_yield(); /* let the closer in: the engine mutex is not fair */
    }
    ha_es_unref(es);
    return NULL;
}

TEST(es_wait_close_submit_race)
{
    for (int i = 0; i < 100; i++) {
        ha_eventset *es = ha_es_new();
        race_arg a = {ha_es_ref(es), 0};
        pthread_t w, s;
        pthread_create(&w, NULL, race_waiter, ha_es_ref(es));
        pthread_create(&s, NULL, race_submitter, &a);
        while (!ha_es_close(es))
            ha_es_wait(es, WAIT_LONG);
        ha_es_unref(es); /* the "Python object's" reference goes first */
        pthread_join(w, NULL);
        pthread_join(s, NULL);
        ASSERT_EQ(a.refused, 1);
    }
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
}
