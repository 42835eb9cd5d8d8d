/*
 * The codec pool (codecpool.h).
 *
 * Workers are numbered from 0 as they start.  When the thread count goes
 * down, the workers numbered at or above it leave the next time they wake
 * with nothing queued; when it goes up again before they have left, they
 * simply stay.  So the live workers are always 0 .. alive-1, and a new one
 * takes number `alive`.  Workers are detached: nothing ever waits for one
 * to end, and at process exit the idle ones are simply gone.  (If workers
 * leave out of order and the count rises again meanwhile, two may share a
 * number for a while; the next ensure tops the count up again, so at worst
 * one worker too few runs until then.)
 *
 * Lock order: the pool mutex is a leaf; jobs run without it.
 */
#define _GNU_SOURCE
#include "codecpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "config.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    ha_job *head, **tail;
    int alive;      /* workers running */
    int target;     /* workers wanted (ha_codec_threads at the last ensure) */
} pool = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .work = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
    .tail = &pool.head,
};

static int threads_set; /* atomic: 0 for the default */

static int default_threads;

static void find_default(void)
{
    int n = 0;
    cpu_set_t set;
    if (ha_config_threads(&n, NULL, NULL) <= 0)
        n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    default_threads = n < 1 ? 1 : n > HA_MAX_THREADS ? HA_MAX_THREADS : n;
}

/* Found once: every read and write asks, and the answer is a system call. */
int ha_codec_default_threads(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, find_default);
    return default_threads;
}

int ha_codec_threads(void)
{
    int n = __atomic_load_n(&threads_set, __ATOMIC_RELAXED);
    return n > 0 ? n : ha_codec_default_threads();
}

void ha_codec_set_threads(int n)
{
    __atomic_store_n(&threads_set, n < 0 ? 0 : n > HA_MAX_THREADS ? HA_MAX_THREADS : n,
                     __ATOMIC_RELAXED);
}

typedef struct {
    int id;
    ha_codec_ctx *ctx;
} worker_arg;

static void *worker(void *arg)
{
    int id = ((worker_arg *)arg)->id;
    ha_codec_ctx *ctx = ((worker_arg *)arg)->ctx;
    free(arg);
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (!pool.head && id < pool.target)
            pthread_cond_wait(&pool.work, &pool.mu);
        if (!pool.head)
            break; /* retired */
        ha_job *j = pool.head;
        pool.head = j->next;
        if (!pool.head)
            pool.tail = &pool.head;
        pthread_mutex_unlock(&pool.mu);
        j->run(j, ctx);
        pthread_mutex_lock(&pool.mu);
        j->done = 1;
        pthread_cond_broadcast(&pool.done);
    }
    pool.alive--;
    pthread_mutex_unlock(&pool.mu);
    ha_codec_ctx_free(ctx);
    return NULL;
}

static void atfork_child(void)
{
    /* The workers do not exist in the child.  No job can be in flight at
     * a fork (the engine forks only while idle, and jobs live within one
     * task), but a worker may have held the mutex: start from scratch. */
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.work, NULL);
    pthread_cond_init(&pool.done, NULL);
    pool.head = NULL;
    pool.tail = &pool.head;
    pool.alive = pool.target = 0;
}

static void install_atfork(void) { pthread_atfork(NULL, NULL, atfork_child); }

int ha_pool_ensure(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_atfork);
    int want = ha_codec_threads();
    pthread_mutex_lock(&pool.mu);
    pool.target = want;
    while (pool.alive < want) {
        /* The context is made here, so a worker that starts can always
         * work: a queued job never waits for a worker that gave up. */
        worker_arg *a = malloc(sizeof *a);
        ha_codec_ctx *ctx = a ? ha_codec_ctx_new() : NULL;
        pthread_attr_t attr;
        pthread_t th;
        if (!ctx) {
            free(a);
            break;
        }
        a->id = pool.alive;
        a->ctx = ctx;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&th, &attr, worker, a);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            ha_codec_ctx_free(ctx);
            free(a);
            break;
        }
        pool.alive++;
    }
    /* Wake the ones numbered above the count, so they leave. */
    pthread_cond_broadcast(&pool.work);
    int n = pool.alive < want ? pool.alive : want;
    pthread_mutex_unlock(&pool.mu);
    return n;
}

void ha_pool_submit(ha_job *j)
{
    pthread_mutex_lock(&pool.mu);
    j->next = NULL;
    j->done = 0;
    *pool.tail = j;
    pool.tail = &j->next;
    pthread_cond_signal(&pool.work);
    pthread_mutex_unlock(&pool.mu);
}

void ha_pool_wait(ha_job *j)
{
    pthread_mutex_lock(&pool.mu);
    while (!j->done)
        pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
}
