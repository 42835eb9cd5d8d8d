/*
 * Engine tests with real HDF5 files: how failures are classified and how
 * they propagate through handles, how handles close their HDF5 objects,
 * and the synchronous link queries.
 *
 * Every test works in its own mkdtemp directory and removes it.  Handles are
 * released before the directory goes, and the engine is drained, so no HDF5
 * file is still open when its file is unlinked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "test_util.h"

/* Release handles, wait for the close tasks that releasing queues, and
 * remove the test directory. */
static void finish(const char *dir, ha_handle **hs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ha_handle_unref(hs[i]);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    tmpdir_remove(dir);
}

/* Submit HA_OP_FILE_CLOSE of `f` and wait for it. */
static void file_close(ha_handle *f)
{
    ha_task *t = task_new(HA_OP_FILE_CLOSE, NULL);
    t->obj = ha_handle_ref(f);
    submit(t);
    wait_task(t);
    ASSERT_EQ(t->status, HA_DONE);
    ha_task_unref(t);
}

TEST(hdf5_group_exists)
{
    const char *dir = tmpdir_new();
    ha_eventset *es = ha_es_new();
    ha_handle *f = file_open(tmp_path(dir, "a.h5"), HA_FMODE_TRUNC, es, NULL);
    ha_task *t1, *t2;
    ha_handle *g1 = group_create(f, "g", "/g", es, &t1);
    ha_handle *g2 = group_create(f, "g", "/g", es, &t2);
    wait_es(es);

    ASSERT_EQ(t1->status, HA_DONE);
    ASSERT_EQ(g1->state, HA_H_OPEN);
    ASSERT_EQ(t2->status, HA_FAILED);
    ASSERT_NOT_NULL(t2->error);
    ASSERT_EQ(t2->error->code, HA_E_EXISTS);
    ASSERT_STREQ(t2->error->op, "create_group");
    ASSERT_STREQ(t2->error->path, "/g");
    ASSERT_NOT_NULL(t2->error->stack); /* HDF5's own text is kept */
    /* The handle remembers the failure for the tasks that use it later. */
    ASSERT_EQ(g2->state, HA_H_FAILED);
    ASSERT_TRUE(g2->error == t2->error);

    ha_error **errs = take_errors(es, 1);
    ASSERT_TRUE(errs[0] == t2->error);
    free_errors(errs, 1);

    ha_task_unref(t1);
    ha_task_unref(t2);
    ha_es_unref(es);
    ha_handle *hs[] = {g1, g2, f};
    finish(dir, hs, 3);
}

TEST(hdf5_dependency_names_root)
{
    const char *dir = tmpdir_new();
    ha_eventset *es = ha_es_new();
    ha_handle *f = file_open(tmp_path(dir, "a.h5"), HA_FMODE_TRUNC, es, NULL);
    ha_handle *g1 = group_create(f, "g", "/g", es, NULL);
    ha_task *t2, *t3, *t4, *t5;
    ha_handle *g2 = group_create(f, "g", "/g", es, &t2); /* fails: exists */
    ha_handle *sub = group_create(g2, "sub", "/g/sub", es, &t3);
    ha_handle *leaf = group_create(sub, "x", "/g/sub/x", es, &t4);
    ha_handle *ok = group_create(g1, "fine", "/g/fine", es, &t5);
    wait_es(es);

    /* The root failure's class is checked by hdf5_group_exists; here only
     * how it propagates. */
    ha_error *root = t2->error;
    ASSERT_EQ(t2->status, HA_FAILED);
    ASSERT_NE(root->code, HA_E_DEPENDENCY);
    ASSERT_STREQ(root->op, "create_group");
    ASSERT_STREQ(root->path, "/g");
    /* One level down: a dependency error whose cause is the root. */
    ASSERT_EQ(t3->status, HA_FAILED);
    ASSERT_EQ(t3->error->code, HA_E_DEPENDENCY);
    ASSERT_STREQ(t3->error->path, "/g/sub");
    ASSERT_TRUE(t3->error->cause == root);
    ASSERT_STRSTR(t3->error->message, "create_group");
    ASSERT_STRSTR(t3->error->message, "'/g'");
    ASSERT_EQ(sub->state, HA_H_FAILED);
    /* Two levels down the cause is still the root, not the middle link. */
    ASSERT_EQ(t4->error->code, HA_E_DEPENDENCY);
    ASSERT_TRUE(t4->error->cause == root);
    ASSERT_STRSTR(t4->error->message, "'/g'");
    /* A sibling on the good handle is untouched. */
    ASSERT_EQ(t5->status, HA_DONE);
    ASSERT_EQ(ok->state, HA_H_OPEN);

    ha_error **errs = take_errors(es, 3); /* in completion order */
    ASSERT_TRUE(errs[0] == root);
    ASSERT_EQ(errs[1]->code, HA_E_DEPENDENCY);
    ASSERT_EQ(errs[2]->code, HA_E_DEPENDENCY);
    free_errors(errs, 3);

    ha_task *ts[] = {t2, t3, t4, t5};
    for (int i = 0; i < 4; i++)
        ha_task_unref(ts[i]);
    ha_es_unref(es);
    ha_handle *hs[] = {leaf, sub, ok, g1, g2, f};
    finish(dir, hs, 6);
}

TEST(hdf5_open_missing_file)
{
    const char *dir = tmpdir_new();
    const char *path = tmp_path(dir, "nope.h5");
    ha_eventset *es = ha_es_new();
    ha_task *t, *tg;
    ha_handle *f = file_open(path, HA_FMODE_R, es, &t);
    ha_handle *g = group_create(f, "g", "/g", es, &tg);
    wait_es(es);

    ASSERT_EQ(t->status, HA_FAILED);
    ASSERT_EQ(t->error->code, HA_E_IO);
    ASSERT_EQ(t->error->sys_errno, ENOENT);
    ASSERT_STREQ(t->error->op, "open_file");
    ASSERT_STREQ(t->error->path, path);
    ASSERT_EQ(f->state, HA_H_FAILED);
    ASSERT_EQ(tg->error->code, HA_E_DEPENDENCY);
    ASSERT_TRUE(tg->error->cause == t->error);
    ASSERT_EQ(access(path, F_OK), -1); /* 'r' never creates */
    free_errors(take_errors(es, 2), 2);
    ha_task_unref(t);
    ha_task_unref(tg);
    ha_handle_unref(g);
    ha_handle_unref(f);

    /* 'r+' on a missing file fails the same way. */
    f = file_open(path, HA_FMODE_RW, NULL, &t);
    wait_task(t);
    ASSERT_EQ(t->error->code, HA_E_IO);
    ASSERT_EQ(t->error->sys_errno, ENOENT);
    ha_task_unref(t);
    ha_handle_unref(f);

    /* 'w-' on an existing (closed) file: an I/O error with EEXIST.  While
     * the file is still open HDF5 says "file exists" without an errno. */
    ha_handle *f1 = file_open(path, HA_FMODE_TRUNC, NULL, &t);
    wait_task(t);
    ASSERT_EQ(t->status, HA_DONE);
    ha_task_unref(t);
    file_close(f1);
    ha_handle *f2 = file_open(path, HA_FMODE_EXCL, NULL, &t);
    wait_task(t);
    ASSERT_EQ(t->status, HA_FAILED);
    ASSERT_EQ(t->error->code, HA_E_IO);
    ASSERT_EQ(t->error->sys_errno, EEXIST);
    ha_task_unref(t);
    ha_es_unref(es);
    ha_handle *hs[] = {f2, f1};
    finish(dir, hs, 2);
}

TEST(hdf5_readonly_write)
{
    const char *dir = tmpdir_new();
    const char *path = tmp_path(dir, "a.h5");
    ha_handle *f = file_open(path, HA_FMODE_TRUNC, NULL, NULL);
    file_close(f);
    ha_handle_unref(f);

    ha_task *t;
    f = file_open(path, HA_FMODE_R, NULL, NULL);
    ha_handle *g = group_create(f, "g", "/g", NULL, &t);
    wait_task(t);
    ASSERT_EQ(t->status, HA_FAILED);
    ASSERT_EQ(t->error->code, HA_E_READONLY);
    ha_task_unref(t);
    ha_handle *hs[] = {g, f};
    finish(dir, hs, 2);
}

TEST(hdf5_cancel_leaves_dependency)
{
    const char *dir = tmpdir_new();
    ha_eventset *es_a = ha_es_new(), *es_b = ha_es_new();
    ha_handle *f = file_open(tmp_path(dir, "a.h5"), HA_FMODE_TRUNC, es_a, NULL);
    ha_task *head = submit_sleep(300 * 1000, es_a);
    wait_started(head);
    ha_task *tg, *ts;
    ha_handle *g = group_create(f, "g", "/g", es_b, &tg);
    ha_handle *s = group_create(g, "s", "/g/s", es_a, &ts);
    ASSERT_EQ(ha_es_cancel(es_b, NULL), 1);
    wait_es(es_a);

    ASSERT_EQ(tg->status, HA_CANCELLED);
    /* Its creation never ran: the handle fails with the cancellation. */
    ASSERT_EQ(g->state, HA_H_FAILED);
    ASSERT_EQ(g->error->code, HA_E_CANCELLED);
    /* The task that needed /g fails cleanly, naming the cancelled root. */
    ASSERT_EQ(ts->status, HA_FAILED);
    ASSERT_EQ(ts->error->code, HA_E_DEPENDENCY);
    ASSERT_STRSTR(ts->error->message, "'/g'");
    ASSERT_EQ(ts->error->cause->code, HA_E_CANCELLED);
    ASSERT_EQ(s->state, HA_H_FAILED);

    ha_task_unref(head);
    ha_task_unref(tg);
    ha_task_unref(ts);
    ha_es_unref(es_a);
    ha_es_unref(es_b);
    ha_handle *hs[] = {s, g, f};
    finish(dir, hs, 3);
}

TEST(hdf5_handle_release_closes_file)
{
    const char *dir = tmpdir_new();
    const char *path = tmp_path(dir, "a.h5");
    ha_task *t;
    ha_handle *f = file_open(path, HA_FMODE_TRUNC, NULL, NULL);
    ha_handle *g = group_create(f, "g", "/g", NULL, &t);
    wait_task(t);
    ASSERT_EQ(t->status, HA_DONE);
    ha_task_unref(t);

    /* While the file is open HDF5 refuses to truncate it: this is how the
     * test sees below that releasing the handles really closed it. */
    ha_handle *f2 = file_open(path, HA_FMODE_TRUNC, NULL, &t);
    wait_task(t);
    ASSERT_EQ(t->status, HA_FAILED);
    ha_task_unref(t);
    ha_handle_unref(f2);

    /* Dropping the last references off the I/O thread: the group's close
     * is deferred to the next task, and letting go of the file queues one
     * (a no-op that closes the group first), so the file closes. */
    ha_stats s0, s1;
    ha_stats_get(&s0);
    ha_handle_unref(g);
    ha_handle_unref(f);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    ha_stats_get(&s1);
    ASSERT_GE(s1.submitted - s0.submitted, 1);

    f = file_open(path, HA_FMODE_TRUNC, NULL, &t);
    wait_task(t);
    ASSERT_EQ(t->status, HA_DONE);
    ha_task_unref(t);
    finish(dir, &f, 1);
}

TEST(hdf5_links_sync)
{
    const char *dir = tmpdir_new();
    ha_handle *f = file_open(tmp_path(dir, "a.h5"), HA_FMODE_TRUNC, NULL, NULL);
    ha_handle *b = group_create(f, "b", "/b", NULL, NULL);
    ha_handle *a = group_create(f, "a/deep", "/a/deep", NULL, NULL);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);

    /* "name in group": answered synchronously, inline on an idle engine. */
    ha_stats s0, s1;
    ha_stats_get(&s0);
    const char *names[] = {"a", "a/deep", "b", "nope", "a/nope/x"};
    int want[] = {1, 1, 1, 0, 0};
    for (int i = 0; i < 5; i++) {
        ha_task *t = task_new(HA_OP_LINK_EXISTS, NULL);
        t->obj = ha_handle_ref(f);
        t->name = strdup(names[i]);
        run_sync(t);
        ASSERT_EQ(t->status, HA_DONE);
        ASSERT_EQ(t->result.ival, want[i]);
        ha_task_unref(t);
    }
    ha_stats_get(&s1);
    ASSERT_EQ(s1.inline_runs - s0.inline_runs, 5);

    /* keys(): by name, intermediate group "a" created by the lcpl. */
    ha_task *t = task_new(HA_OP_LINK_LIST, NULL);
    t->obj = ha_handle_ref(f);
    run_sync(t);
    ASSERT_EQ(t->result.nnames, 2);
    ASSERT_STREQ(t->result.names[0], "a");
    ASSERT_STREQ(t->result.names[1], "b");
    ha_task_unref(t);

    /* Opening by name reports what kind of object it found. */
    ha_handle *o = ha_handle_new(HA_OBJ_DATASET, "/a", f);
    t = task_new(HA_OP_OBJ_OPEN, NULL);
    t->obj = ha_handle_ref(f);
    t->target = ha_handle_ref(o);
    t->name = strdup("a");
    run_sync(t);
    ASSERT_EQ(t->status, HA_DONE);
    ASSERT_EQ(t->result.kind, HA_OBJ_GROUP);
    ASSERT_EQ(o->kind, HA_OBJ_GROUP);
    ASSERT_EQ(o->state, HA_H_OPEN);
    ha_task_unref(t);

    ha_handle *hs[] = {o, a, b, f};
    finish(dir, hs, 4);
}

/*
 * The caller and the I/O thread drop their references to a freshly created
 * group at nearly the same moment, thousands of times.  Whoever drops the
 * last one must close the group; nobody may free it while it is open and
 * linked in its file's list of children.  A bad interleaving shows up under
 * ASan as a use-after-free in list_add or close_now; without ASan as a
 * crash, a hang at the file close, or not at all.
 */
TEST(hdf5_handle_release_race)
{
    const char *dir = tmpdir_new();
    ha_handle *f = file_open(tmp_path(dir, "a.h5"), HA_FMODE_TRUNC, NULL, NULL);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    unsigned rnd = 1;
    double exec = 20e-6; /* running mean of one group creation */
    double end = ha_now() + 2.0;
    for (int i = 0; i < 50000 && ha_now() < end; i++) {
        char name[32];
        snprintf(name, sizeof name, "g%d", i);
        ha_task *t;
        ha_handle *g = group_create(f, name, name, NULL, &t);
        /* Spin (no sleep: the window is a few instructions) until it runs,
         * then drop our reference at a random point of its execution. */
        while (ha_task_status(t) == HA_QUEUED)
            ;
        double t0 = ha_now(), delay = exec * 1.5 * (rnd % 1024) / 1024.0;
        rnd = rnd * 1103515245u + 12345u;
        while (ha_now() - t0 < delay)
            ;
        ha_handle_unref(g);
        wait_task(t);
        exec = 0.9 * exec + 0.1 * (t->t_end - t->t_start);
        ha_task_unref(t);
    }
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    file_close(f); /* walks the children list */
    ha_handle_unref(f);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    tmpdir_remove(dir);
}
