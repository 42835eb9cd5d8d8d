#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Whether `s` (n chars) is `word`, ignoring case. */
static int is_word(const char *s, size_t n, const char *word)
{
    if (strlen(word) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(s[i]) != word[i])
            return 0;
    return 1;
}

/* The multiplier a suffix stands for: 0 if unknown, -1 if ambiguous. */
static int suffix_shift(const char *s, size_t n, int *shift)
{
    static const struct {
        const char *one, *iec, *si;
        int shift;
    } units[] = {
        {"k", "kib", "kb", 10}, {"m", "mib", "mb", 20}, {"g", "gib", "gb", 30},
        {"t", "tib", "tb", 40},
    };
    if (n == 0 || is_word(s, n, "b")) {
        *shift = 0;
        return 1;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (is_word(s, n, units[i].one) || is_word(s, n, units[i].iec)) {
            *shift = units[i].shift;
            return 1;
        }
        if (is_word(s, n, units[i].si))
            return -1;
    }
    return 0;
}

const char *ha_parse_bytes(const char *text, uint64_t *out)
{
    const char *p = text;
    uint64_t v = 0;
    int shift;
    if (!p)
        return "not set";
    while (blank(*p))
        p++;
    if (*p == '-')
        return "negative";
    if (*p < '0' || *p > '9')
        return "not a whole number of bytes";
    for (; *p >= '0' && *p <= '9'; p++) {
        uint64_t digit = (uint64_t)(*p - '0');
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, digit, &v))
            return "too large (more than 2**64 - 1 bytes)";
    }
    if (*p == '.' || *p == ',' || *p == 'e' || *p == 'E')
        return "not a whole number of bytes";
    while (blank(*p))
        p++;
    const char *unit = p;
    while (*p && !blank(*p))
        p++;
    size_t ulen = (size_t)(p - unit);
    while (blank(*p))
        p++;
    if (*p)
        return "has text after the size";
    int known = suffix_shift(unit, ulen, &shift);
    if (known < 0)
        return "KB, MB, GB and TB are ambiguous (powers of 1000, or of 1024?)";
    if (!known)
        return "has an unknown unit";
    if (v == 0)
        return "zero (unset the variable for the default)";
    if (shift && v > (UINT64_MAX >> shift))
        return "too large (more than 2**64 - 1 bytes)";
    *out = v << shift;
    return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int env_state;     /* 1 valid, 0 unset, -1 invalid */
static uint64_t env_bytes;
static const char *env_why;
static char env_seen[96]; /* the text, for the message (shortened if long) */

static void read_env(void)
{
    const char *s = getenv(HA_ENV_STAGING_LIMIT);
    if (!s || !*s)
        return;
    size_t n = strlen(s);
    if (n < sizeof env_seen) {
        memcpy(env_seen, s, n + 1);
    } else {
        memcpy(env_seen, s, sizeof env_seen - 4);
        memcpy(env_seen + sizeof env_seen - 4, "...", 4);
    }
    env_why = ha_parse_bytes(s, &env_bytes);
    env_state = env_why ? -1 : 1;
}

int ha_config_staging_limit(uint64_t *bytes, const char **value, const char **why)
{
    pthread_once(&once, read_env);
    if (env_state > 0 && bytes)
        *bytes = env_bytes;
    if (env_state < 0) {
        if (value)
            *value = env_seen;
        if (why)
            *why = env_why;
    }
    return env_state;
}

static pthread_once_t threads_once = PTHREAD_ONCE_INIT;
static int threads_state; /* 1 valid, 0 unset, -1 invalid */
static int threads_n;
static const char *threads_why;
static char threads_seen[96];

static void read_threads_env(void)
{
    const char *s = getenv(HA_ENV_THREADS);
    if (!s || !*s)
        return;
    size_t n = strlen(s);
    if (n < sizeof threads_seen) {
        memcpy(threads_seen, s, n + 1);
    } else {
        memcpy(threads_seen, s, sizeof threads_seen - 4);
        memcpy(threads_seen + sizeof threads_seen - 4, "...", 4);
    }
    const char *p = s;
    long v = 0;
    while (blank(*p))
        p++;
    if (*p < '0' || *p > '9') {
        threads_why = *p == '-' ? "negative" : "not a whole number";
    } else {
        for (; *p >= '0' && *p <= '9' && v <= HA_MAX_THREADS; p++)
            v = v * 10 + (*p - '0');
        while (blank(*p))
            p++;
        if (*p >= '0' && *p <= '9')
            threads_why = "too large";
        else if (*p)
            threads_why = "not a whole number";
        else if (v == 0)
            threads_why = "zero (1 turns the codec threads off)";
        else if (v > HA_MAX_THREADS)
            threads_why = "too large";
    }
    threads_n = (int)v;
    threads_state = threads_why ? -1 : 1;
}

int ha_config_threads(int *n, const char **value, const char **why)
{
    pthread_once(&threads_once, read_threads_env);
    if (threads_state > 0 && n)
        *n = threads_n;
    if (threads_state < 0) {
        if (value)
            *value = threads_seen;
        if (why)
            *why = threads_why;
    }
    return threads_state;
}
