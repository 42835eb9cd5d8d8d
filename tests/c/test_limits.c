/*
 * Configuration and limits (issue 10, point 7): the byte-size format of
 * H5ASYNC_STAGING_LIMIT, checked products of extents and byte sizes, and
 * wake-up fds beyond any fixed number, also across fork().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "desc.h"
#include "notify.h"
#include "runner.h"
#include "test_util.h"

static uint64_t parsed(const char *text)
{
    uint64_t v = 12345;
    const char *why = ha_parse_bytes(text, &v);
    if (why) {
        fprintf(stderr, "ha_parse_bytes(\"%s\") refused: %s\n", text, why);
        exit(1);
    }
    return v;
}

static void refused(const char *text)
{
    uint64_t v = 12345;
    const char *why = ha_parse_bytes(text, &v);
    if (!why) {
        fprintf(stderr, "ha_parse_bytes(\"%s\") accepted %llu\n", text, (unsigned long long)v);
        exit(1);
    }
    ASSERT_EQ(v, 12345); /* untouched */
}

TEST(config_parse_bytes)
{
    ASSERT_EQ(parsed("3000000"), 3000000);
    ASSERT_EQ(parsed(" 4096 "), 4096);
    ASSERT_EQ(parsed("4096B"), 4096);
    ASSERT_EQ(parsed("1k"), 1024);
    ASSERT_EQ(parsed("64MiB"), 64ull << 20);
    ASSERT_EQ(parsed("64 mib"), 64ull << 20);
    ASSERT_EQ(parsed("512M"), 512ull << 20);
    ASSERT_EQ(parsed("2G"), 2ull << 30);
    ASSERT_EQ(parsed("2GiB"), 2ull << 30);
    ASSERT_EQ(parsed("1T"), 1ull << 40);
    ASSERT_EQ(parsed("18446744073709551615"), UINT64_MAX);
    ASSERT_EQ(parsed("16777215T"), 16777215ull << 40);
    const char *bad[] = {"", "   ", "abc", "-1", "0", "0MiB", "+5", "1.5G", "1e6", "1,000",
                         "12 potatoes", "64MiB extra", "1 2", "0x10", "1MB", "1gb", "1KiBs",
                         "18446744073709551616", "16777216T", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused(bad[i]);
}

TEST(config_env_checked_once)
{
    uint64_t v = 0;
    const char *value = NULL, *why = NULL;
    setenv(HA_ENV_STAGING_LIMIT, "abc", 1);
    ASSERT_EQ(ha_config_staging_limit(&v, &value, &why), -1);
    ASSERT_EQ(strcmp(value, "abc"), 0);
    ASSERT_NOT_NULL(why);
    /* Read once: the value checked is the value used. */
    setenv(HA_ENV_STAGING_LIMIT, "1M", 1);
    ASSERT_EQ(ha_config_staging_limit(&v, &value, &why), -1);
    ASSERT_EQ(strcmp(value, "abc"), 0);
}

TEST(config_env_valid)
{
    uint64_t v = 0;
    setenv(HA_ENV_STAGING_LIMIT, "3MiB", 1);
    ASSERT_EQ(ha_config_staging_limit(&v, NULL, NULL), 1);
    ASSERT_EQ(v, 3 << 20);
    ASSERT_EQ(ha_stage_limit(), 3 << 20);
    ha_stage_set_limit(77);
    ASSERT_EQ(ha_stage_limit(), 77);
    ha_stage_set_limit(0); /* the default: the variable's value */
    ASSERT_EQ(ha_stage_limit(), 3 << 20);
}

TEST(checked_counts)
{
    uint64_t n = 99;
    const uint64_t wraps_to_0[] = {1ull << 32, 1ull << 32, 2};
    ASSERT_EQ(ha_count_of(3, wraps_to_0, &n), -1);
    const uint64_t just_over[] = {1ull << 32, 1ull << 31, 2}; /* 2**64 */
    ASSERT_EQ(ha_count_of(3, just_over, &n), -1);
    const uint64_t fits[] = {1ull << 32, 1ull << 31};
    ASSERT_EQ(ha_count_of(2, fits, &n), 0);
    ASSERT_EQ(n, 1ull << 63);
    const uint64_t max[] = {1ull << 32, (1ull << 32) - 1};
    ASSERT_EQ(ha_count_of(2, max, &n), 0);
    ASSERT_EQ(n, UINT64_MAX - (1ull << 32) + 1);
    /* A zero extent makes the count 0 even when the others overflow. */
    const uint64_t zero_last[] = {1ull << 40, 1ull << 40, 0};
    ASSERT_EQ(ha_count_of(3, zero_last, &n), 0);
    ASSERT_EQ(n, 0);
    ASSERT_EQ(ha_count_of(0, NULL, &n), 0); /* a scalar */
    ASSERT_EQ(n, 1);

    size_t b = 7;
    ASSERT_EQ(ha_bytes_of(1ull << 44, 1 << 20, &b), -1);
    ASSERT_EQ(ha_bytes_of((1ull << 44) - 1, 1 << 20, &b), 0);
    ASSERT_EQ(b, ((1ull << 44) - 1) << 20);
    ASSERT_EQ(ha_bytes_of(UINT64_MAX, 1, &b), 0);

    ha_sel s = {.kind = HA_SEL_SLAB, .rank = 3, .list_axis = -1};
    s.count[0] = 1ull << 32;
    s.count[1] = 1ull << 32;
    s.count[2] = 2;
    ASSERT_EQ(ha_sel_npoints(&s, &n), -1);
    s.count[2] = 0;
    ASSERT_EQ(ha_sel_npoints(&s, &n), 0);
    ASSERT_EQ(n, 0);
}

static int fd_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

enum { MANY = 300 };

TEST(notify_many_fds)
{
    /* More listeners than the 64 the array once held: each is woken. */
    int fds[MANY];
    for (int i = 0; i < MANY; i++) {
        fds[i] = ha_notify_open();
        ASSERT_GE(fds[i], 0);
    }
    ASSERT_EQ(ha_notify_count(), MANY);
    ha_task *t = submit_noop(NULL);
    wait_task(t);
    ha_task_unref(t);
    for (int i = 0; i < MANY; i++) {
        ASSERT_EQ(fd_readable(fds[i]), 1);
        ha_notify_clear(fds[i]);
    }
    /* Close every other one: the rest are still signalled, the closed
     * ones are not written (their numbers may be reused by then). */
    for (int i = 0; i < MANY; i += 2)
        ha_notify_close(fds[i]);
    ASSERT_EQ(ha_notify_count(), MANY / 2);
    t = submit_noop(NULL);
    wait_task(t);
    ha_task_unref(t);
    for (int i = 1; i < MANY; i += 2)
        ASSERT_EQ(fd_readable(fds[i]), 1);
    for (int i = 1; i < MANY; i += 2)
        ha_notify_close(fds[i]);
    ASSERT_EQ(ha_notify_count(), 0);
}

TEST(notify_fork_resets)
{
    int fds[MANY];
    ha_task *t = submit_noop(NULL); /* the engine's fork handlers are set */
    wait_task(t);
    ha_task_unref(t);
    for (int i = 0; i < MANY; i++)
        ASSERT_GE(fds[i] = ha_notify_open(), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        /* The parent's fds are closed here, and new ones work.  (No
         * thread is started here: TSan does not support that after a
         * multi-threaded fork, so the completion signal is sent by hand.) */
        int ok = ha_notify_count() == 0;
        for (int i = 0; i < MANY; i++)
            ok &= fcntl(fds[i], F_GETFD) == -1 && errno == EBADF;
        int fd = ha_notify_open();
        ok &= fd >= 0 && ha_notify_count() == 1 && !fd_readable(fd);
        ha_notify_signal();
        ok &= fd_readable(fd);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
    /* The parent's are untouched. */
    ASSERT_EQ(ha_notify_count(), MANY);
    t = submit_noop(NULL);
    wait_task(t);
    ha_task_unref(t);
    for (int i = 0; i < MANY; i++) {
        ASSERT_EQ(fd_readable(fds[i]), 1);
        ha_notify_close(fds[i]);
    }
}
