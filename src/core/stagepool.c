/*
 * Staging buffers, reused.  A queued write copies the caller's data into a
 * buffer it owns; for a large write into fresh memory that copy is mostly
 * page faults, paid on the caller's thread (a 64 MiB copy: about 5 ms into
 * touched memory, 35-140 ms into fresh).  Released large buffers wait here
 * for the next write of a size they can hold, so steady-state loops copy
 * into memory already touched, bursts included: the pool may hold as much
 * as the staging cap lets queued writes hold, since a burst that filled the
 * cap once will likely come again.
 *
 * Idle memory is given back two ways.  A buffer entering the pool is
 * marked MADV_FREE: the kernel may take its pages whenever memory runs
 * short (reusing them then costs the faults again), and otherwise they are
 * reused as they are.  A buffer idle for POOL_IDLE seconds is freed at the
 * next allocation or release, and ha_stage_trim() empties the pool at exit.
 *
 * A buffer is taken only for a request of exactly its size (loops of large
 * writes repeat their sizes).  So the size it is released with is always
 * what it holds, whoever allocated it (staging of objects uses calloc): the
 * pool's count is exact, and it never hands out less than is asked for.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "desc.h"

#define HUGE_SIZE ((size_t)2 << 20)
#define POOL_SLOTS 64
#define POOL_DEFAULT_BYTES ((size_t)512 << 20) /* until the engine sets the cap */
#define POOL_IDLE 10.0 /* seconds; ha_stage_pool_idle() changes it (tests) */

static struct {
    pthread_mutex_t mu;
    void *buf[POOL_SLOTS];
    size_t size[POOL_SLOTS];
    double since[POOL_SLOTS];   /* when it entered the pool */
    int n;
    size_t bytes;
    size_t limit;               /* the staging cap */
    double idle;                /* seconds a buffer may wait unused */
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .limit = POOL_DEFAULT_BYTES, .idle = POOL_IDLE};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void drop_locked(int i);
static void free_all(void **bufs, int n);

void ha_stage_pool_limit(uint64_t cap)
{
    void *over[POOL_SLOTS];
    int n = 0;
    pthread_mutex_lock(&pool.mu);
    pool.limit = cap > SIZE_MAX ? SIZE_MAX : (size_t)cap;
    /* A lower cap applies to what the pool already holds. */
    while (pool.bytes > pool.limit) {
        over[n++] = pool.buf[pool.n - 1];
        drop_locked(pool.n - 1);
    }
    pthread_mutex_unlock(&pool.mu);
    free_all(over, n);
}

/* fork(): the pool's mutex must not be held by a thread the child lacks
 * (the engine's atfork handlers call these, after taking its mutex). */
void ha_stage_fork_prepare(void) { pthread_mutex_lock(&pool.mu); }
void ha_stage_fork_parent(void) { pthread_mutex_unlock(&pool.mu); }
void ha_stage_fork_child(void) { pthread_mutex_init(&pool.mu, NULL); }

static void drop_locked(int i)
{
    pool.bytes -= pool.size[i];
    pool.n--;
    pool.buf[i] = pool.buf[pool.n];
    pool.size[i] = pool.size[pool.n];
    pool.since[i] = pool.since[pool.n];
}

/* Remove the buffers idle too long into `out` (pool mutex held); how many. */
static int sweep_locked(void **out)
{
    int k = 0;
    double old = mono() - pool.idle;
    for (int i = pool.n - 1; i >= 0; i--) {
        if (pool.since[i] < old) {
            out[k++] = pool.buf[i];
            drop_locked(i);
        }
    }
    return k;
}

static void free_all(void **bufs, int n)
{
    for (int i = 0; i < n; i++)
        free(bufs[i]);
}

/* A pooled buffer of exactly `n` bytes, the most recently pooled one
 * (its pages the likeliest to be still in place). */
static void *take(size_t n)
{
    void *p = NULL, *stale[POOL_SLOTS];
    pthread_mutex_lock(&pool.mu);
    int nstale = sweep_locked(stale);
    int best = -1;
    for (int i = 0; i < pool.n; i++)
        if (pool.size[i] == n && (best < 0 || pool.since[i] > pool.since[best]))
            best = i;
    if (best >= 0) {
        p = pool.buf[best];
        drop_locked(best);
    }
    pthread_mutex_unlock(&pool.mu);
    free_all(stale, nstale);
    return p;
}

void *ha_stage_alloc(size_t n)
{
    if (n < HUGE_SIZE)
        return malloc(n ? n : 1);
    void *p = take(n);
    if (p)
        return p;
    if (posix_memalign(&p, HUGE_SIZE, n) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, n, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
    return p;
}

void ha_stage_free(void *p, size_t n)
{
    if (!p)
        return;
    if (n >= HUGE_SIZE) {
#ifdef MADV_FREE
        /* Before the pool makes it visible: once another thread may have
         * taken it and written to it, this would let the kernel drop that
         * data.  Whole pages only: the tail page may hold another
         * allocation.  Advice: failure is harmless. */
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        madvise(p, n / page * page, MADV_FREE);
#endif
        void *stale[POOL_SLOTS];
        pthread_mutex_lock(&pool.mu);
        int nstale = sweep_locked(stale);
        int kept = pool.n < POOL_SLOTS && pool.bytes + n <= pool.limit;
        if (kept) {
            pool.buf[pool.n] = p;
            pool.size[pool.n] = n;
            pool.since[pool.n++] = mono();
            pool.bytes += n;
        }
        pthread_mutex_unlock(&pool.mu);
        free_all(stale, nstale);
        if (kept)
            return;
    }
    free(p);
}

void ha_stage_pool_idle(double seconds)
{
    pthread_mutex_lock(&pool.mu);
    pool.idle = seconds;
    pthread_mutex_unlock(&pool.mu);
}

size_t ha_stage_pool_bytes(void)
{
    pthread_mutex_lock(&pool.mu);
    size_t n = pool.bytes;
    pthread_mutex_unlock(&pool.mu);
    return n;
}

void ha_stage_trim(void)
{
    pthread_mutex_lock(&pool.mu);
    int n = pool.n;
    void *bufs[POOL_SLOTS];
    for (int i = 0; i < n; i++)
        bufs[i] = pool.buf[i];
    pool.n = 0;
    pool.bytes = 0;
    pthread_mutex_unlock(&pool.mu);
    free_all(bufs, n);
}
