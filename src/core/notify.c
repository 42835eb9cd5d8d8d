#include "notify.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define MAX_FDS 64

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int fds[MAX_FDS];
static int nfds; /* read without the lock as a fast "anyone listening?" */

int ha_notify_open(void)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0)
        return -1;
    pthread_mutex_lock(&mu);
    if (nfds == MAX_FDS) {
        pthread_mutex_unlock(&mu);
        close(fd);
        errno = EMFILE;
        return -1;
    }
    fds[nfds] = fd;
    __atomic_store_n(&nfds, nfds + 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&mu);
    return fd;
}

void ha_notify_close(int fd)
{
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nfds; i++) {
        if (fds[i] == fd) {
            fds[i] = fds[nfds - 1];
            __atomic_store_n(&nfds, nfds - 1, __ATOMIC_RELEASE);
            close(fd);
            break;
        }
    }
    pthread_mutex_unlock(&mu);
}

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
        ssize_t r = write(fds[i], &one, sizeof one);
        (void)r;
    }
    pthread_mutex_unlock(&mu);
}

void ha_notify_reset_after_fork(void)
{
    pthread_mutex_init(&mu, NULL);
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    nfds = 0;
}
