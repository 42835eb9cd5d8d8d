/*
 * Configuration from the environment: one documented format per variable,
 * and a bad value is reported, never replaced by a guess.
 *
 * The core cannot raise Python exceptions, so a bad value comes back as
 * data: a static sentence saying what is wrong.  The extension checks the
 * environment when h5async is imported and raises ValueError naming the
 * variable and its value (docs/semantics.md, "Configuration").  A C
 * program that embeds the core should call ha_config_staging_limit() at
 * start-up and refuse to run on -1 the same way.
 */
#ifndef HA_CONFIG_H
#define HA_CONFIG_H

#include <stdint.h>

#define HA_ENV_STAGING_LIMIT "H5ASYNC_STAGING_LIMIT"
#define HA_ENV_THREADS "H5ASYNC_THREADS"
/* The most codec threads H5ASYNC_THREADS and set_threads() accept. */
#define HA_MAX_THREADS 1024

/* What ha_parse_bytes accepts, for error messages. */
#define HA_BYTES_FORMAT                                                      \
    "a positive whole number of bytes, optionally followed by K, M, G or T " \
    "(or KiB, MiB, GiB, TiB; powers of 1024), e.g. 268435456 or 256MiB"

/*
 * Parse a byte size: optional blanks, decimal digits, optional blanks, an
 * optional suffix (case-insensitive): B (1), K or KiB (1024), M or MiB,
 * G or GiB, T or TiB (powers of 1024), optional blanks.  The value must be
 * positive and fit in 64 bits.  KB, MB, GB and TB are refused: they mean
 * powers of 1000 to some and of 1024 to others.
 *
 * Returns NULL and stores the value in *out, or returns a static string
 * saying what is wrong (and leaves *out alone).  Never allocates.
 */
const char *ha_parse_bytes(const char *text, uint64_t *out);

/*
 * H5ASYNC_STAGING_LIMIT, read from the environment once (at the first call
 * in the process) and kept, so that the value checked at import is the
 * value the engine uses.  Returns 1 and stores the bytes in *bytes when it
 * is set and valid; 0 when it is unset or empty (the built-in default
 * applies); -1 when it is invalid, with *value (optional) pointing at the
 * text seen and *why (optional) at the reason, both static.
 */
int ha_config_staging_limit(uint64_t *bytes, const char **value, const char **why);

/*
 * H5ASYNC_THREADS, the codec threads of the chunk pipeline: a whole number
 * from 1 to HA_MAX_THREADS, optionally between blanks.  Read once, with
 * the same return convention as ha_config_staging_limit (*n when valid).
 */
int ha_config_threads(int *n, const char **value, const char **why);

#endif
