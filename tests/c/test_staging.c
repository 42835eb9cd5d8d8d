/*
 * Staged write buffers: the engine counts the bytes held by tasks that own
 * their buffer (own_buf) from submit to completion, on both the queued and
 * the inline path, and caps them (backpressure, DESIGN.md section 3).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner.h"
#include "test_util.h"

#define MS 1000 /* HA_OP_SLEEP takes microseconds */

static ha_task *staged_noop(size_t nbytes)
{
    ha_task *t = task_new(HA_OP_NOOP, NULL);
    t->buf = malloc(nbytes);
    ASSERT_NOT_NULL(t->buf);
    t->nbytes = nbytes;
    t->own_buf = 1; /* freed with the task, counted while it is pending */
    return t;
}

TEST(staged_bytes_balanced)
{
    ha_stats s0, s;
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    ha_stats_get(&s0);
    ha_task *head = submit_sleep(200 * MS, NULL);
    wait_started(head);
    ha_task *t = staged_noop(4096);
    submit(t);
    ha_stats_get(&s);
    ASSERT_EQ(s.staged_bytes - s0.staged_bytes, 4096);
    wait_task(t);
    ha_stats_get(&s);
    ASSERT_EQ(s.staged_bytes, s0.staged_bytes);
    ha_task_unref(t);
    ha_task_unref(head);
}

TEST(staged_bytes_inline)
{
    ha_stats s0, s;
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    ha_stats_get(&s0);
    ha_task *t = staged_noop(4096);
    run_sync(t);
    ha_stats_get(&s);
    ASSERT_EQ(s.inline_runs - s0.inline_runs, 1); /* the fast path ran it */
    /* A synchronous run must leave the staged total where it was. */
    ASSERT_EQ(s.staged_bytes, s0.staged_bytes);
    ha_task_unref(t);
}

/* Backpressure: the memory queued tasks hold (their footprint: the task,
 * its staged buffer) is capped; a submitter over the cap waits until
 * completions make room, but one task alone always fits. */
TEST(stage_backpressure)
{
    ha_stats s0, s;
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    ha_stats_get(&s0);
    ha_task *t = staged_noop(6000);
    ha_task *probe = ha_task_new(HA_OP_SLEEP);
    uint64_t head_fp = ha_task_footprint(probe);
    uint64_t limit = head_fp + ha_task_footprint(t) + 3000;
    /* Fits only once `t` is done too (the head's completion alone is not
     * enough): so the room that comes is `t`'s. */
    uint64_t big = head_fp + 3001;
    ha_task_unref(probe);
    ha_stage_set_limit(limit);
    ASSERT_EQ(ha_stage_limit(), limit);
    ASSERT_EQ(ha_stage_would_block(1 << 20), 0); /* nothing held yet */

    ha_task *head = submit_sleep(300 * MS, NULL);
    wait_started(head);
    submit(t);
    ASSERT_EQ(ha_stage_would_block(2000), 0);
    ASSERT_EQ(ha_stage_would_block(4000), 1);
    ASSERT_EQ(ha_stage_reserve(big, 0.05), 0); /* no room before the head ends */
    ASSERT_EQ(ha_stage_reserve(big, WAIT_LONG), 1);
    ASSERT_EQ(t->status, HA_DONE); /* room came from its completion */
    ha_stats_get(&s);
    ASSERT_EQ(s.held_bytes, s0.held_bytes + big); /* taken by the reservation */
    ha_stage_unreserve(big);
    ha_stats_get(&s);
    ASSERT_GE(s.stage_waits - s0.stage_waits, 1);
    ASSERT_GE(s.staged_peak, 6000);
    ASSERT_EQ(s.staged_bytes, s0.staged_bytes);

    ASSERT_EQ(s.held_bytes, s0.held_bytes);

    ha_stage_set_limit(0); /* back to the default, for in-process runs */
    ASSERT_GT(ha_stage_limit(), limit);
    ha_task_unref(t);
    ha_task_unref(head);
}

/* Released large staging buffers are reused for requests of their size,
 * and the pool keeps no more than the cap allows. */
TEST(stage_pool_reuses_large_buffers)
{
    const size_t mib = (size_t)1 << 20;
    ha_stage_trim();
    ha_stage_pool_limit(64 * mib);
    void *a = ha_stage_alloc(8 * mib);
    ASSERT_NOT_NULL(a);
    memset(a, 1, 8 * mib);
    ha_stage_free(a, 8 * mib);
    void *b = ha_stage_alloc(8 * mib); /* its size: the same buffer */
    ASSERT_EQ(b == a, 1);
    memset(b, 2, 8 * mib);
    ha_stage_free(b, 8 * mib);
    ASSERT_EQ(ha_stage_pool_bytes(), 8 * mib);
    void *c = ha_stage_alloc(6 * mib); /* smaller: a new one, or the pool's
                                          count would not be what it holds */
    ASSERT_EQ(c != b, 1);
    memset(c, 3, 6 * mib);
    ha_stage_free(c, 6 * mib);
    ASSERT_EQ(ha_stage_pool_bytes(), 14 * mib);
    ha_stage_pool_limit(10 * mib); /* a lower cap trims what is held */
    ASSERT_LE(ha_stage_pool_bytes(), 10 * mib);
    ha_stage_pool_limit(64 * mib);
    void *big = ha_stage_alloc(80 * mib); /* over the pool's limit: not kept */
    ASSERT_NOT_NULL(big);
    ha_stage_free(big, 80 * mib);
    void *again = ha_stage_alloc(80 * mib);
    ASSERT_NOT_NULL(again);
    ha_stage_free(again, 80 * mib);
    void *small = ha_stage_alloc(100); /* small ones are plain malloc */
    ASSERT_NOT_NULL(small);
    ha_stage_free(small, 100);
    ha_stage_trim();
    ha_stage_pool_limit(UINT64_MAX);
}

/* A buffer left unused in the pool is freed at the next allocation or
 * release after the idle time; one in use meanwhile is not. */
TEST(stage_pool_frees_idle_buffers)
{
    const size_t mib = (size_t)1 << 20;
    ha_stage_trim();
    ha_stage_pool_idle(0.05);
    void *a = ha_stage_alloc(4 * mib), *b = ha_stage_alloc(8 * mib);
    ASSERT_NOT_NULL(a);
    ASSERT_NOT_NULL(b);
    memset(a, 1, 4 * mib);
    memset(b, 2, 8 * mib);
    ha_stage_free(a, 4 * mib);
    ASSERT_EQ(ha_stage_pool_bytes(), 4 * mib);
    struct timespec nap = {0, 100 * 1000 * 1000};
    nanosleep(&nap, NULL);
    ha_stage_free(b, 8 * mib); /* sweeps `a`, keeps `b` */
    ASSERT_EQ(ha_stage_pool_bytes(), 8 * mib);
    void *c = ha_stage_alloc(8 * mib); /* `b` again, its data no concern */
    ASSERT_EQ(c == b, 1);
    memset(c, 3, 8 * mib);
    ASSERT_EQ(((unsigned char *)c)[8 * mib - 1], 3);
    ha_stage_free(c, 8 * mib);
    ha_stage_pool_idle(10.0);
    ha_stage_trim();
    ASSERT_EQ(ha_stage_pool_bytes(), 0);
}
