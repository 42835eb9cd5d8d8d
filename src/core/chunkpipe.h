/*
 * The chunk pipeline: reads and writes of filtered chunked datasets whose
 * filters run on the codec pool (codecpool.h) instead of inside HDF5.
 *
 * A write whose selection covers whole chunks, in the file's own type, is
 * cut into chunks that workers gather and encode in parallel, and the
 * executing thread hands each finished chunk to HDF5 in order with a
 * direct chunk write.  A read of such a selection fetches each stored
 * chunk raw on the executing thread and workers decode it straight into
 * the destination.  Everything else declines, and the caller takes HDF5's
 * own path (docs/semantics.md, "Chunk pipeline", lists the rules).
 *
 * Executing thread only: every HDF5 call here is made by it.  The header
 * does not include hdf5.h (ids are int64_t, as in handle.h), so that the
 * extension can read the counters without seeing HDF5.
 */
#ifndef HA_CHUNKPIPE_H
#define HA_CHUNKPIPE_H

#include <stdint.h>

#include "task.h"

/* Returned when the pipeline does not take the operation. */
#define HA_PIPE_DECLINED 1

/*
 * Write t->buf (t->type, selections t->fsel / t->msel) into dataset `did`
 * (handle `h`), or read into t->buf.  Returns 0 when done, -1 with
 * t->error set when it failed, HA_PIPE_DECLINED (having changed nothing)
 * when the caller must use HDF5's path.  What it learns about the dataset
 * is cached on `h` (h->pipe).
 */
int ha_chunkpipe_write(ha_task *t, ha_handle *h, int64_t did);
int ha_chunkpipe_read(ha_task *t, ha_handle *h, int64_t did);

/* Counters since the process started, for tests and benchmarks. */
typedef struct {
    uint64_t writes, reads;         /* operations the pipeline took */
    uint64_t declined;              /* filtered chunked ones it left to HDF5 */
    uint64_t chunks_written, chunks_read;
    uint64_t chunks_unallocated;    /* read through HDF5 (fill values) */
} ha_chunkpipe_stats;

void ha_chunkpipe_stats_get(ha_chunkpipe_stats *s);

#endif
