#include "notify.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

static int notify_fd = -1;

int ha_notify_fd(void)
{
    int fd = __atomic_load_n(&notify_fd, __ATOMIC_ACQUIRE);
    if (fd >= 0)
        return fd;
    fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0)
        return -1;
    int expected = -1;
    if (!__atomic_compare_exchange_n(&notify_fd, &expected, fd, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        close(fd);
        return expected;
    }
    return fd;
}

void ha_notify_signal(void)
{
    int fd = __atomic_load_n(&notify_fd, __ATOMIC_ACQUIRE);
    if (fd < 0)
        return;
    uint64_t one = 1;
    /* EAGAIN means the counter is saturated: it is readable anyway. */
    ssize_t r = write(fd, &one, sizeof one);
    (void)r;
}

void ha_notify_clear(void)
{
    int fd = __atomic_load_n(&notify_fd, __ATOMIC_ACQUIRE);
    if (fd < 0)
        return;
    uint64_t v;
    while (read(fd, &v, sizeof v) == (ssize_t)sizeof v)
        ;
}

void ha_notify_reset_after_fork(void)
{
    /* The eventfd is shared with the parent after fork: get our own. */
    int fd = notify_fd;
    notify_fd = -1;
    if (fd >= 0)
        close(fd);
}
