/*
 * Staging buffers, reused.  A queued write copies the caller's data into a
 * buffer it owns; for a large write into fresh memory that copy is mostly
 * page faults, paid on the caller's thread.  Released large buffers wait
 * here (a few of them, a bounded total) for the next write of a size they
 * can hold, so steady-state loops copy into memory already touched.
 *
 * The pool holds at most POOL_SLOTS buffers and the smaller of POOL_BYTES
 * and the staging cap; anything beyond goes back to the OS at once, and
 * ha_stage_trim() empties it at exit.  A buffer is taken for a request it fits without wasting more than
 * half of it.  Its recorded size is what its last user asked for, which
 * never exceeds what it holds.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "desc.h"

#define HUGE_SIZE ((size_t)2 << 20)
#define POOL_SLOTS 8
#define POOL_BYTES ((size_t)512 << 20)

static struct {
    pthread_mutex_t mu;
    void *buf[POOL_SLOTS];
    size_t size[POOL_SLOTS];
    int n;
    size_t bytes;
    size_t limit;       /* the staging cap, when the engine has set it */
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .limit = POOL_BYTES};

void ha_stage_pool_limit(uint64_t cap)
{
    pthread_mutex_lock(&pool.mu);
    pool.limit = cap < POOL_BYTES ? (size_t)cap : POOL_BYTES;
    pthread_mutex_unlock(&pool.mu);
}

/* The smallest pooled buffer that holds `n` bytes without wasting half. */
static void *take(size_t n)
{
    void *p = NULL;
    pthread_mutex_lock(&pool.mu);
    int best = -1;
    for (int i = 0; i < pool.n; i++)
        if (pool.size[i] >= n && pool.size[i] / 2 <= n &&
            (best < 0 || pool.size[i] < pool.size[best]))
            best = i;
    if (best >= 0) {
        p = pool.buf[best];
        pool.bytes -= pool.size[best];
        pool.n--;
        pool.buf[best] = pool.buf[pool.n];
        pool.size[best] = pool.size[pool.n];
    }
    pthread_mutex_unlock(&pool.mu);
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
        pthread_mutex_lock(&pool.mu);
        int kept = pool.n < POOL_SLOTS && pool.bytes + n <= pool.limit;
        if (kept) {
            pool.buf[pool.n] = p;
            pool.size[pool.n++] = n;
            pool.bytes += n;
        }
        pthread_mutex_unlock(&pool.mu);
        if (kept)
            return;
    }
    free(p);
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
    for (int i = 0; i < n; i++)
        free(bufs[i]);
}
