/*
 * The wake-up fd: a file descriptor that becomes readable when a task
 * completes, for event loops (asyncio's add_reader).  Repeated signals
 * merge into one readable state, like uv_async_send.  Until someone asks
 * for the fd, signalling costs nothing.
 */
#ifndef HA_NOTIFY_H
#define HA_NOTIFY_H

/* The fd to watch (created on first call), or -1 on failure. */
int ha_notify_fd(void);

/* Make the fd readable; called on each completion. */
void ha_notify_signal(void);

/* Consume pending signals so the fd is no longer readable. */
void ha_notify_clear(void);

void ha_notify_reset_after_fork(void);

#endif
