/*
 * Data round trips through the engine: dataset create, write, read (whole,
 * hyperslabs, type conversion), resize, attributes, closing a file with
 * open children, and shutdown with writes still queued.
 *
 * Writes and reads are submitted back to back without waiting in between:
 * the FIFO guarantees that a read sees every write submitted before it, and
 * that is what these tests rely on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "test_util.h"

TEST(dset_write_read_all)
{
    const char *dir = tmpdir_new();
    ha_eventset *es = ha_es_new();
    ha_handle *f = file_open(tmp_path(dir, "a.h5"), HA_FMODE_TRUNC, es, NULL);
    ha_handle *g = group_create(f, "grp", "/grp", es, NULL);
    ha_handle *d = dset_create(g, "dset", "/grp/dset", int_type(8),
                               extent2(10, 20), es, NULL);
    static int64_t w[10][20], r[10][20];
    static int32_t r32[10][20];
    static double rd[10][20];
    for (int i = 0; i < 200; i++)
        w[i / 20][i % 20] = i, r[i / 20][i % 20] = -1;
    ha_task *ts[4];
    ts[0] = dset_io(HA_OP_DSET_WRITE, d, int_type(8), FILE_ALL,
                    sel_all2(10, 20), w, sizeof w, es);
    ts[1] = dset_io(HA_OP_DSET_READ, d, int_type(8), FILE_ALL,
                    sel_all2(10, 20), r, sizeof r, es);
    /* HDF5 converts to the memory type we ask for. */
    ts[2] = dset_io(HA_OP_DSET_READ, d, int_type(4), FILE_ALL,
                    sel_all2(10, 20), r32, sizeof r32, es);
    ts[3] = dset_io(HA_OP_DSET_READ, d, ha_type_new(HA_T_FLOAT, 8, HA_ORDER_LE),
                    FILE_ALL, sel_all2(10, 20), rd, sizeof rd, es);
    wait_es(es);
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(ts[i]->status, HA_DONE);
        ha_task_unref(ts[i]);
    }
    take_errors(es, 0);
    for (int i = 0; i < 10; i++) {
        for (int j = 0; j < 20; j++) {
            ASSERT_EQ(r[i][j], i * 20 + j);
            ASSERT_EQ(r32[i][j], i * 20 + j);
            ASSERT_EQ((int64_t)rd[i][j], i * 20 + j);
        }
    }
    ha_es_unref(es);
    ha_handle_unref(d);
    ha_handle_unref(g);
    ha_handle_unref(f);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    tmpdir_remove(dir);
}

TEST(dset_slab_write_read)
{
    const char *dir = tmpdir_new();
    ha_handle *f = file_open(tmp_path(dir, "a.h5"), HA_FMODE_TRUNC, NULL, NULL);
    ha_handle *d = dset_create(f, "d", "/d", int_type(8), extent2(10, 20),
                               NULL, NULL);
    static int64_t w[10][20], r[10][20], patch[3][5], strided[5][5], box[5][7];
    for (int i = 0; i < 200; i++)
        w[i / 20][i % 20] = i;
    for (int i = 0; i < 15; i++)
        patch[i / 5][i % 5] = 1000 + i;
    for (int i = 0; i < 35; i++)
        box[i / 7][i % 7] = -1;

    done(dset_io(HA_OP_DSET_WRITE, d, int_type(8), FILE_ALL, sel_all2(10, 20),
                 w, sizeof w, NULL));
    /* Every 2nd row and 4th column: a strided file selection. */
    ha_sel str = sel_slab2(0, 0, 0, 0, 5, 5);
    str.stride[0] = 2, str.stride[1] = 4;
    done(dset_io(HA_OP_DSET_READ, d, int_type(8), str, sel_all2(5, 5),
                 strided, sizeof strided, NULL));
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++)
            ASSERT_EQ(strided[a][b], 2 * a * 20 + 4 * b);

    /* Rows 2..4, columns 5..9 from a 3x5 buffer (file dims are ignored). */
    done(dset_io(HA_OP_DSET_WRITE, d, int_type(8), sel_slab2(0, 0, 2, 5, 3, 5),
                 sel_all2(3, 5), patch, sizeof patch, NULL));
    done(dset_io(HA_OP_DSET_READ, d, int_type(8), FILE_ALL, sel_all2(10, 20),
                 r, sizeof r, NULL));
    for (int i = 0; i < 10; i++) {
        for (int j = 0; j < 20; j++) {
            int in = i >= 2 && i < 5 && j >= 5 && j < 10;
            ASSERT_EQ(r[i][j], in ? 1000 + (i - 2) * 5 + (j - 5) : i * 20 + j);
        }
    }

    /* The same slab read into the middle of a 5x7 buffer: a memory slab
     * places it at (1,1) and leaves the rest of the buffer alone. */
    done(dset_io(HA_OP_DSET_READ, d, int_type(8), sel_slab2(0, 0, 2, 5, 3, 5),
                 sel_slab2(5, 7, 1, 1, 3, 5), box, sizeof box, NULL));
    for (int i = 0; i < 5; i++) {
        for (int j = 0; j < 7; j++) {
            int in = i >= 1 && i < 4 && j >= 1 && j < 6;
            ASSERT_EQ(box[i][j], in ? 1000 + (i - 1) * 5 + (j - 1) : -1);
        }
    }

    /* A slab outside the extent is refused, and the queue goes on. */
    ha_task *bad = dset_io(HA_OP_DSET_READ, d, int_type(8),
                           sel_slab2(0, 0, 8, 0, 5, 5), sel_all2(5, 5),
                           strided, sizeof strided, NULL);
    wait_task(bad);
    ASSERT_EQ(bad->status, HA_FAILED);
    ASSERT_STREQ(bad->error->op, "read");
    ASSERT_STREQ(bad->error->path, "/d");
    ha_task_unref(bad);

    ha_handle_unref(d);
    ha_handle_unref(f);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    tmpdir_remove(dir);
}

TEST(dset_create_with_data_and_resize)
{
    const char *dir = tmpdir_new();
    ha_handle *f = file_open(tmp_path(dir, "a.h5"), HA_FMODE_TRUNC, NULL, NULL);
    /* The reference usage's dataset: (10, 20), maxshape (20, 60), chunked. */
    ha_extent ext = extent2(10, 20);
    ext.maxdims[0] = 20, ext.maxdims[1] = 60;
    static int64_t w[10][20];
    for (int i = 0; i < 200; i++)
        w[i / 20][i % 20] = 7 * i;
    ha_handle *d = ha_handle_new(HA_OBJ_DATASET, "/d", f);
    ha_task *t = task_new(HA_OP_DSET_CREATE, NULL);
    t->obj = ha_handle_ref(f);
    t->target = ha_handle_ref(d);
    t->name = strdup("d");
    t->ftype = int_type(8);
    t->type = int_type(8);
    t->extent = ext;
    t->dcpl.chunked = 1;
    t->dcpl.chunk[0] = 5, t->dcpl.chunk[1] = 10;
    /* data= given: the initial write is part of the create task. */
    t->buf = w, t->nbytes = sizeof w, t->own_buf = 0;
    t->fsel = FILE_ALL;
    t->msel = sel_all2(10, 20);
    submit(t);
    done(t);

    t = task_new(HA_OP_DSET_RESIZE, NULL);
    t->obj = ha_handle_ref(d);
    t->extent = extent2(20, 50);
    submit(t);
    done(t);

    /* Opening it again reports the new shape, type and layout. */
    ha_handle *d2 = ha_handle_new(HA_OBJ_DATASET, "/d", f);
    t = task_new(HA_OP_OBJ_OPEN, NULL);
    t->obj = ha_handle_ref(f);
    t->target = ha_handle_ref(d2);
    t->name = strdup("d");
    run_sync(t);
    ASSERT_EQ(t->status, HA_DONE);
    ASSERT_EQ(t->result.kind, HA_OBJ_DATASET);
    ASSERT_EQ(t->result.extent.rank, 2);
    ASSERT_EQ(t->result.extent.dims[0], 20);
    ASSERT_EQ(t->result.extent.dims[1], 50);
    ASSERT_EQ(t->result.extent.maxdims[0], 20);
    ASSERT_EQ(t->result.extent.maxdims[1], 60);
    ASSERT_EQ(t->result.type->cls, HA_T_INT);
    ASSERT_EQ(t->result.type->size, 8);
    ASSERT_EQ(t->result.dcpl.chunked, 1);
    ASSERT_EQ(t->result.dcpl.chunk[1], 10);
    ha_task_unref(t);

    static int64_t r[20][50];
    done(dset_io(HA_OP_DSET_READ, d2, int_type(8), FILE_ALL, sel_all2(20, 50),
                 r, sizeof r, NULL));
    for (int i = 0; i < 20; i++)
        for (int j = 0; j < 50; j++)
            ASSERT_EQ(r[i][j], i < 10 && j < 20 ? 7 * (i * 20 + j) : 0);

    ha_handle_unref(d2);
    ha_handle_unref(d);
    ha_handle_unref(f);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    tmpdir_remove(dir);
}

/* Submit a scalar int64 attribute write; the value is staged in a buffer
 * the task owns, as the extension does, so `v` may change at once. */
static ha_task *attr_write(ha_handle *obj, const char *name, int64_t v,
                           int modify, ha_eventset *es)
{
    ha_task *t = task_new(HA_OP_ATTR_WRITE, es);
    t->obj = ha_handle_ref(obj);
    t->name = strdup(name);
    t->type = int_type(8);
    t->extent.rank = 0; /* scalar */
    t->buf = malloc(sizeof v);
    memcpy(t->buf, &v, sizeof v);
    t->nbytes = sizeof v;
    t->own_buf = 1;
    t->ival = modify;
    submit(t);
    return t;
}

/* A synchronous attribute task of kind `op` on `obj`; the caller releases. */
static ha_task *attr_sync(ha_opkind op, ha_handle *obj, const char *name)
{
    ha_task *t = task_new(op, NULL);
    t->obj = ha_handle_ref(obj);
    t->name = name ? strdup(name) : NULL;
    run_sync(t);
    return t;
}

static int64_t attr_i64(ha_handle *obj, const char *name)
{
    ha_task *t = attr_sync(HA_OP_ATTR_READ, obj, name);
    ASSERT_EQ(t->status, HA_DONE);
    ASSERT_EQ(t->result.type->cls, HA_T_INT);
    ASSERT_EQ(t->result.type->size, 8);
    ASSERT_EQ(t->result.extent.rank, 0);
    ASSERT_EQ(t->result.nbytes, 8);
    int64_t v;
    memcpy(&v, t->result.data, sizeof v);
    ha_task_unref(t);
    return v;
}

TEST(attr_write_read)
{
    const char *dir = tmpdir_new();
    ha_eventset *es = ha_es_new();
    ha_handle *f = file_open(tmp_path(dir, "a.h5"), HA_FMODE_TRUNC, es, NULL);
    ha_handle *g = group_create(f, "grp", "/grp", es, NULL);
    ha_handle *d = dset_create(g, "dset", "/grp/dset", int_type(8),
                               extent2(2, 2), es, NULL);
    ha_task_unref(attr_write(f, "file", 1, 0, es));
    ha_task_unref(attr_write(g, "grp", 2, 0, es));
    ha_task_unref(attr_write(d, "dset", 3, 0, es));
    wait_es(es);
    take_errors(es, 0);
    ASSERT_EQ(attr_i64(f, "file"), 1);
    ASSERT_EQ(attr_i64(g, "grp"), 2);
    ASSERT_EQ(attr_i64(d, "dset"), 3);

    /* attrs.modify keeps the attribute and overwrites its value. */
    ha_task_unref(attr_write(f, "file", 4, 1, es));
    wait_es(es);
    ASSERT_EQ(attr_i64(f, "file"), 4);

    /* attrs[name] = array replaces it, with a new type and shape. */
    ha_task *t = task_new(HA_OP_ATTR_WRITE, es);
    static double arr[3] = {0.5, 1.5, 2.5};
    t->obj = ha_handle_ref(f);
    t->name = strdup("file");
    t->type = ha_type_new(HA_T_FLOAT, 8, HA_ORDER_LE);
    t->extent.rank = 1, t->extent.dims[0] = 3, t->extent.maxdims[0] = 3;
    t->buf = arr, t->nbytes = sizeof arr, t->own_buf = 0;
    submit(t);
    done(t);
    t = attr_sync(HA_OP_ATTR_READ, f, "file");
    ASSERT_EQ(t->result.type->cls, HA_T_FLOAT);
    ASSERT_EQ(t->result.extent.rank, 1);
    ASSERT_EQ(t->result.extent.dims[0], 3);
    ASSERT_EQ(t->result.nbytes, sizeof arr);
    ASSERT_EQ(memcmp(t->result.data, arr, sizeof arr), 0);
    ha_task_unref(t);

    /* Modifying with a scalar does not fit the (3,) attribute. */
    t = attr_write(f, "file", 9, 1, NULL);
    wait_task(t);
    ASSERT_EQ(t->status, HA_FAILED);
    ASSERT_EQ(t->error->code, HA_E_TYPE);
    ha_task_unref(t);

    t = attr_sync(HA_OP_ATTR_EXISTS, g, "grp");
    ASSERT_EQ(t->result.ival, 1);
    ha_task_unref(t);
    ha_task_unref(attr_write(g, "another", 5, 0, NULL));
    t = attr_sync(HA_OP_ATTR_LIST, g, NULL);
    ASSERT_EQ(t->result.nnames, 2); /* the order: attr_list_by_name */
    int grp_first = !strcmp(t->result.names[0], "grp");
    ASSERT_STREQ(t->result.names[grp_first ? 1 : 0], "another");
    ASSERT_STREQ(t->result.names[grp_first ? 0 : 1], "grp");
    ha_task_unref(t);
    done(attr_sync(HA_OP_ATTR_DELETE, g, "grp"));
    t = attr_sync(HA_OP_ATTR_EXISTS, g, "grp");
    ASSERT_EQ(t->result.ival, 0);
    ha_task_unref(t);

    ha_es_unref(es);
    ha_handle_unref(d);
    ha_handle_unref(g);
    ha_handle_unref(f);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    tmpdir_remove(dir);
}

TEST(attr_missing_not_found)
{
    const char *dir = tmpdir_new();
    ha_handle *f = file_open(tmp_path(dir, "a.h5"), HA_FMODE_TRUNC, NULL, NULL);
    ha_task *t = attr_sync(HA_OP_ATTR_READ, f, "nope");
    ASSERT_EQ(t->status, HA_FAILED);
    ASSERT_STREQ(t->error->op, "read_attribute");
    ASSERT_STRSTR(t->error->path, "nope"); /* names the attribute */
    ASSERT_EQ(t->error->code, HA_E_NOT_FOUND);
    ha_task_unref(t);
    ha_handle_unref(f);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    tmpdir_remove(dir);
}

/* Without track_order h5py lists attributes by name (INDEX_NAME); with it,
 * in creation order. */
TEST(attr_list_by_name)
{
    const char *dir = tmpdir_new();
    ha_handle *f = file_open(tmp_path(dir, "a.h5"), HA_FMODE_TRUNC, NULL, NULL);
    ha_handle *g = group_create(f, "g", "/g", NULL, NULL);
    const char *order[] = {"c", "a", "d", "b"};
    for (int i = 0; i < 4; i++)
        ha_task_unref(attr_write(g, order[i], i, 0, NULL));
    ha_task *t = attr_sync(HA_OP_ATTR_LIST, g, NULL);
    ASSERT_EQ(t->status, HA_DONE);
    ASSERT_EQ(t->result.nnames, 4);
    ASSERT_STREQ(t->result.names[0], "a");
    ASSERT_STREQ(t->result.names[1], "b");
    ASSERT_STREQ(t->result.names[2], "c");
    ASSERT_STREQ(t->result.names[3], "d");
    ha_task_unref(t);

    /* A group created with track_order lists in creation order. */
    ha_handle *tg = ha_handle_new(HA_OBJ_GROUP, "/tg", f);
    t = task_new(HA_OP_GROUP_CREATE, NULL);
    t->obj = ha_handle_ref(f);
    t->target = ha_handle_ref(tg);
    t->name = strdup("tg");
    t->ival = 1; /* track_order */
    submit(t);
    done(t);
    for (int i = 0; i < 4; i++)
        ha_task_unref(attr_write(tg, order[i], i, 0, NULL));
    t = attr_sync(HA_OP_ATTR_LIST, tg, NULL);
    ASSERT_EQ(t->result.nnames, 4);
    for (int i = 0; i < 4; i++)
        ASSERT_STREQ(t->result.names[i], order[i]);
    ha_task_unref(t);

    ha_handle_unref(tg);
    ha_handle_unref(g);
    ha_handle_unref(f);
    ASSERT_EQ(ha_drain(WAIT_LONG), 1);
    tmpdir_remove(dir);
}
