/* Helpers shared by the C tests; see test_util.h. */
#define _GNU_SOURCE
#include "test_util.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

/* Directories not yet removed, so a test that fails half-way (exit(1) from
 * an ASSERT) still leaves nothing behind: they go at exit. */
#define MAX_DIRS 16
static char dirs[MAX_DIRS][256];

static int rm_one(const char *path, const struct stat *sb, int flag,
                  struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void remove_now(const char *dir)
{
    /* Depth first, so directories are empty when their turn comes. */
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_left_over(void)
{
    for (int i = 0; i < MAX_DIRS; i++)
        if (dirs[i][0])
            remove_now(dirs[i]);
}

const char *tmpdir_new(void)
{
    static int registered;
    if (!registered++)
        atexit(remove_left_over);
    for (int i = 0; i < MAX_DIRS; i++) {
        if (dirs[i][0])
            continue;
        /* Under the runner's per-run directory when there is one, so even a
         * test that crashes (no atexit) leaves nothing behind. */
        const char *root = getenv("HA_TEST_TMPROOT");
        snprintf(dirs[i], sizeof dirs[i], "%s/h5async-ctest-XXXXXX",
                 root && *root ? root : "/tmp");
        ASSERT_NOT_NULL(mkdtemp(dirs[i]));
        return dirs[i];
    }
    ASSERT_TRUE(!"too many temp dirs at once");
    return NULL;
}

void tmpdir_remove(const char *dir)
{
    remove_now(dir);
    for (int i = 0; i < MAX_DIRS; i++)
        if (dirs[i] == dir) /* tmpdir_new hands out these very buffers */
            dirs[i][0] = '\0';
}

const char *tmp_path(const char *dir, const char *name)
{
    /* A few rotating buffers so two paths can be used in one call. */
    static char bufs[4][PATH_MAX];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, PATH_MAX, "%s/%s", dir, name);
    return b;
}

ha_task *task_new(ha_opkind op, ha_eventset *es)
{
    ha_task *t = ha_task_new(op);
    ASSERT_NOT_NULL(t);
    if (es)
        t->es = ha_es_ref(es);
    return t;
}

void submit(ha_task *t)
{
    ASSERT_EQ(ha_submit(t), 0);
}

ha_task *submit_sleep(int64_t usec, ha_eventset *es)
{
    ha_task *t = task_new(HA_OP_SLEEP, es);
    t->ival = usec;
    submit(t);
    return t;
}

ha_task *submit_noop(ha_eventset *es)
{
    ha_task *t = task_new(HA_OP_NOOP, es);
    submit(t);
    return t;
}

void wait_task(ha_task *t)
{
    ASSERT_EQ(ha_task_wait(t, WAIT_LONG), 1);
    ASSERT_GE(t->status, HA_DONE);
}

void run_sync(ha_task *t)
{
    ASSERT_EQ(ha_run(t, WAIT_LONG), 1);
    ASSERT_GE(t->status, HA_DONE);
}

void wait_started(ha_task *t)
{
    double deadline = ha_now() + WAIT_LONG;
    for (;;) {
        if (ha_task_status(t) != HA_QUEUED) /* read under the engine mutex */
            return;
        ASSERT_DBL_LE(ha_now(), deadline);
        usleep(500);
    }
}

void wait_es(ha_eventset *es)
{
    ASSERT_EQ(ha_es_wait(es, WAIT_LONG), 0);
}

static void give_task(ha_task *t, ha_task **tp)
{
    if (tp)
        *tp = t;
    else
        ha_task_unref(t);
}

ha_handle *file_open(const char *path, ha_fmode mode, ha_eventset *es,
                     ha_task **tp)
{
    ha_handle *f = ha_handle_new(HA_OBJ_FILE, path, NULL);
    ASSERT_NOT_NULL(f);
    ha_task *t = task_new(HA_OP_FILE_OPEN, es);
    t->ival = mode;
    t->name = strdup(path);
    t->target = ha_handle_ref(f);
    submit(t);
    give_task(t, tp);
    return f;
}

ha_handle *group_create(ha_handle *parent, const char *name, const char *path,
                        ha_eventset *es, ha_task **tp)
{
    ha_handle *g = ha_handle_new(HA_OBJ_GROUP, path, parent);
    ASSERT_NOT_NULL(g);
    ha_task *t = task_new(HA_OP_GROUP_CREATE, es);
    t->obj = ha_handle_ref(parent);
    t->target = ha_handle_ref(g);
    t->name = strdup(name);
    submit(t);
    give_task(t, tp);
    return g;
}

ha_handle *dset_create(ha_handle *parent, const char *name, const char *path,
                       ha_type *ftype, ha_extent ext, ha_eventset *es,
                       ha_task **tp)
{
    ha_handle *d = ha_handle_new(HA_OBJ_DATASET, path, parent);
    ASSERT_NOT_NULL(d);
    ha_task *t = task_new(HA_OP_DSET_CREATE, es);
    t->obj = ha_handle_ref(parent);
    t->target = ha_handle_ref(d);
    t->name = strdup(name);
    t->ftype = ftype;
    t->extent = ext;
    submit(t);
    give_task(t, tp);
    return d;
}

ha_task *dset_io(ha_opkind op, ha_handle *d, ha_type *mtype, ha_sel fsel,
                 ha_sel msel, void *buf, size_t nbytes, ha_eventset *es)
{
    ha_task *t = task_new(op, es);
    t->obj = ha_handle_ref(d);
    t->type = mtype;
    t->fsel = fsel;
    t->msel = msel;
    t->buf = buf;
    t->nbytes = nbytes;
    t->own_buf = 0;
    submit(t);
    return t;
}

void done(ha_task *t)
{
    wait_task(t);
    if (t->error)
        fprintf(stderr, "task failed: %s %s: %s\n", t->error->op,
                t->error->path, t->error->message);
    ASSERT_EQ(t->status, HA_DONE);
    ha_task_unref(t);
}

ha_type *int_type(size_t size)
{
    ha_type *t = ha_type_new(HA_T_INT, size, HA_ORDER_LE);
    ASSERT_NOT_NULL(t);
    return t;
}

ha_extent extent2(uint64_t d0, uint64_t d1)
{
    /* maxdims must be set: zero would mean "smaller than dims" to HDF5. */
    ha_extent e = {.rank = 2, .dims = {d0, d1}, .maxdims = {d0, d1}};
    return e;
}

ha_sel sel_all2(uint64_t d0, uint64_t d1)
{
    ha_sel s = {.kind = HA_SEL_ALL, .rank = 2, .dims = {d0, d1}};
    return s;
}

ha_sel sel_slab2(uint64_t d0, uint64_t d1, uint64_t s0, uint64_t s1,
                 uint64_t c0, uint64_t c1)
{
    ha_sel s = {.kind = HA_SEL_SLAB, .rank = 2, .dims = {d0, d1},
                .start = {s0, s1}, .stride = {1, 1}, .count = {c0, c1}};
    return s;
}

ha_error **take_errors(ha_eventset *es, size_t n)
{
    size_t got = 99;
    ha_error **errs = ha_es_take_errors(es, &got);
    ASSERT_EQ(got, n);
    if (n)
        ASSERT_NOT_NULL(errs);
    return errs;
}

void free_errors(ha_error **errs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ha_error_unref(errs[i]);
    free(errs);
}

int have_program(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *copy = strdup(path), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(copy, ":", &save); d && !found;
         d = strtok_r(NULL, ":", &save)) {
        char full[PATH_MAX];
        snprintf(full, sizeof full, "%s/%s", d, prog);
        found = access(full, X_OK) == 0;
    }
    free(copy);
    return found;
}
