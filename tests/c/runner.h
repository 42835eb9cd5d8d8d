/*
 * A tiny test runner in the manner of libuv's test/runner.h.
 *
 * A test is `TEST(name) { ... }` in any .c file of tests/c, plus one line in
 * test_list.h.  runner.c runs each test in its own forked child with a time
 * limit, so a crash, a hang or a failed ASSERT in one test cannot take the
 * others down, and every test starts with a fresh engine.
 *
 * The ASSERT_* macros print both values and file:line, then exit(1): in a
 * forked child that ends only the failing test.
 */
#ifndef HA_TEST_RUNNER_H
#define HA_TEST_RUNNER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST(name) void test_##name(void)

/* Integers (and enums) are compared as long long, so mixed signedness and
 * widths compare by value; a huge uint64 shows up as a negative number,
 * which makes an underflowed counter easy to spot. */
#define ASSERT_CMP_(a, op, b)                                                \
    do {                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                  \
        if (!(a_ op b_)) {                                                   \
            fprintf(stderr,                                                  \
                    "%s:%d: assertion failed: %s %s %s\n"                    \
                    "  left:  %lld (0x%llx)\n  right: %lld (0x%llx)\n",      \
                    __FILE__, __LINE__, #a, #op, #b, a_,                     \
                    (unsigned long long)a_, b_, (unsigned long long)b_);     \
            fflush(stderr);                                                  \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define ASSERT_EQ(a, b) ASSERT_CMP_(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_CMP_(a, !=, b)
#define ASSERT_LT(a, b) ASSERT_CMP_(a, <, b)
#define ASSERT_LE(a, b) ASSERT_CMP_(a, <=, b)
#define ASSERT_GT(a, b) ASSERT_CMP_(a, >, b)
#define ASSERT_GE(a, b) ASSERT_CMP_(a, >=, b)

#define ASSERT_TRUE(x)                                                       \
    do {                                                                     \
        if (!(x)) {                                                          \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__,       \
                    __LINE__, #x);                                           \
            fflush(stderr);                                                  \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define ASSERT_NOT_NULL(p)                                                   \
    do {                                                                     \
        if ((p) == NULL) {                                                   \
            fprintf(stderr, "%s:%d: assertion failed: %s != NULL\n",         \
                    __FILE__, __LINE__, #p);                                 \
            fflush(stderr);                                                  \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define ASSERT_NULL(p)                                                       \
    do {                                                                     \
        const void *p_ = (const void *)(p);                                  \
        if (p_ != NULL) {                                                    \
            fprintf(stderr, "%s:%d: assertion failed: %s == NULL (is %p)\n", \
                    __FILE__, __LINE__, #p, p_);                             \
            fflush(stderr);                                                  \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

/* Doubles: timestamps and durations. */
#define ASSERT_DBL_CMP_(a, op, b)                                            \
    do {                                                                     \
        double a_ = (double)(a), b_ = (double)(b);                           \
        if (!(a_ op b_)) {                                                   \
            fprintf(stderr,                                                  \
                    "%s:%d: assertion failed: %s %s %s\n"                    \
                    "  left:  %.9f\n  right: %.9f\n",                        \
                    __FILE__, __LINE__, #a, #op, #b, a_, b_);                \
            fflush(stderr);                                                  \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define ASSERT_DBL_LE(a, b) ASSERT_DBL_CMP_(a, <=, b)
#define ASSERT_DBL_GE(a, b) ASSERT_DBL_CMP_(a, >=, b)

/* Strings; a NULL prints as (null) instead of crashing the report. */
#define ASSERT_STR_CMP_(a, b, want_equal, what)                              \
    do {                                                                     \
        const char *a_ = (a), *b_ = (b);                                     \
        int eq_ = a_ && b_ && strcmp(a_, b_) == 0;                           \
        if (eq_ != (want_equal)) {                                           \
            fprintf(stderr,                                                  \
                    "%s:%d: assertion failed: %s %s %s\n"                    \
                    "  left:  \"%s\"\n  right: \"%s\"\n",                    \
                    __FILE__, __LINE__, #a, what, #b, a_ ? a_ : "(null)",    \
                    b_ ? b_ : "(null)");                                     \
            fflush(stderr);                                                  \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define ASSERT_STREQ(a, b) ASSERT_STR_CMP_(a, b, 1, "equals")
#define ASSERT_STRNE(a, b) ASSERT_STR_CMP_(a, b, 0, "differs from")

/* `hay` contains `needle`. */
#define ASSERT_STRSTR(hay, needle)                                           \
    do {                                                                     \
        const char *h_ = (hay), *n_ = (needle);                              \
        if (!h_ || !n_ || !strstr(h_, n_)) {                                 \
            fprintf(stderr,                                                  \
                    "%s:%d: assertion failed: %s contains %s\n"              \
                    "  haystack: \"%s\"\n  needle:   \"%s\"\n",              \
                    __FILE__, __LINE__, #hay, #needle, h_ ? h_ : "(null)",   \
                    n_ ? n_ : "(null)");                                     \
            fflush(stderr);                                                  \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

/* Declare every test function listed in test_list.h. */
#define HA_TEST_DECLARE_(name) TEST(name);
#define HA_TEST_DECLARE_TODO_(name, why) TEST(name);
#include "test_list.h"
HA_TEST_LIST(HA_TEST_DECLARE_, HA_TEST_DECLARE_TODO_)
#undef HA_TEST_DECLARE_
#undef HA_TEST_DECLARE_TODO_

#endif
