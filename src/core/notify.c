/*
 * Wake-up fds (notify.h).  The registered fds live in one array that grows
 * by doubling, so the only limit on event loops is the process's file
 * descriptors.
 *
 * `mu` guards the array and the count; ha_notify_signal takes it for the
 * writes, so an fd is never written after ha_notify_close has closed it.
 * `nfds` is also read without the lock as a fast "anyone listening?".
 * Lock order: the engine mutex, then `mu` (signalling happens under the
 * engine mutex); nothing here takes the engine mutex.
 *
 * Fork: the child resets the array from a pthread_atfork handler without
 * taking `mu`, which another thread may have held at the fork.  So that
 * whatever array pointer the child inherited is still valid memory with the
 * registered fds in it, an outgrown array is never freed: it is chained to
 * its successor (their total is smaller than the current array).
 */
#include "notify.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef struct fd_array {
    struct fd_array *outgrown; /* the previous, smaller array (kept) */
    int cap;
    int fd[];
} fd_array;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static fd_array *arr;
static int nfds; /* arr->fd[0 .. nfds) are registered */

/* Room for one more fd (mu held); -1 with errno ENOMEM. */
static int reserve_locked(void)
{
    if (arr && nfds < arr->cap)
        return 0;
    int cap = arr ? arr->cap * 2 : 16;
    fd_array *grown = malloc(sizeof *grown + (size_t)cap * sizeof grown->fd[0]);
    if (!grown) {
        errno = ENOMEM;
        return -1;
    }
    grown->outgrown = arr;
    grown->cap = cap;
    if (nfds)
        memcpy(grown->fd, arr->fd, (size_t)nfds * sizeof arr->fd[0]);
    __atomic_store_n(&arr, grown, __ATOMIC_RELEASE);
    return 0;
}

int ha_notify_open(void)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0)
        return -1;
    pthread_mutex_lock(&mu);
    if (reserve_locked() < 0) {
        pthread_mutex_unlock(&mu);
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    arr->fd[nfds] = fd;
    __atomic_store_n(&nfds, nfds + 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&mu);
    return fd;
}

void ha_notify_close(int fd)
{
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nfds; i++) {
        if (arr->fd[i] == fd) {
            arr->fd[i] = arr->fd[nfds - 1];
            __atomic_store_n(&nfds, nfds - 1, __ATOMIC_RELEASE);
            close(fd);
            break;
        }
    }
    pthread_mutex_unlock(&mu);
}

int ha_notify_count(void) { return __atomic_load_n(&nfds, __ATOMIC_ACQUIRE); }

void ha_notify_clear(int fd)
{
    uint64_t v;
    while (read(fd, &v, sizeof v) == (ssize_t)sizeof v)
        ;
}

void ha_notify_signal(void)
{
    if (__atomic_load_n(&nfds, __ATOMIC_ACQUIRE) == 0)
        return;
    uint64_t one = 1;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nfds; i++) {
        /* EAGAIN means the counter is saturated: it is readable anyway. */
        ssize_t r = write(arr->fd[i], &one, sizeof one);
        (void)r;
    }
    pthread_mutex_unlock(&mu);
}

void ha_notify_reset_after_fork(void)
{
    pthread_mutex_init(&mu, NULL);
    /* The child's copies of the parent's fds: the parent's loops watch
     * them, the child never signals them.  Keep the array for reuse. */
    fd_array *a = __atomic_load_n(&arr, __ATOMIC_ACQUIRE);
    int n = __atomic_load_n(&nfds, __ATOMIC_ACQUIRE);
    for (int i = 0; a && i < n && i < a->cap; i++)
        close(a->fd[i]);
    nfds = 0;
}
