/*
 * The engine: one I/O thread, one FIFO, one mutex and two conditions.
 *
 * Design, in the manner of libuv's threadpool and Redis' bio.c:
 *
 *  - `mu` protects the queue, `busy`, every task's `status`, the event set
 *    counters and the reap list.  It is never held across an HDF5 call.
 *  - `busy` is the right to execute HDF5 calls.  The I/O thread takes it for
 *    each task it pops; a synchronous caller takes it when the queue is empty
 *    and the engine idle, and runs its task inline.  A thread waiting for
 *    queued work takes it to run the first queued task when that task is
 *    small (ha_engine_help_locked).  Tasks only ever start from the queue's
 *    head, or inline when nothing is queued, so FIFO order holds for all.
 *  - `work` wakes the I/O thread; `done` wakes anyone waiting for a
 *    completion.  `done` is broadcast only when someone waits on it.
 *  - A task stays counted in its event set until it has completed, so
 *    "wait for the set" is "its count is zero".
 *  - After execution the task's handle references are dropped while the
 *    executing right is still held, so a handle whose last reference goes
 *    there is closed at once, without queueing anything.
 *
 * Lock order: under the engine mutex only the staging pool's mutex (a
 * leaf) may be taken.  Nothing that may take the engine mutex again
 * (handle release, task release) is called while it is held.
 */
#include "engine.h"

#include <errno.h>
#include <unistd.h>
#include <hdf5.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "config.h"
#include "notify.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t work;
    pthread_cond_t done;
    ha_task queue;          /* sentinel of a circular list */
    int busy;
    int started;
    int stopping;
    int waiters;            /* threads blocked on `done` */
    int io_asleep;          /* the I/O thread waits on `work` */
    int io_woken;           /* ... and has been signalled since */
    pthread_t thread;
    ha_task *reap_head;
    ha_task **reap_tail;
    unsigned gen;
    ha_handle *deferred;    /* handles to close before the next task */
    uint64_t stage_limit;   /* 0: not chosen yet */
    ha_trace_rec *trace;    /* NULL when tracing is off */
    size_t trace_n, trace_cap;
    double emu_bandwidth, emu_latency;
    ha_stats stats;
    uint64_t seq;           /* the last task's submission number */
    uint64_t running_seq;   /* the executing task's, while busy */
    ha_opkind running_op;   /* ... and its operation */
    int exiting;            /* the interpreter's exit drain has begun */
    int closed;             /* the process is exiting: no new task */
    int interrupted;        /* the exit drain was interrupted */
    void (*exit_report)(const char *what, ha_error *err);
    ha_errlist orphans;     /* failures nobody waits for (ha_engine_orphan_failure) */
} eng = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .queue = {.next = &eng.queue, .prev = &eng.queue},
    .reap_tail = &eng.reap_head,
    .gen = 1,
};

static __thread int tls_executor;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void init_engine(void);

double ha_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int ha_in_executor(void) { return tls_executor; }
unsigned ha_generation(void) { return eng.gen; }
void ha_engine_lock(void) { pthread_mutex_lock(&eng.mu); }
void ha_engine_unlock(void) { pthread_mutex_unlock(&eng.mu); }

static void init_conds(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&eng.work, &a);
    pthread_cond_init(&eng.done, &a);
    pthread_condattr_destroy(&a);
}

int ha_engine_wait_done(double deadline)
{
    /* A wait may come before any submit (es.wait() on a fresh set): the
     * condition must already have its monotonic clock. */
    pthread_once(&init_once, init_engine);
    int rc = 0;
    eng.waiters++;
    if (deadline < 0) {
        pthread_cond_wait(&eng.done, &eng.mu);
    } else {
        struct timespec ts;
        ts.tv_sec = (time_t)deadline;
        ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        rc = pthread_cond_timedwait(&eng.done, &eng.mu, &ts);
    }
    eng.waiters--;
    return rc != ETIMEDOUT;
}

static void wake_waiters_locked(void)
{
    if (eng.waiters)
        pthread_cond_broadcast(&eng.done);
}

/* ---- queue ---- */

static int queue_empty(void) { return eng.queue.next == &eng.queue; }

static void enqueue_locked(ha_task *t)
{
    t->prev = eng.queue.prev;
    t->next = &eng.queue;
    eng.queue.prev->next = t;
    eng.queue.prev = t;
    eng.stats.queued++;
}

static void unlink_locked(ha_task *t)
{
    t->prev->next = t->next;
    t->next->prev = t->prev;
    t->next = t->prev = NULL;
    eng.stats.queued--;
}

ha_task *ha_engine_queue_first(void)
{
    return queue_empty() ? NULL : eng.queue.next;
}

ha_task *ha_engine_queue_next(ha_task *t)
{
    return t->next == &eng.queue ? NULL : t->next;
}

int ha_engine_dequeue_locked(ha_task *t)
{
    if (t->status != HA_QUEUED || !t->next)
        return 0;
    unlink_locked(t);
    return 1;
}

/* ---- completion ---- */


static char *trace_strdup(const char *s) { return s && *s ? strdup(s) : NULL; }

static long trace_thread_id(void)
{
#ifdef __linux__
    return (long)syscall(SYS_gettid); /* what Python's threading.get_native_id() says */
#else
    return (long)(uintptr_t)pthread_self();
#endif
}

/*
 * The names a trace record shows.  execute() drops a task's handles before
 * it completes, so it calls trace_capture() first, which copies them (only
 * while tracing) for the same thread's complete_locked() to take.
 */
static __thread struct {
    const ha_task *task;
    char *file, *path;
} tls_trace;

static void trace_names(const ha_task *t, char **file, char **path)
{
    const ha_handle *obj = t->target ? t->target : t->obj;
    const ha_handle *f = obj ? ha_handle_file((ha_handle *)obj) : NULL;
    *file = trace_strdup(f ? f->path : NULL);
    /* A file's handle holds its file name: its object path is "/". */
    *path = obj ? trace_strdup(obj->kind == HA_OBJ_FILE ? "/" : obj->path) : NULL;
}

static void trace_capture(const ha_task *t)
{
    if (!__atomic_load_n(&eng.trace, __ATOMIC_RELAXED))
        return;
    trace_names(t, &tls_trace.file, &tls_trace.path);
    tls_trace.task = t;
}

int ha_trace_on(void) { return __atomic_load_n(&eng.trace, __ATOMIC_RELAXED) != NULL; }

void ha_trace_codec(ha_opkind op, double t0, double t1, uint64_t nbytes, const char *path)
{
    if (!ha_trace_on())
        return;
    char *p = trace_strdup(path);
    pthread_mutex_lock(&eng.mu);
    if (eng.trace && eng.trace_n < eng.trace_cap) {
        eng.trace[eng.trace_n++] = (ha_trace_rec){
            .op = op, .status = HA_DONE, .t_submit = t0, .t_start = t0, .t_end = t1,
            .nbytes = nbytes, .tid = trace_thread_id(), .path = p};
        p = NULL;
    }
    pthread_mutex_unlock(&eng.mu);
    free(p);
}

/* Record the end of `t` if tracing has room (engine mutex held). */
static void trace_complete_locked(const ha_task *t)
{
    char *file = NULL, *path = NULL;
    if (tls_trace.task == t) {
        file = tls_trace.file;
        path = tls_trace.path;
    }
    tls_trace.task = NULL;
    tls_trace.file = tls_trace.path = NULL;
    if (!eng.trace || eng.trace_n >= eng.trace_cap) {
        free(file);
        free(path);
        return;
    }
    if (!file && !path) /* not executed (cancelled): the handles are still there */
        trace_names(t, &file, &path);
    eng.trace[eng.trace_n++] = (ha_trace_rec){
        .op = t->op,
        .status = t->status,
        .t_submit = t->t_submit,
        .t_start = t->t_start ? t->t_start : t->t_end,
        .t_end = t->t_end,
        .nbytes = t->nbytes,
        .ran_inline = t->ran_inline,
        .failed = t->status != HA_DONE,
        .tid = trace_thread_id(),
        .file = file,
        .path = path,
        .name = t->op == HA_OP_FILE_OPEN ? NULL : trace_strdup(t->name),
        .error = t->error ? trace_strdup(t->error->message) : NULL,
    };
}

/*
 * Record the end of `t` (engine mutex held).  Returns 1 if the caller must
 * drop the engine's reference (outside the mutex), 0 if the task went to the
 * reap list, which keeps that reference.
 */
static int complete_locked(ha_task *t)
{
    if (t->status == HA_RUNNING)
        t->status = t->error ? HA_FAILED : HA_DONE;
    t->t_end = ha_now();
    eng.stats.completed++;
    if (t->status == HA_FAILED)
        eng.stats.failed++;
    else if (t->status == HA_CANCELLED)
        eng.stats.cancelled++;
    if (t->own_buf)
        eng.stats.staged_bytes -= t->nbytes;
    eng.stats.held_bytes -= t->footprint;
    if (t->es)
        ha_es_complete_locked(t->es, t);
    trace_complete_locked(t);
    wake_waiters_locked();
    ha_notify_signal();
    if (t->user) {
        t->reap_next = NULL;
        *eng.reap_tail = t;
        eng.reap_tail = &t->reap_next;
        return 0;
    }
    return 1;
}

int ha_engine_complete_cancelled_locked(ha_task *t)
{
    t->status = HA_CANCELLED;
    if (!t->error)
        t->error = ha_error_new(HA_E_CANCELLED, ha_op_name(t->op),
                                t->target ? t->target->path : t->obj ? t->obj->path : "",
                                "cancelled before it started");
    /* The object it would have created never will be: later tasks on it
     * fail with the cancellation as their cause.  No executor looks at it:
     * every task using it is queued behind this one. */
    if (t->target && t->target->state == HA_H_PENDING)
        ha_handle_set_failed(t->target, t->error);
    return complete_locked(t);
}

void ha_engine_defer_close(ha_handle *h)
{
    pthread_mutex_lock(&eng.mu);
    h->defer_next = eng.deferred;
    eng.deferred = h;
    pthread_mutex_unlock(&eng.mu);
}

void ha_engine_flush_deferred(void)
{
    pthread_mutex_lock(&eng.mu);
    int pending = eng.deferred != NULL;
    pthread_mutex_unlock(&eng.mu);
    if (!pending)
        return;
    ha_task *t = ha_task_new(HA_OP_NOOP); /* runs close_deferred() first */
    if (t) {
        ha_submit(t); /* on failure the handles wait for the next task */
        ha_task_unref(t);
    }
}

/* Close the handles dropped since the last task (executing right held). */
static void close_deferred(void)
{
    pthread_mutex_lock(&eng.mu);
    ha_handle *h = eng.deferred;
    eng.deferred = NULL;
    pthread_mutex_unlock(&eng.mu);
    while (h) {
        ha_handle *next = h->defer_next;
        ha_handle_finish_deferred(h);
        h = next;
    }
}

void ha_engine_orphan_failure(ha_error *err)
{
    pthread_mutex_lock(&eng.mu);
    ha_errlist_add(&eng.orphans, err);
    pthread_mutex_unlock(&eng.mu);
    ha_error_unref(err);
}

ha_error **ha_take_orphan_failures(size_t *n)
{
    *n = 0;
    if (!__atomic_load_n(&eng.orphans.n, __ATOMIC_RELAXED))
        return NULL; /* the common case, without the lock */
    pthread_mutex_lock(&eng.mu);
    ha_error **errs = ha_errlist_take(&eng.orphans, n);
    ha_errlist_clear(&eng.orphans);
    pthread_mutex_unlock(&eng.mu);
    return errs;
}

/* Execute `t` with the executing right held; drop its handles there. */
static void execute(ha_task *t)
{
    tls_executor = 1;
    ha_h5err_quiet_thread();
    close_deferred();
    t->t_start = ha_now();
    ha_task_execute(t);
    trace_capture(t);
    ha_handle *obj = t->obj, *target = t->target, *obj2 = t->obj2;
    ha_handle *on = obj ? obj : target;
    if (t->error && !t->es && t->op == HA_OP_OBJ_CLOSE)
        ha_engine_orphan_failure(ha_error_ref(t->error)); /* an implicit close */
    if (t->error && t->es && on) {
        /* Remember the failure on its file too, for File.close(). */
        pthread_mutex_lock(&eng.mu);
        ha_errlist_add(&ha_handle_file(on)->pending, t->error);
        pthread_mutex_unlock(&eng.mu);
    }
    t->obj = t->target = t->obj2 = NULL;
    ha_handle_unref(obj);
    ha_handle_unref(target);
    ha_handle_unref(obj2);
    tls_executor = 0;
}

/*
 * Pop the queue's first task and execute it on this thread (engine mutex
 * held on entry and on return; released while executing).  The I/O thread
 * runs every task this way, and so does a synchronous caller that finds
 * the engine idle with small tasks queued ahead of it (ha_engine_help_locked).
 */
static void run_first_locked(void)
{
    ha_task *t = eng.queue.next;
    unlink_locked(t);
    t->status = HA_RUNNING;
    eng.busy = 1;
    eng.running_seq = t->seq;
    eng.running_op = t->op;
    pthread_mutex_unlock(&eng.mu);

    execute(t);

    pthread_mutex_lock(&eng.mu);
    eng.busy = 0;
    int drop = complete_locked(t);
    if (drop) {
        pthread_mutex_unlock(&eng.mu);
        ha_task_unref(t);
        pthread_mutex_lock(&eng.mu);
    }
}

static void *io_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&eng.mu);
    for (;;) {
        /* Stop only when asked and nothing is queued or running. */
        while ((queue_empty() || eng.busy) && !(eng.stopping && queue_empty() && !eng.busy)) {
            eng.io_asleep = 1;
            pthread_cond_wait(&eng.work, &eng.mu);
            eng.io_asleep = eng.io_woken = 0;
        }
        if (queue_empty())
            break;
        run_first_locked();
    }
    pthread_mutex_unlock(&eng.mu);
    return NULL;
}

/* ---- start, fork, stop ---- */

static void atfork_prepare(void)
{
    /* No HDF5 call may be in flight at fork: the child could not finish it. */
    pthread_mutex_lock(&eng.mu);
    while (eng.busy)
        ha_engine_wait_done(-1);
    ha_stage_fork_prepare(); /* a leaf under the engine mutex */
}

static void atfork_parent(void)
{
    ha_stage_fork_parent();
    pthread_mutex_unlock(&eng.mu);
}

static void atfork_child(void)
{
    /* The I/O thread does not exist here.  Start afresh; tasks and handles
     * inherited from the parent are abandoned (the parent owns them). */
    pthread_mutex_init(&eng.mu, NULL);
    ha_stage_fork_child();
    init_conds();
    eng.queue.next = eng.queue.prev = &eng.queue;
    eng.busy = eng.started = eng.stopping = eng.waiters = 0;
    eng.io_asleep = eng.io_woken = 0;
    eng.reap_head = NULL;
    eng.reap_tail = &eng.reap_head;
    eng.deferred = NULL; /* the parent's: never closed here */
    memset(&eng.stats, 0, sizeof eng.stats);
    eng.gen++;
    ha_notify_reset_after_fork();
    ha_handle_abandon_inherited_files();
}

static void init_engine(void)
{
    init_conds();
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static int start_locked(void)
{
    if (eng.started)
        return 0;
    pthread_attr_t a;
    pthread_attr_init(&a);
    int rc = pthread_create(&eng.thread, &a, io_thread, NULL);
    pthread_attr_destroy(&a);
    if (rc != 0)
        return -1;
    eng.started = 1;
    return 0;
}

/* Count a task that starts to be queued or run (engine mutex held). */
static void held_add_locked(uint64_t n)
{
    eng.stats.held_bytes += n;
    if (eng.stats.held_bytes > eng.stats.held_peak)
        eng.stats.held_peak = eng.stats.held_bytes;
}

static void hold_add_locked(ha_task *t)
{
    /* Room reserved by ha_stage_reserve() is already counted. */
    t->footprint = t->reserved ? t->reserved : ha_task_footprint(t);
    if (!t->reserved)
        held_add_locked(t->footprint);
    t->reserved = 0;
    if (!t->own_buf)
        return;
    eng.stats.staged_bytes += t->nbytes;
    if (eng.stats.staged_bytes > eng.stats.staged_peak)
        eng.stats.staged_peak = eng.stats.staged_bytes;
}

/* Default cap: H5ASYNC_STAGING_LIMIT when it is set (config.c parses it);
 * otherwise an eighth of the machine's memory, between 64 MiB and 2 GiB.
 * An invalid variable cannot be reported from here: the extension refuses
 * it at import, before anything is staged, so only a C program that skipped
 * that check gets the built-in default. */
static uint64_t default_stage_limit(void)
{
    uint64_t env;
    if (ha_config_staging_limit(&env, NULL, NULL) > 0)
        return env;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    uint64_t ram = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;
    uint64_t lim = ram / 8;
    const uint64_t lo = 64ull << 20, hi = 2ull << 30;
    return lim < lo ? lo : lim > hi ? hi : lim;
}

static uint64_t limit_locked(void)
{
    if (!eng.stage_limit) {
        eng.stage_limit = default_stage_limit();
        ha_stage_pool_limit(eng.stage_limit);
    }
    return eng.stage_limit;
}

void ha_stage_set_limit(uint64_t bytes)
{
    pthread_mutex_lock(&eng.mu);
    eng.stage_limit = bytes ? bytes : default_stage_limit();
    ha_stage_pool_limit(eng.stage_limit);
    wake_waiters_locked();
    pthread_mutex_unlock(&eng.mu);
}

uint64_t ha_stage_limit(void)
{
    pthread_mutex_lock(&eng.mu);
    uint64_t l = limit_locked();
    pthread_mutex_unlock(&eng.mu);
    return l;
}

static int room_locked(uint64_t n)
{
    return eng.stats.held_bytes == 0 || eng.stats.held_bytes + n <= limit_locked();
}

int ha_stage_would_block(uint64_t nbytes)
{
    pthread_mutex_lock(&eng.mu);
    int block = !room_locked(nbytes);
    pthread_mutex_unlock(&eng.mu);
    return block;
}

int ha_stage_reserve(uint64_t nbytes, double timeout)
{
    pthread_once(&init_once, init_engine);
    pthread_mutex_lock(&eng.mu);
    double start = ha_now(), deadline = timeout < 0 ? -1 : start + timeout;
    int room = room_locked(nbytes), waited = !room;
    if (!room)
        eng.stats.stage_waits++;
    while (!room && ha_engine_wait_done(deadline))
        room = room_locked(nbytes);
    room = room || room_locked(nbytes);
    /* Counted in the same critical section that found the room: threads
     * woken together cannot all take the same room. */
    if (room)
        held_add_locked(nbytes);
    if (waited) /* room at once is no wait: stats() must say so */
        eng.stats.blocked_ns += (uint64_t)((ha_now() - start) * 1e9);
    pthread_mutex_unlock(&eng.mu);
    return room;
}

void ha_stage_unreserve(uint64_t nbytes)
{
    pthread_mutex_lock(&eng.mu);
    eng.stats.held_bytes -= nbytes;
    wake_waiters_locked();
    pthread_mutex_unlock(&eng.mu);
}

void ha_task_error_retrieved(ha_task *t)
{
    pthread_mutex_lock(&eng.mu);
    if (t->error)
        t->error->retrieved = 1;
    pthread_mutex_unlock(&eng.mu);
}

ha_status ha_task_status(ha_task *t)
{
    pthread_mutex_lock(&eng.mu);
    ha_status s = t->status;
    pthread_mutex_unlock(&eng.mu);
    return s;
}

/* Queue `t` (engine mutex held): 0, HA_SUBMIT_ES_CLOSED or -1. */
static int submit_locked(ha_task *t)
{
    if (t->es && !ha_es_accepts_locked(t->es))
        return HA_SUBMIT_ES_CLOSED;
    if (eng.closed || start_locked() < 0)
        return -1;
    ha_task_ref(t);
    t->seq = ++eng.seq;
    t->status = HA_QUEUED;
    t->t_submit = ha_now();
    hold_add_locked(t);
    if (t->es)
        ha_es_submit_locked(t->es, t);
    eng.stats.submitted++;
    enqueue_locked(t);
    return 0;
}

int ha_submit(ha_task *t)
{
    pthread_once(&init_once, init_engine);
    pthread_mutex_lock(&eng.mu);
    int rc = submit_locked(t);
    /* One wake-up per sleep: tasks submitted before the woken I/O thread
     * gets the mutex are found by it anyway (a futex wake is the dearest
     * part of a small submit). */
    int wake = rc == 0 && !eng.busy && eng.io_asleep && !eng.io_woken;
    if (wake)
        eng.io_woken = 1;
    pthread_mutex_unlock(&eng.mu);
    /* Signalled after unlocking: a thread woken under the mutex would only
     * block on it again, a second hand-off on every submit. */
    if (wake)
        pthread_cond_signal(&eng.work);
    return rc;
}

/*
 * Whether a waiting thread may run `t` itself.  A synchronous call's own
 * task (`own`), always: running it inline is what the call does when the
 * queue is empty.  Someone else's, only when it is known to end quickly,
 * since the thread cannot answer Ctrl-C or its timeout meanwhile: a small
 * transfer or attribute operation on an object already open.  Not a
 * transfer of a virtual or external-storage dataset (it opens other files,
 * which can block indefinitely: a FIFO, a lock), nor anything that opens
 * or walks a path (an external link may lead to such a file), copies or
 * visits (metadata work of any length with no bytes counted).
 */
#define HELP_MAX_BYTES ((size_t)1 << 20)

static int helpable(const ha_task *t, int own)
{
    if (own)
        return 1;
    if (t->nbytes > HELP_MAX_BYTES)
        return 0;
    switch (t->op) {
    case HA_OP_DSET_READ:
    case HA_OP_DSET_WRITE:
        return !(t->obj && t->obj->opens_files);
    case HA_OP_ATTR_READ:
    case HA_OP_ATTR_WRITE:
    case HA_OP_ATTR_EXISTS:
    case HA_OP_ATTR_LIST:
    case HA_OP_ATTR_DELETE:
    case HA_OP_NOOP:
        return 1;
    default:
        return 0;
    }
}

/*
 * A thread about to wait for queued work helps instead: when no one is
 * executing and the first queued task is helpable, it runs that task itself.
 * The work and its order are the same as on the I/O thread; what is saved
 * is two thread hand-offs per wait (wake the I/O thread, be woken by it),
 * which on a virtual machine cost tens of microseconds, more than a small
 * task: a queued read followed by f[name], or by its Future's result().
 * Not inside a task (an executor's nested wait), nor during the exit drain.
 */
static int help_locked(const ha_task *own)
{
    if (tls_executor || eng.busy || queue_empty())
        return 0;
    ha_task *first = eng.queue.next;
    if (eng.exiting || !helpable(first, first == own)) {
        /* The I/O thread may have gone back to sleep while this thread
         * helped: it must take this task, or nobody will. */
        pthread_cond_signal(&eng.work);
        return 0;
    }
    if (first != own)
        eng.stats.helped_runs++;
    first->ran_inline = 1; /* on a calling thread: its track in a trace */
    run_first_locked();
    return 1;
}

int ha_engine_help_locked(void) { return help_locked(NULL); }

void ha_engine_wait_end_locked(void)
{
    /* What a helper leaves queued goes back to the I/O thread. */
    if (!eng.busy && !queue_empty())
        pthread_cond_signal(&eng.work);
}

/* Wait for `t`, helping; `own`: t is the waiting thread's synchronous call,
 * which it runs itself when its turn comes. */
static int wait_task_locked(ha_task *t, double timeout, int own)
{
    double start = ha_now();
    double deadline = timeout < 0 ? -1 : start + timeout;
    int ok = 1;
    if (t->status <= HA_RUNNING && !t->waited) {
        t->waited = 1; /* waits in slices count once */
        eng.stats.waits++;
    }
    while (t->status <= HA_RUNNING) {
        if (help_locked(own ? t : NULL)) {
            if (deadline >= 0 && ha_now() > deadline && t->status <= HA_RUNNING) {
                ok = 0;
                break;
            }
            continue;
        }
        if (!ha_engine_wait_done(deadline) && t->status <= HA_RUNNING) {
            ok = 0;
            break;
        }
    }
    ha_engine_wait_end_locked();
    eng.stats.blocked_ns += (uint64_t)((ha_now() - start) * 1e9);
    return ok;
}

static int wait_task(ha_task *t, double timeout, int own)
{
    pthread_once(&init_once, init_engine);
    pthread_mutex_lock(&eng.mu);
    int ok = wait_task_locked(t, timeout, own);
    pthread_mutex_unlock(&eng.mu);
    return ok;
}

int ha_task_wait(ha_task *t, double timeout) { return wait_task(t, timeout, 0); }
int ha_run_wait(ha_task *t, double timeout) { return wait_task(t, timeout, 1); }

int ha_run(ha_task *t, double timeout)
{
    pthread_once(&init_once, init_engine);
    pthread_mutex_lock(&eng.mu);
    if (!queue_empty() || eng.busy || tls_executor) {
        /* Queued behind others: wait for its turn (helping, see above). */
        int rc = submit_locked(t);
        if (rc == 0)
            rc = wait_task_locked(t, timeout, 1);
        pthread_mutex_unlock(&eng.mu);
        return rc;
    }
    if (t->es && !ha_es_accepts_locked(t->es)) {
        pthread_mutex_unlock(&eng.mu);
        return HA_SUBMIT_ES_CLOSED;
    }
    if (eng.closed) {
        pthread_mutex_unlock(&eng.mu);
        return -1;
    }
    /* Fast path: the engine is idle, run here without a thread hand-off. */
    eng.busy = 1;
    t->seq = ++eng.seq;
    eng.running_seq = t->seq;
    eng.running_op = t->op;
    t->status = HA_RUNNING;
    t->t_submit = ha_now();
    hold_add_locked(t);
    if (t->es)
        ha_es_submit_locked(t->es, t);
    eng.stats.inline_runs++;
    t->ran_inline = 1;
    ha_task_ref(t); /* the reference complete_locked() hands back */
    pthread_mutex_unlock(&eng.mu);

    execute(t);

    pthread_mutex_lock(&eng.mu);
    eng.busy = 0;
    int drop = complete_locked(t);
    if (!queue_empty())
        pthread_cond_signal(&eng.work);
    pthread_mutex_unlock(&eng.mu);
    if (drop)
        ha_task_unref(t);
    return 1;
}

int ha_task_cancel(ha_task *t)
{
    pthread_mutex_lock(&eng.mu);
    int cancelled = ha_engine_dequeue_locked(t);
    int drop = cancelled && ha_engine_complete_cancelled_locked(t);
    pthread_mutex_unlock(&eng.mu);
    if (drop)
        ha_task_unref(t);
    return cancelled;
}

int ha_drain(double timeout)
{
    pthread_mutex_lock(&eng.mu);
    double deadline = timeout < 0 ? -1 : ha_now() + timeout;
    int ok = 1;
    while (!queue_empty() || eng.busy) {
        if (!ha_engine_wait_done(deadline) && (!queue_empty() || eng.busy)) {
            ok = 0;
            break;
        }
    }
    pthread_mutex_unlock(&eng.mu);
    return ok;
}

ha_error **ha_shutdown_errors(size_t *n)
{
    pthread_once(&init_once, init_engine);
    pthread_mutex_lock(&eng.mu);
    while (!queue_empty() || eng.busy)
        ha_engine_wait_done(-1);
    /* Take the executing right to close what the program left open. */
    eng.busy = 1;
    pthread_mutex_unlock(&eng.mu);
    tls_executor = 1;
    ha_h5err_quiet_thread();
    close_deferred();
    ha_errlist failed = {0};
    ha_handle_close_all_files(&failed);
    tls_executor = 0;
    pthread_mutex_lock(&eng.mu);
    eng.busy = 0;
    int started = eng.started;
    eng.stopping = 1;
    pthread_cond_signal(&eng.work);
    pthread_mutex_unlock(&eng.mu);
    if (started)
        pthread_join(eng.thread, NULL);
    pthread_mutex_lock(&eng.mu);
    eng.started = 0;
    eng.stopping = 0;
    pthread_mutex_unlock(&eng.mu);
    ha_error **errs = ha_errlist_take(&failed, n);
    ha_errlist_clear(&failed);
    ha_stage_trim();
    return errs;
}

void ha_shutdown(void)
{
    size_t n = 0;
    ha_error **errs = ha_shutdown_errors(&n);
    for (size_t i = 0; i < n; i++)
        ha_error_unref(errs[i]);
    free(errs);
}

/* ---- process exit (engine.h explains the two steps) ---- */

void ha_exit_begin(void)
{
    pthread_mutex_lock(&eng.mu);
    eng.exiting = 1;
    pthread_mutex_unlock(&eng.mu);
}

int ha_exiting(void) { return __atomic_load_n(&eng.exiting, __ATOMIC_RELAXED); }

uint64_t ha_last_seq(void)
{
    pthread_mutex_lock(&eng.mu);
    uint64_t s = eng.seq;
    pthread_mutex_unlock(&eng.mu);
    return s;
}

/* Tasks run in submission order, so "everything up to `seq` is done" is
 * "the oldest queued task and the running one are younger". */
static int done_upto_locked(uint64_t seq)
{
    return (queue_empty() || eng.queue.next->seq > seq) && (!eng.busy || eng.running_seq > seq);
}

int ha_drain_upto(uint64_t seq, double timeout)
{
    pthread_mutex_lock(&eng.mu);
    double deadline = timeout < 0 ? -1 : ha_now() + timeout;
    int ok = 1;
    while (!done_upto_locked(seq)) {
        if (!ha_engine_wait_done(deadline) && !done_upto_locked(seq)) {
            ok = 0;
            break;
        }
    }
    pthread_mutex_unlock(&eng.mu);
    return ok;
}

size_t ha_engine_cancel_queued(ha_eventset *es, uint64_t *bytes)
{
    /* Collect under the lock, release the engine's references outside it:
     * releasing a task may queue a handle close, which takes the lock. */
    ha_task *drop = NULL;
    size_t n = 0;
    uint64_t nbytes = 0;
    pthread_mutex_lock(&eng.mu);
    ha_task *t = ha_engine_queue_first();
    while (t) {
        ha_task *next = ha_engine_queue_next(t);
        /* A close is never cancelled: the file would stay open, its
         * objects already unusable. */
        if ((!es || t->es == es) && t->op != HA_OP_FILE_CLOSE && ha_engine_dequeue_locked(t)) {
            n++;
            nbytes += t->own_buf || t->op == HA_OP_DSET_WRITE ? t->nbytes : 0;
            if (ha_engine_complete_cancelled_locked(t)) {
                t->next = drop;
                drop = t;
            }
        }
        t = next;
    }
    pthread_mutex_unlock(&eng.mu);
    while (drop) {
        ha_task *next = drop->next;
        drop->next = NULL;
        ha_task_unref(drop);
        drop = next;
    }
    if (bytes)
        *bytes = nbytes;
    return n;
}

size_t ha_exit_interrupt(uint64_t *bytes)
{
    pthread_mutex_lock(&eng.mu);
    eng.interrupted = 1;
    pthread_mutex_unlock(&eng.mu);
    return ha_engine_cancel_queued(NULL, bytes);
}

static void report_all(const char *what, ha_error **errs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (eng.exit_report)
            eng.exit_report(what, errs[i]);
        ha_error_unref(errs[i]);
    }
    free(errs);
}

static void exit_final(void)
{
    pthread_mutex_lock(&eng.mu);
    eng.closed = 1;
    if (eng.interrupted && eng.busy) {
        /* Blocked in HDF5 (an open of a FIFO, a hung file system): no
         * file can be closed while it runs, and HDF5's own exit handler
         * would wait for it forever.  The user asked to stop: say so, and
         * end here. */
        ha_opkind op = eng.running_op;
        pthread_mutex_unlock(&eng.mu);
        if (eng.exit_report) {
            ha_error *e = ha_error_new(HA_E_IO, ha_op_name(op), "",
                                       "still running when the exit was interrupted; "
                                       "open files were not closed");
            eng.exit_report("exit interrupted", e);
            ha_error_unref(e);
        }
        fflush(NULL);
        _exit(130);
    }
    pthread_mutex_unlock(&eng.mu);
    size_t n = 0;
    ha_error **errs = ha_shutdown_errors(&n);
    report_all("closing a file at exit failed", errs, n);
    errs = ha_take_orphan_failures(&n);
    report_all("closing an object nobody closed failed", errs, n);
}

static void install_exit(void)
{
    /* HDF5 registers its own exit handler when it initialises; ours,
     * registered after, runs before it (atexit order is last in, first
     * out) and leaves it nothing open to close. */
    H5open();
    atexit(exit_final);
}

void ha_exit_install(void (*report)(const char *what, ha_error *err))
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_mutex_lock(&eng.mu);
    eng.exit_report = report;
    pthread_mutex_unlock(&eng.mu);
    pthread_once(&once, install_exit);
}

void ha_reap(void (*fn)(ha_task *t, void *arg), void *arg)
{
    pthread_mutex_lock(&eng.mu);
    ha_task *list = eng.reap_head;
    eng.reap_head = NULL;
    eng.reap_tail = &eng.reap_head;
    pthread_mutex_unlock(&eng.mu);
    while (list) {
        ha_task *next = list->reap_next;
        list->reap_next = NULL;
        fn(list, arg);
        ha_task_unref(list);
        list = next;
    }
}

void ha_trace_start(size_t capacity)
{
    ha_trace_rec *buf = malloc((capacity ? capacity : 1) * sizeof *buf);
    pthread_mutex_lock(&eng.mu);
    ha_trace_rec *old = eng.trace;
    size_t old_n = eng.trace_n;
    __atomic_store_n(&eng.trace, buf, __ATOMIC_RELAXED); /* trace_capture reads it unlocked */
    eng.trace_n = 0;
    eng.trace_cap = buf ? capacity : 0;
    pthread_mutex_unlock(&eng.mu);
    ha_trace_free(old, old_n); /* outside the mutex: it is a leaf */
}

ha_trace_rec *ha_trace_stop(size_t *n)
{
    pthread_mutex_lock(&eng.mu);
    ha_trace_rec *buf = eng.trace;
    *n = eng.trace_n;
    __atomic_store_n(&eng.trace, NULL, __ATOMIC_RELAXED);
    eng.trace_n = eng.trace_cap = 0;
    pthread_mutex_unlock(&eng.mu);
    return buf;
}

ha_trace_rec *ha_trace_take(size_t *n)
{
    *n = 0;
    pthread_mutex_lock(&eng.mu);
    size_t cap = eng.trace_cap;
    int empty = !eng.trace || eng.trace_n == 0;
    pthread_mutex_unlock(&eng.mu);
    if (empty)
        return NULL;
    /* Allocate outside the mutex; tracing may have stopped meanwhile. */
    ha_trace_rec *fresh = malloc(cap * sizeof *fresh);
    if (!fresh)
        return NULL;
    pthread_mutex_lock(&eng.mu);
    ha_trace_rec *buf = NULL;
    if (eng.trace && eng.trace_cap == cap) {
        buf = eng.trace;
        *n = eng.trace_n;
        __atomic_store_n(&eng.trace, fresh, __ATOMIC_RELAXED);
        eng.trace_n = 0;
        fresh = NULL;
    }
    pthread_mutex_unlock(&eng.mu);
    free(fresh);
    return buf;
}

void ha_trace_free(ha_trace_rec *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++) {
        free(r[i].file);
        free(r[i].path);
        free(r[i].name);
        free(r[i].error);
    }
    free(r);
}

void ha_emulate_storage(double bandwidth, double latency)
{
    pthread_mutex_lock(&eng.mu);
    eng.emu_bandwidth = bandwidth > 0 ? bandwidth : 0;
    eng.emu_latency = latency > 0 ? latency : 0;
    pthread_mutex_unlock(&eng.mu);
}

void ha_emulate_io(uint64_t nbytes)
{
    pthread_mutex_lock(&eng.mu);
    double bw = eng.emu_bandwidth, lat = eng.emu_latency;
    pthread_mutex_unlock(&eng.mu);
    double s = lat + (bw > 0 ? (double)nbytes / bw : 0);
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

void ha_stats_get(ha_stats *out)
{
    pthread_mutex_lock(&eng.mu);
    *out = eng.stats;
    pthread_mutex_unlock(&eng.mu);
}
