/*
 * Wake-up fds: file descriptors that become readable when a task completes,
 * for event loops (asyncio's add_reader).  Each event loop registers its
 * own fd, because a loop that drains a shared fd would steal the wake-up of
 * another.  Repeated signals merge into one readable state, like
 * uv_async_send.  With no fd registered, signalling costs one atomic load.
 * There is no fixed number of fds: the process's file descriptor limit is
 * the only one.
 */
#ifndef HA_NOTIFY_H
#define HA_NOTIFY_H

/* A new fd to watch, or -1 with errno set: eventfd's (EMFILE when the
 * process is out of file descriptors, ENFILE when the system is), or
 * ENOMEM.  Release it with ha_notify_close. */
int ha_notify_open(void);

/* How many fds are registered now (for error messages). */
int ha_notify_count(void);

/* Stop signalling `fd` and close it. */
void ha_notify_close(int fd);

/* Consume pending signals of `fd` so it is no longer readable. */
void ha_notify_clear(int fd);

/* Make every registered fd readable; called on each completion. */
void ha_notify_signal(void);

/* In a forked child: the parent's fds are not ours to signal. */
void ha_notify_reset_after_fork(void);

#endif
