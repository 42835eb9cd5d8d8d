/*
 * The engine: one I/O thread and one FIFO of tasks for the whole process.
 *
 * Tasks run in submission order across all files and event sets, so a read
 * always sees every write submitted before it.  Exactly one thread executes
 * HDF5 calls at a time: the I/O thread, or a synchronous caller that found
 * the engine idle and runs its task inline (the "fast path", which saves
 * the thread hand-off).  The right to execute is the `busy` flag under the
 * engine mutex.
 */
#ifndef HA_ENGINE_H
#define HA_ENGINE_H

#include <stdint.h>

#include "task.h"

/*
 * Queue `t` (the engine takes its own reference).  Starts the engine on
 * first use.  The task must use no handle that ha_handle_check() rejects.
 * Returns 0; -1 if the engine could not start, HA_SUBMIT_ES_CLOSED if
 * t->es was closed meanwhile (in both cases t is not queued).
 */
#define HA_SUBMIT_ES_CLOSED (-2)
int ha_submit(ha_task *t);

/*
 * Run `t` synchronously: inline when the engine is idle, otherwise queued
 * and waited for (the waiting thread runs it itself when its turn comes,
 * and small tasks ahead of it: ha_engine_help_locked).  Returns 1 when the
 * task has completed (see t->status), 0 when `timeout` seconds passed first
 * (it stays queued; wait again with ha_run_wait).  timeout < 0 waits
 * forever.
 */
int ha_run(ha_task *t, double timeout);

/* Go on waiting for a task ha_run() timed out on; same return. */
int ha_run_wait(ha_task *t, double timeout);

/* Wait for a submitted task; same return as ha_run.  Like ha_run and
 * ha_es_wait, it may run small queued tasks itself meanwhile (engine.c,
 * ha_engine_help_locked), so `timeout` can be exceeded by one such task
 * (a small transfer or attribute operation). */
int ha_task_wait(ha_task *t, double timeout);

/* Cancel a queued task; returns 1 if it was still queued and is cancelled. */
int ha_task_cancel(ha_task *t);

/* Wait until the queue is empty and nothing runs; same timeout rules. */
int ha_drain(double timeout);

/*
 * Drain, close every open file and stop the I/O thread.  A later submit
 * starts a new one.  ha_shutdown_errors() returns the failures of those
 * closes (an array of new references, both freed by the caller; NULL with
 * *n == 0 when none failed).
 */
void ha_shutdown(void);
ha_error **ha_shutdown_errors(size_t *n);

/*
 * Process exit, in two steps (see docs/semantics.md, "Exit"):
 *
 *  1. While the interpreter still runs (its atexit): ha_exit_begin() marks
 *     the engine exiting, so that the extension runs every later
 *     submission synchronously instead of queueing it; then the caller
 *     waits with ha_drain_upto(ha_last_seq()) for what was queued before,
 *     and work that keeps coming (a daemon thread) cannot prolong that
 *     wait.  If the user interrupts it, ha_exit_interrupt() cancels what
 *     has not started and reports it.
 *  2. After the interpreter is gone, a C atexit handler that runs before
 *     HDF5's own (ha_exit_install) refuses new tasks, drains the rest,
 *     closes every open file, reporting each failed close to `report`,
 *     and stops the I/O thread.  If step 1 was interrupted and an HDF5
 *     call is still running (a blocked open), it cannot close anything
 *     safely: it reports that and ends the process with _exit(130).
 */
void ha_exit_begin(void);
int ha_exiting(void);
uint64_t ha_last_seq(void);
/* Wait until every task with seq <= `seq` has completed; same return as
 * ha_drain. */
int ha_drain_upto(uint64_t seq, double timeout);
/* Cancel every queued task but file closes; returns how many, and their
 * staged bytes in *bytes.  Marks the exit interrupted. */
size_t ha_exit_interrupt(uint64_t *bytes);
/* Once per process, after initialising HDF5 (so that this runs first). */
void ha_exit_install(void (*report)(const char *what, ha_error *err));

/*
 * Hand every completed task that carries `user` data to `fn`, then drop the
 * engine's reference.  Call from a thread allowed to free that data.
 */
void ha_reap(void (*fn)(ha_task *t, void *arg), void *arg);

/* Engine generation: changes in the child of a fork(). */
unsigned ha_generation(void);

/* Hand an open, unreferenced handle to be closed by the next executor. */
void ha_engine_defer_close(ha_handle *h);

/* If closes are deferred, queue a no-op so that they happen soon. */
void ha_engine_flush_deferred(void);

/*
 * Failures nobody waits for: the implicit close of an object the program
 * dropped without closing it.  They are kept (the engine takes `err`, a
 * new reference) until ha_take_orphan_failures() hands them to the
 * extension, which warns; at exit, what is left is reported.
 */
void ha_engine_orphan_failure(ha_error *err);
ha_error **ha_take_orphan_failures(size_t *n);

/* Whether the calling thread currently holds the right to execute. */
int ha_in_executor(void);

/*
 * Backpressure: the memory queued tasks hold (ha_task_footprint: staged
 * write buffers, result buffers, the tasks themselves) is capped.  A
 * submitter that would go over the cap waits for room first (the caller
 * releases the GIL around the wait); `nbytes` is the new task's footprint.
 * One task may always be queued, so a write larger than the cap still
 * proceeds, alone.
 */
void ha_stage_set_limit(uint64_t bytes);
uint64_t ha_stage_limit(void);
int ha_stage_would_block(uint64_t nbytes);
/*
 * Wait up to `timeout` seconds for room for `nbytes` and take it (count it
 * as held) in the critical section that found it; returns 1 then, 0 on
 * timeout.  The caller sets t->reserved =
 * nbytes on the task it submits next (which then counts nothing more), or
 * gives the room back with ha_stage_unreserve().  Without the reservation,
 * submitters woken together would all see the same room and all go in.
 */
int ha_stage_reserve(uint64_t nbytes, double timeout);
void ha_stage_unreserve(uint64_t nbytes);

/* Mark t's error as handed to the user, so its event set and file do not
 * raise it again. */
void ha_task_error_retrieved(ha_task *t);

/* A task's status, read under the engine mutex. */
ha_status ha_task_status(ha_task *t);

typedef struct {
    uint64_t submitted;     /* tasks queued for the I/O thread */
    uint64_t inline_runs;   /* synchronous tasks run on the caller's thread */
    uint64_t helped_runs;   /* queued tasks a waiting synchronous caller ran */
    uint64_t completed;
    uint64_t failed;
    uint64_t cancelled;
    uint64_t waits;         /* times a caller waited for the engine */
    uint64_t blocked_ns;    /* time callers spent waiting */
    uint64_t queued;        /* tasks in the queue right now */
    uint64_t staged_bytes;  /* bytes held by owned write buffers now */
    uint64_t staged_peak;   /* the most staged_bytes has been */
    uint64_t held_bytes;    /* all memory queued tasks hold (ha_task_footprint):
                               what the staging cap bounds */
    uint64_t held_peak;     /* the most held_bytes has been */
    uint64_t stage_waits;   /* submits that waited for staging room */
} ha_stats;

void ha_stats_get(ha_stats *out);

/*
 * Tracing: while on, every completed task is recorded (operation, times,
 * bytes, thread, object and outcome) into a buffer of at most `capacity`
 * records; records past that are dropped until the buffer is taken.
 */
typedef struct {
    ha_opkind op;
    ha_status status;       /* HA_DONE, HA_FAILED or HA_CANCELLED */
    double t_submit, t_start, t_end;
    uint64_t nbytes;
    int ran_inline;         /* executed by the caller's thread */
    int failed;             /* status is not HA_DONE */
    long tid;               /* OS thread id (gettid) of the thread that completed it */
    char *file;             /* the file's name, or NULL (malloc'd) */
    char *path;             /* the object's path in its file, or NULL (malloc'd) */
    char *name;             /* the name argument (attribute, link, copy source), or NULL */
    char *error;            /* failure message, or NULL (malloc'd) */
} ha_trace_rec;

void ha_trace_start(size_t capacity);
/* Stop and take the records (malloc'd array, the caller frees it with
 * ha_trace_free), or NULL. */
ha_trace_rec *ha_trace_stop(size_t *n);
/* Take the records so far and keep tracing into a fresh buffer of the same
 * capacity (for periodic flushing); NULL with *n = 0 when tracing is off
 * or nothing was recorded.  The caller frees the array with ha_trace_free. */
ha_trace_rec *ha_trace_take(size_t *n);
/* Free an array of records returned by ha_trace_stop or ha_trace_take. */
void ha_trace_free(ha_trace_rec *r, size_t n);
/* Whether tracing is on (any thread, no lock). */
int ha_trace_on(void);
/* Record a codec worker's chunk (op HA_OP_CODEC_ENCODE or _DECODE, from
 * t0 to t1, `nbytes` of data, dataset `path`) on the calling thread's
 * track; any thread, no HDF5 call.  Nothing when tracing is off. */
void ha_trace_codec(ha_opkind op, double t0, double t1, uint64_t nbytes, const char *path);

/*
 * Emulated slow storage: each data transfer sleeps `latency` seconds plus
 * nbytes / `bandwidth` (bytes per second; 0 for no limit) on the I/O
 * thread after HDF5 returns, leaving the CPU free as a remote file system
 * would.  Both 0 turns it off.
 */
void ha_emulate_storage(double bandwidth, double latency);
/* The executing thread's share of it, called by operations. */
void ha_emulate_io(uint64_t nbytes);

/*
 * Parallel HDF5: 1 if MPI runs with MPI_THREAD_MULTIPLE (our I/O thread
 * calls MPI while the program may too), 0 if not (or MPI is not
 * initialised), -1 if this build has no parallel HDF5.
 */
int ha_mpi_thread_multiple(void);

/* Monotonic time in seconds. */
double ha_now(void);

/* ---- internal to the core ---- */
void ha_engine_lock(void);
void ha_engine_unlock(void);
/* Wait on the completion condition until `deadline` (ha_now() scale, < 0
 * forever); returns 0 on timeout.  Engine mutex held. */
int ha_engine_wait_done(double deadline);
/* Before waiting: run the first queued task on this thread if it is small
 * and no one executes; 1 if it ran one (the mutex was released meanwhile).
 * After a wait that helped, ha_engine_wait_end_locked() hands what is left
 * back to the I/O thread.  Engine mutex held. */
int ha_engine_help_locked(void);
void ha_engine_wait_end_locked(void);
/* Remove a queued task (engine mutex held); returns 1 if it was queued. */
int ha_engine_dequeue_locked(ha_task *t);
/* Cancel the queued tasks of `es` (all queued tasks if NULL) but file
 * closes; returns how many, their write bytes in *bytes (may be NULL).
 * Engine mutex not held. */
size_t ha_engine_cancel_queued(ha_eventset *es, uint64_t *bytes);
/* Iterate over queued tasks (engine mutex held). */
ha_task *ha_engine_queue_first(void);
ha_task *ha_engine_queue_next(ha_task *t);
/* Mark a dequeued task cancelled and complete (engine mutex held); returns
 * 1 if the caller must drop the engine's reference after unlocking. */
int ha_engine_complete_cancelled_locked(ha_task *t);
/* Event set bookkeeping (eventset.c), engine mutex held. */
void ha_es_submit_locked(ha_eventset *es, const ha_task *t);
int ha_es_accepts_locked(const ha_eventset *es);
void ha_es_complete_locked(ha_eventset *es, ha_task *t);

#endif
