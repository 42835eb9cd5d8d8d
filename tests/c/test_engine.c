/*
 * Engine tests without HDF5 files: queue order, waiting with timeouts,
 * event set counts and errors, the inline fast path, cancel, drain and the
 * wake-up fd.  (Staging: test_staging.c; shutdown: test_lifecycle.c.)
 *
 * HA_OP_SLEEP at the head of the queue is how a test makes later tasks
 * pile up behind a busy engine.  Durations are generous and only lower
 * bounds are asserted: the machines are shared and noisy.
 */
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "notify.h"
#include "runner.h"
#include "test_util.h"

#define MS 1000 /* HA_OP_SLEEP takes microseconds */

TEST(queue_fifo_order)
{
    enum { N = 200 };
    ha_eventset *es = ha_es_new();
    ha_task *tasks[N];
    /* The head keeps the I/O thread busy so the rest are all queued before
     * any runs: the order checked below is the queue's. */
    ha_task *head = submit_sleep(50 * MS, es);
    for (int i = 0; i < N; i++)
        tasks[i] = i % 3 ? submit_noop(es) : submit_sleep(100, es);
    wait_es(es);

    ASSERT_EQ(head->status, HA_DONE);
    double prev_end = head->t_end;
    for (int i = 0; i < N; i++) {
        ha_task *t = tasks[i];
        ASSERT_EQ(t->status, HA_DONE);
        /* Started only after the previous one ended: FIFO, one at a time. */
        ASSERT_DBL_GE(t->t_start, prev_end);
        ASSERT_DBL_GE(t->t_end, t->t_start);
        ASSERT_DBL_GE(t->t_start, t->t_submit);
        prev_end = t->t_end;
        ha_task_unref(t);
    }
    ha_task_unref(head);
    ha_es_unref(es);
}

/* Several threads mixing queued and synchronous (possibly inline) tasks:
 * executions never overlap and each thread's tasks run in its order. */
enum { CS_THREADS = 4, CS_PER = 60 };
static ha_task *cs_tasks[CS_THREADS][CS_PER];

static void *cs_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < CS_PER; i++) {
        ha_task *t;
        if (i % 2) {
            t = task_new(HA_OP_NOOP, NULL);
            run_sync(t);
        } else {
            t = task_new(HA_OP_SLEEP, NULL);
            t->ival = 50;
            submit(t);
        }
        cs_tasks[id][i] = t;
    }
    return NULL;
}

static int by_start(const void *a, const void *b)
{
    double x = (*(ha_task *const *)a)->t_start;
    double y = (*(ha_task *const *)b)->t_start;
    return x < y ? -1 : x > y;
}

TEST(concurrent_submitters_serialised)
{
    pthread_t th[CS_THREADS];
    for (int i = 0; i < CS_THREADS; i++)
        ASSERT_EQ(pthread_create(&th[i], NULL, cs_worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < CS_THREADS; i++)
        ASSERT_EQ(pthread_join(th[i], NULL), 0);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);

    ha_task *all[CS_THREADS * CS_PER];
    int n = 0;
    for (int i = 0; i < CS_THREADS; i++) {
        for (int j = 0; j < CS_PER; j++) {
            ASSERT_EQ(cs_tasks[i][j]->status, HA_DONE);
            if (j)
                ASSERT_DBL_GE(cs_tasks[i][j]->t_start, cs_tasks[i][j - 1]->t_end);
            all[n++] = cs_tasks[i][j];
        }
    }
    qsort(all, (size_t)n, sizeof all[0], by_start);
    for (int i = 1; i < n; i++)
        ASSERT_DBL_GE(all[i]->t_start, all[i - 1]->t_end);
    for (int i = 0; i < n; i++)
        ha_task_unref(all[i]);
}

/*
 * Waiting threads run small queued tasks themselves (ha_engine_help_locked):
 * each thread queues two tasks, then runs a third synchronously, or waits
 * for the second, or for its event set.  Whoever executes, every thread's
 * tasks must run in submission order and no two tasks at once.
 */
#define HELP_THREADS 3
#define HELP_ROUNDS 300

static ha_task *help_tasks[HELP_THREADS][HELP_ROUNDS * 3];

static void *help_worker(void *arg)
{
    int k = (int)(intptr_t)arg, n = 0;
    ha_eventset *es = ha_es_new();
    for (int r = 0; r < HELP_ROUNDS; r++) {
        ha_task *a = submit_noop(es), *b = submit_noop(es);
        help_tasks[k][n++] = a;
        help_tasks[k][n++] = b;
        ha_task *c = task_new(HA_OP_NOOP, NULL);
        switch ((r + k) % 3) {
        case 0: /* a synchronous call behind them */
            if (ha_run(c, WAIT_LONG) != 1)
                abort();
            break;
        case 1: /* a Future's wait, then the call */
            if (ha_task_wait(b, WAIT_LONG) != 1 || ha_run(c, WAIT_LONG) != 1)
                abort();
            break;
        default: /* the event set's wait, then the call */
            if (ha_es_wait(es, -1) != 0 || ha_run(c, WAIT_LONG) != 1)
                abort();
        }
        help_tasks[k][n++] = c;
    }
    ha_es_unref(es);
    return NULL;
}

TEST(waiters_help_in_queue_order)
{
    ha_stats s0, s1;
    ha_stats_get(&s0);
    pthread_t th[HELP_THREADS];
    for (int i = 0; i < HELP_THREADS; i++)
        ASSERT_EQ(pthread_create(&th[i], NULL, help_worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < HELP_THREADS; i++)
        ASSERT_EQ(pthread_join(th[i], NULL), 0);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    ha_stats_get(&s1);

    enum { N = HELP_THREADS * HELP_ROUNDS * 3 };
    static ha_task *all[N];
    int n = 0;
    for (int i = 0; i < HELP_THREADS; i++) {
        for (int j = 0; j < HELP_ROUNDS * 3; j++) {
            ha_task *t = help_tasks[i][j];
            ASSERT_EQ(t->status, HA_DONE);
            if (j)
                ASSERT_DBL_GE(t->t_start, help_tasks[i][j - 1]->t_end);
            all[n++] = t;
        }
    }
    qsort(all, (size_t)n, sizeof all[0], by_start);
    for (int i = 1; i < n; i++)
        ASSERT_DBL_GE(all[i]->t_start, all[i - 1]->t_end);
    for (int i = 0; i < n; i++)
        ha_task_unref(all[i]);
    ASSERT_EQ(s1.completed - s0.completed, (uint64_t)N);
    fprintf(stderr, "# helped %llu\n", (unsigned long long)(s1.helped_runs - s0.helped_runs));
}

/*
 * A waiter that helped and then meets a task it may not run (a long one)
 * must hand the queue back to the I/O thread, which may be asleep: with an
 * unbounded wait, anything else is a deadlock.
 */
TEST(waiter_hands_unhelpable_task_back)
{
    for (int r = 0; r < 200; r++) {
        ha_eventset *es = ha_es_new();
        ha_task *a = submit_noop(es);
        ha_task *b = submit_sleep(100, es); /* 0.1 ms, but never helped */
        ha_task *c = submit_noop(es);
        ASSERT_EQ(ha_es_wait(es, -1), 0);
        ASSERT_EQ(c->status, HA_DONE);
        ASSERT_DBL_GE(b->t_start, a->t_end);
        ASSERT_DBL_GE(c->t_start, b->t_end);
        ha_task_unref(a);
        ha_task_unref(b);
        ha_task_unref(c);
        ha_es_unref(es);
    }
}

TEST(es_wait_timeout)
{
    ha_eventset *es = ha_es_new();
    ha_task *t = submit_sleep(300 * MS, es);
    double t0 = ha_now();
    ASSERT_EQ(ha_es_wait(es, 0.05), 1); /* still in progress */
    ASSERT_DBL_GE(ha_now() - t0, 0.045);
    ASSERT_LE(ha_task_status(t), HA_RUNNING); /* locked: it may end now */

    ASSERT_EQ(ha_es_wait(es, -1), 0); /* forever: until it is done */
    ASSERT_EQ(t->status, HA_DONE);
    ASSERT_DBL_GE(t->t_end - t->t_start, 0.29);
    ASSERT_EQ(ha_es_wait(es, 0), 0); /* nothing left: returns at once */
    ha_task_unref(t);
    ha_es_unref(es);
}

TEST(es_counts)
{
    ha_eventset *es = ha_es_new(), *other = ha_es_new();
    ha_es_counts c;
    ha_es_counts_get(es, &c);
    ASSERT_EQ(c.in_progress, 0);
    ASSERT_EQ(c.op_counter, 0);

    ha_task *head = submit_sleep(500 * MS, other);
    ha_task *ts[5];
    for (int i = 0; i < 5; i++)
        ts[i] = submit_noop(es);
    ha_task *loose = submit_noop(NULL); /* in no set: counted nowhere */

    ha_es_counts_get(es, &c);
    ASSERT_EQ(c.in_progress, 5);
    ASSERT_EQ(c.op_counter, 5);
    ASSERT_EQ(c.failed, 0);
    ha_es_counts_get(other, &c);
    ASSERT_EQ(c.in_progress, 1);
    ASSERT_EQ(c.op_counter, 1);

    wait_es(es);
    ha_es_counts_get(es, &c);
    ASSERT_EQ(c.in_progress, 0);
    ASSERT_EQ(c.op_counter, 5); /* ever submitted: does not go down */
    ASSERT_EQ(c.failed, 0);
    /* FIFO: the head ran before the set's tasks, so its set is done too. */
    ha_es_counts_get(other, &c);
    ASSERT_EQ(c.in_progress, 0);

    /* The inline path counts in the set as well. */
    ha_task *sync = task_new(HA_OP_NOOP, es);
    run_sync(sync);
    ha_es_counts_get(es, &c);
    ASSERT_EQ(c.op_counter, 6);
    ASSERT_EQ(c.in_progress, 0);

    wait_task(loose);
    for (int i = 0; i < 5; i++)
        ha_task_unref(ts[i]);
    ha_task_unref(head);
    ha_task_unref(loose);
    ha_task_unref(sync);
    ha_es_unref(es);
    ha_es_unref(other);
}

TEST(es_errors_fail_op)
{
    ha_eventset *es = ha_es_new();
    ha_stats s0, s1;
    ha_stats_get(&s0);
    ha_task *ok1 = submit_noop(es);
    ha_task *bad = task_new(HA_OP_FAIL, es);
    submit(bad);
    ha_task *ok2 = submit_noop(es); /* a failure does not stop the queue */
    wait_es(es);

    ASSERT_EQ(ok1->status, HA_DONE);
    ASSERT_EQ(ok2->status, HA_DONE);
    ASSERT_EQ(bad->status, HA_FAILED);
    ASSERT_NOT_NULL(bad->error);
    ha_stats_get(&s1);
    ASSERT_EQ(s1.failed - s0.failed, 1);
    ASSERT_EQ(s1.completed - s0.completed, 3);

    ha_es_counts c;
    ha_es_counts_get(es, &c);
    ASSERT_EQ(c.failed, 1);
    ASSERT_EQ(c.in_progress, 0);

    ha_error **errs = take_errors(es, 1);
    ASSERT_EQ(errs[0]->code, HA_E_HDF5);
    ASSERT_STREQ(errs[0]->op, "fail");
    ASSERT_STREQ(errs[0]->op, ha_op_name(HA_OP_FAIL));
    ASSERT_STRSTR(errs[0]->message, "failed on purpose");
    ASSERT_TRUE(errs[0] == bad->error); /* one record, shared */
    free_errors(errs, 1);

    /* Taken means cleared. */
    ha_es_counts_get(es, &c);
    ASSERT_EQ(c.failed, 0);
    size_t n = 7;
    ASSERT_NULL(ha_es_take_errors(es, &n));
    ASSERT_EQ(n, 0);

    ha_task_unref(ok1);
    ha_task_unref(ok2);
    ha_task_unref(bad);
    ha_es_unref(es);
}

TEST(run_inline_fast_path)
{
    ha_stats s0, s1, s2;
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    ha_stats_get(&s0);

    /* Idle engine: the caller runs the task itself. */
    ha_task *t = task_new(HA_OP_NOOP, NULL);
    ASSERT_EQ(ha_run(t, -1), 1);
    ASSERT_EQ(t->status, HA_DONE);
    ha_stats_get(&s1);
    ASSERT_EQ(s1.inline_runs - s0.inline_runs, 1);
    ASSERT_EQ(s1.submitted - s0.submitted, 0);
    ASSERT_EQ(s1.completed - s0.completed, 1);

    /* Busy engine: the task is queued behind the sleep and waited for, so
     * FIFO order holds for synchronous calls too. */
    ha_task *head = submit_sleep(200 * MS, NULL);
    ha_task *t2 = task_new(HA_OP_NOOP, NULL);
    ASSERT_EQ(ha_run(t2, WAIT_LONG), 1);
    ASSERT_EQ(t2->status, HA_DONE);
    ASSERT_EQ(head->status, HA_DONE);
    ASSERT_DBL_GE(t2->t_start, head->t_end);
    ha_stats_get(&s2);
    ASSERT_EQ(s2.inline_runs - s1.inline_runs, 0);
    ASSERT_EQ(s2.submitted - s1.submitted, 2);
    ASSERT_GE(s2.waits - s1.waits, 1);

    ha_task_unref(t);
    ha_task_unref(t2);
    ha_task_unref(head);
}

TEST(run_timeout_then_wait)
{
    ha_task *head = submit_sleep(300 * MS, NULL);
    ha_task *t = task_new(HA_OP_NOOP, NULL);
    ASSERT_EQ(ha_run(t, 0.05), 0); /* timed out: still queued */
    ASSERT_EQ(ha_task_status(t), HA_QUEUED);
    ASSERT_EQ(ha_task_wait(t, WAIT_LONG), 1);
    ASSERT_EQ(t->status, HA_DONE);
    ha_task_unref(t);
    ha_task_unref(head);
}

TEST(drain_timeout)
{
    ha_task *head = submit_sleep(300 * MS, NULL);
    ha_task *tail = submit_noop(NULL);
    ASSERT_EQ(ha_drain(0.05), 0);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    ASSERT_EQ(head->status, HA_DONE);
    ASSERT_EQ(tail->status, HA_DONE);
    ha_stats s;
    ha_stats_get(&s);
    ASSERT_EQ(s.queued, 0);
    ha_task_unref(head);
    ha_task_unref(tail);
}

TEST(cancel_queued_tasks)
{
    enum { N = 10 };
    ha_eventset *es_a = ha_es_new(), *es_b = ha_es_new();
    ha_task *head = submit_sleep(500 * MS, es_a);
    wait_started(head); /* running: it cannot be cancelled any more */
    ha_task *tb[N];
    for (int i = 0; i < N; i++)
        tb[i] = submit_noop(es_b);
    ha_task *tail = submit_noop(es_a);

    size_t left = 99;
    ASSERT_EQ(ha_es_cancel(es_b, &left), N);
    ASSERT_EQ(left, 0);
    /* The counts drop at once, without waiting for the head. */
    ha_es_counts c;
    ha_es_counts_get(es_b, &c);
    ASSERT_EQ(c.in_progress, 0);
    ASSERT_EQ(c.op_counter, N);
    ASSERT_EQ(ha_es_wait(es_b, 0), 0);
    for (int i = 0; i < N; i++) {
        ASSERT_EQ(tb[i]->status, HA_CANCELLED);
        ASSERT_NOT_NULL(tb[i]->error);
        ASSERT_EQ(tb[i]->error->code, HA_E_CANCELLED);
        ASSERT_STREQ(tb[i]->error->op, "noop");
    }

    /* The running head stays; only the queued tail of es_a is cancelled. */
    ASSERT_EQ(ha_es_cancel(es_a, &left), 1);
    ASSERT_EQ(left, 1);
    wait_es(es_a);
    ASSERT_EQ(head->status, HA_DONE);
    ASSERT_EQ(tail->status, HA_CANCELLED);
    ASSERT_EQ(ha_es_cancel(es_a, &left), 0); /* nothing left to cancel */
    ASSERT_EQ(left, 0);

    ha_stats s;
    ha_stats_get(&s);
    ASSERT_EQ(s.queued, 0);
    for (int i = 0; i < N; i++)
        ha_task_unref(tb[i]);
    ha_task_unref(head);
    ha_task_unref(tail);
    ha_es_unref(es_a);
    ha_es_unref(es_b);
}

TEST(task_cancel_single)
{
    ha_task *head = submit_sleep(200 * MS, NULL);
    wait_started(head);
    ha_task *t = submit_noop(NULL);
    ha_task *after = submit_noop(NULL);
    ASSERT_EQ(ha_task_cancel(head), 0); /* running */
    ASSERT_EQ(ha_task_cancel(t), 1);
    ASSERT_EQ(ha_task_cancel(t), 0); /* once only */
    ASSERT_EQ(t->status, HA_CANCELLED);
    ASSERT_EQ(ha_task_wait(t, 0), 1); /* complete: waiting returns at once */
    wait_task(after);
    ASSERT_EQ(after->status, HA_DONE); /* the queue goes on around it */
    ha_task_unref(head);
    ha_task_unref(t);
    ha_task_unref(after);
}

static int fd_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

TEST(notify_fd_signals)
{
    /* Two listeners (two event loops) are each woken. */
    int fd = ha_notify_open(), fd2 = ha_notify_open();
    ASSERT_GE(fd, 0);
    ASSERT_GE(fd2, 0);
    ASSERT_NE(fd, fd2);
    ASSERT_EQ(fd_readable(fd), 0);
    ha_task *t = submit_noop(NULL);
    wait_task(t);
    ASSERT_EQ(fd_readable(fd), 1);
    ASSERT_EQ(fd_readable(fd2), 1);
    ha_notify_clear(fd);
    ASSERT_EQ(fd_readable(fd), 0);
    ASSERT_EQ(fd_readable(fd2), 1);
    ha_notify_close(fd);
    ha_notify_close(fd2);
    ha_task_unref(t);
}
