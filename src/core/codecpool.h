/*
 * The codec pool: worker threads that compress and decompress chunks for
 * the chunk pipeline (chunkpipe.h), so that filters run on every core the
 * process may use while the I/O thread stays the only one calling HDF5.
 *
 * Workers never call HDF5, never touch Python and never block on the
 * engine: a job is a function over plain memory, with a codec context of
 * the worker's own (scratch buffers, compressor state).  One mutex guards
 * the queue and the jobs' `done` flags; one condition wakes workers and
 * one wakes whoever waits for a job.  Workers start lazily, at the first
 * job after the thread count allows them, and a forked child starts
 * afresh with none.
 */
#ifndef HA_CODECPOOL_H
#define HA_CODECPOOL_H

#include "filters.h"

typedef struct ha_job ha_job;
struct ha_job {
    ha_job *next;                           /* queue link, embedded */
    void (*run)(ha_job *j, ha_codec_ctx *c);
    int done;                               /* pool mutex */
};

/*
 * The number of codec threads the chunk pipeline uses: H5ASYNC_THREADS if
 * set, else the cores this process may run on (sched_getaffinity).  1
 * turns the pipeline off (every filter runs in HDF5 on the I/O thread).
 */
int ha_codec_threads(void);
/* Set it; 0 restores the default.  Takes effect at the next operation. */
void ha_codec_set_threads(int n);
/* The default: H5ASYNC_THREADS, else the usable cores. */
int ha_codec_default_threads(void);

/*
 * Make sure ha_codec_threads() workers run (starting or retiring some);
 * returns how many run, 0 if none could start.  Executing thread only.
 */
int ha_pool_ensure(void);

/* Queue `j` (the caller keeps it alive until it is done). */
void ha_pool_submit(ha_job *j);

/* Wait until `j` has run. */
void ha_pool_wait(ha_job *j);

#endif
