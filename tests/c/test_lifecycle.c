/*
 * Lifecycle: closing a file with open children, shutdown with work still
 * queued (the data must reach the disk), and restarting after a shutdown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "test_util.h"

#define MS 1000 /* HA_OP_SLEEP takes microseconds */

TEST(shutdown_then_submit_restarts)
{
    enum { N = 20 };
    ha_task *head = submit_sleep(100 * MS, NULL);
    ha_task *ts[N];
    for (int i = 0; i < N; i++)
        ts[i] = submit_noop(NULL);
    ha_shutdown(); /* drains: nothing is cancelled */
    ASSERT_EQ(head->status, HA_DONE);
    for (int i = 0; i < N; i++) {
        ASSERT_EQ(ts[i]->status, HA_DONE);
        ha_task_unref(ts[i]);
    }
    ha_task_unref(head);

    /* ha_submit only queues, so completing proves a new I/O thread runs. */
    ha_task *t = submit_sleep(1 * MS, NULL);
    wait_task(t);
    ASSERT_EQ(t->status, HA_DONE);
    ha_task_unref(t);

    /* Shutting down twice, and running inline after it, are fine. */
    ha_shutdown();
    ha_shutdown();
    ha_task *s = task_new(HA_OP_NOOP, NULL);
    run_sync(s);
    ASSERT_EQ(s->status, HA_DONE);
    ha_task_unref(s);
    t = submit_noop(NULL);
    wait_task(t);
    ha_task_unref(t);
}

/* Open dataset `name` of `f` synchronously; returns its handle and checks
 * it is a d0 x d1 int64 dataset. */
static ha_handle *open_dset2(ha_handle *f, const char *name, uint64_t d0,
                             uint64_t d1)
{
    ha_handle *d = ha_handle_new(HA_OBJ_DATASET, name, f);
    ha_task *t = task_new(HA_OP_OBJ_OPEN, NULL);
    t->obj = ha_handle_ref(f);
    t->target = ha_handle_ref(d);
    t->name = strdup(name);
    run_sync(t);
    ASSERT_EQ(t->status, HA_DONE);
    ASSERT_EQ(t->result.kind, HA_OBJ_DATASET);
    ASSERT_EQ(t->result.extent.rank, 2);
    ASSERT_EQ(t->result.extent.dims[0], d0);
    ASSERT_EQ(t->result.extent.dims[1], d1);
    ASSERT_EQ(t->result.type->cls, HA_T_INT);
    ASSERT_EQ(t->result.type->size, 8);
    ha_task_unref(t);
    return d;
}

TEST(file_close_closes_children)
{
    const char *dir = tmpdir_new();
    const char *path = tmp_path(dir, "a.h5");
    static int64_t w[4][5], r[4][5];
    for (int i = 0; i < 20; i++)
        w[i / 5][i % 5] = 100 + i;
    ha_handle *f = file_open(path, HA_FMODE_TRUNC, NULL, NULL);
    ha_handle *d = dset_create(f, "d", "/d", int_type(8), extent2(4, 5), NULL,
                               NULL);
    ha_handle *g = group_create(f, "g", "/g", NULL, NULL);
    done(dset_io(HA_OP_DSET_WRITE, d, int_type(8), FILE_ALL, sel_all2(4, 5), w,
                 sizeof w, NULL));

    /* Close the file while we still hold its dataset and group, as h5py
     * allows: the children are closed first, then the file. */
    ha_task *t = task_new(HA_OP_FILE_CLOSE, NULL);
    t->obj = ha_handle_ref(f);
    submit(t);
    done(t);
    ASSERT_EQ(f->state, HA_H_CLOSED);
    ASSERT_EQ(d->state, HA_H_CLOSED);
    ASSERT_EQ(g->state, HA_H_CLOSED);

    /* A task on a closed child fails cleanly, naming the object. */
    t = dset_io(HA_OP_DSET_READ, d, int_type(8), FILE_ALL, sel_all2(4, 5), r,
                sizeof r, NULL);
    wait_task(t);
    ASSERT_EQ(t->status, HA_FAILED);
    ASSERT_EQ(t->error->code, HA_E_CLOSED);
    ASSERT_STRSTR(t->error->message, "/d");
    ha_task_unref(t);

    /* The file is really closed (and complete): it reopens read-only. */
    ha_handle *f2 = file_open(path, HA_FMODE_R, NULL, NULL);
    ha_handle *d2 = open_dset2(f2, "d", 4, 5);
    done(dset_io(HA_OP_DSET_READ, d2, int_type(8), FILE_ALL, sel_all2(4, 5), r,
                 sizeof r, NULL));
    ASSERT_EQ(memcmp(r, w, sizeof r), 0);

    ha_handle *hs[] = {d2, f2, g, d, f};
    for (int i = 0; i < 5; i++)
        ha_handle_unref(hs[i]);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    tmpdir_remove(dir);
}

/* Read the values h5dump prints for dataset /d of `path` into `out`;
 * returns how many, or -1 if h5dump failed. */
static int h5dump_values(const char *path, int64_t *out, int max)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "h5dump -d /d -y -w 0 '%s' 2>&1", path);
    FILE *p = popen(cmd, "r");
    ASSERT_NOT_NULL(p);
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, p);
    text[len] = '\0';
    if (pclose(p) != 0) {
        fprintf(stderr, "h5dump said:\n%s\n", text);
        return -1;
    }
    char *s = strstr(text, "DATA {");
    ASSERT_NOT_NULL(s);
    int n = 0;
    for (s += 6; *s && *s != '}' && n < max;) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s) {
            s++;
            continue;
        }
        out[n++] = v;
        s = end;
    }
    return n;
}

TEST(shutdown_flushes_pending_writes)
{
    const char *dir = tmpdir_new();
    const char *path = tmp_path(dir, "ckpt.h5");
    static int64_t w[10][20], r[10][20];
    for (int i = 0; i < 200; i++)
        w[i / 20][i % 20] = 3 * i;

    /* A script that never waits and never closes: everything is queued
     * behind a sleep, the tasks are released at once, the handles kept. */
    ha_task_unref(submit_sleep(100 * MS, NULL));
    ha_handle *f = file_open(path, HA_FMODE_TRUNC, NULL, NULL);
    ha_handle *d = dset_create(f, "d", "/d", int_type(8), extent2(10, 20),
                               NULL, NULL);
    ha_task *t = task_new(HA_OP_DSET_WRITE, NULL);
    t->obj = ha_handle_ref(d);
    t->type = int_type(8);
    t->fsel = FILE_ALL;
    t->msel = sel_all2(10, 20);
    t->buf = malloc(sizeof w); /* a staged copy, owned by the task */
    memcpy(t->buf, w, sizeof w);
    t->nbytes = sizeof w;
    t->own_buf = 1;
    submit(t);
    ha_task_unref(t);
    ha_task *ta = task_new(HA_OP_ATTR_WRITE, NULL);
    int64_t seven = 7;
    ta->obj = ha_handle_ref(d);
    ta->name = strdup("at");
    ta->type = int_type(8);
    ta->buf = &seven, ta->nbytes = sizeof seven, ta->own_buf = 0;
    submit(ta);
    ha_task_unref(ta);

    ha_shutdown(); /* drains, then closes every open file */
    ASSERT_EQ(f->state, HA_H_CLOSED);
    ASSERT_EQ(d->state, HA_H_CLOSED);

    /* An independent reader sees the data, when h5dump is installed.  The
     * I/O thread is gone now, so popen's fork happens single-threaded. */
    if (have_program("h5dump")) {
        static int64_t vals[256];
        ASSERT_EQ(h5dump_values(path, vals, 256), 200);
        for (int i = 0; i < 200; i++)
            ASSERT_EQ(vals[i], 3 * i);
    } else {
        fprintf(stderr, "(h5dump not found: engine read-back only)\n");
    }

    /* And so does a fresh engine. */
    ha_handle *f2 = file_open(path, HA_FMODE_R, NULL, NULL);
    ha_handle *d2 = open_dset2(f2, "d", 10, 20);
    done(dset_io(HA_OP_DSET_READ, d2, int_type(8), FILE_ALL, sel_all2(10, 20),
                 r, sizeof r, NULL));
    ASSERT_EQ(memcmp(r, w, sizeof r), 0);
    t = task_new(HA_OP_ATTR_READ, NULL);
    t->obj = ha_handle_ref(d2);
    t->name = strdup("at");
    run_sync(t);
    ASSERT_EQ(t->status, HA_DONE);
    ASSERT_EQ(*(int64_t *)t->result.data, 7);
    ha_task_unref(t);

    /* The old handles were closed by the shutdown: using one fails. */
    t = dset_io(HA_OP_DSET_READ, d, int_type(8), FILE_ALL, sel_all2(10, 20), r,
                sizeof r, NULL);
    wait_task(t);
    ASSERT_EQ(t->error->code, HA_E_CLOSED);
    ha_task_unref(t);

    ha_handle *hs[] = {d2, f2, d, f};
    for (int i = 0; i < 4; i++)
        ha_handle_unref(hs[i]);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    tmpdir_remove(dir);
}
