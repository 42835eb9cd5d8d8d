/*
 * Handles.  See handle.h for which thread owns which field.
 *
 * Invariant: a handle is linked into its file's `children` list (or, for a
 * file, into the engine's open-file list) exactly while its HDF5 id is open.
 * Closing a file closes its children first and marks them closed, so no
 * handle ever keeps an id that HDF5 might hand out again to another object.
 */
#include "handle.h"
#include "xfercache.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fileguard.h"

static ha_handle *open_files; /* executor-owned */

ha_handle *ha_handle_new(ha_objkind kind, const char *path, ha_handle *file)
{
    ha_handle *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->path = strdup(path ? path : "");
    if (!h->path) {
        free(h);
        return NULL;
    }
    h->refcount = 1;
    h->kind = kind;
    h->gen = ha_generation();
    h->hid = -1;
    h->fd = -1;
    h->state = HA_H_PENDING;
    if (file)
        h->file = ha_handle_ref(ha_handle_file(file));
    return h;
}

ha_handle *ha_handle_ref(ha_handle *h)
{
    if (h)
        __atomic_add_fetch(&h->refcount, 1, __ATOMIC_RELAXED);
    return h;
}

ha_ecode ha_handle_check(const ha_handle *h)
{
    if (h->gen != ha_generation())
        return HA_E_DEPENDENCY;
    if (h->closing || (h->file && h->file->closing))
        return HA_E_CLOSED;
    return HA_E_NONE;
}

static void list_add(ha_handle **head, ha_handle *h, int files)
{
    ha_handle **next = files ? &h->open_next : &h->sib_next;
    ha_handle **prev = files ? &h->open_prev : &h->sib_prev;
    *prev = NULL;
    *next = *head;
    if (*head) {
        if (files)
            (*head)->open_prev = h;
        else
            (*head)->sib_prev = h;
    }
    *head = h;
}

static void list_del(ha_handle **head, ha_handle *h, int files)
{
    ha_handle *next = files ? h->open_next : h->sib_next;
    ha_handle *prev = files ? h->open_prev : h->sib_prev;
    if (prev) {
        if (files)
            prev->open_next = next;
        else
            prev->sib_next = next;
    } else {
        *head = next;
    }
    if (next) {
        if (files)
            next->open_prev = prev;
        else
            next->sib_prev = prev;
    }
}

void ha_handle_set_open(ha_handle *h, int64_t hid)
{
    h->hid = hid;
    h->state = HA_H_OPEN;
    if (h->kind == HA_OBJ_FILE) {
        h->fd = ha_file_posix_fd(hid);
        list_add(&open_files, h, 1);
    }
    else
        list_add(&h->file->children, h, 0);
}

void ha_handle_set_failed(ha_handle *h, ha_error *err)
{
    h->state = HA_H_FAILED;
    ha_error_unref(h->error);
    h->error = ha_error_ref(err);
}

static herr_t close_id(ha_handle *h)
{
    herr_t rc = h->kind == HA_OBJ_FILE   ? H5Fclose(h->hid)
              : h->kind == HA_OBJ_ATTR ? H5Aclose(h->hid)
                                       : H5Oclose(h->hid);
    if (rc < 0) {
        /* A dataset whose chunk cache could not be flushed, a file whose
         * metadata could not: HDF5 may keep an id to freed memory
         * (fileguard.h).  Keep its error stack for the caller's report. */
        hid_t stack = H5Eget_current_stack();
        ha_forget_failed_id(h->hid);
        if (stack >= 0)
            H5Eset_current_stack(stack);
    }
    return rc;
}

int ha_handle_close_now(ha_handle *h)
{
    if (h->state != HA_H_OPEN)
        return 0;
    int rc = 0;
    if (h->kind == HA_OBJ_FILE) {
        /* Children first, as h5py does: the file really closes only when
         * no object in it is open. */
        while (h->children)
            ha_handle_close_now(h->children);
        list_del(&open_files, h, 1);
    } else {
        list_del(&h->file->children, h, 0);
    }
    ha_xcache_clear(h); /* its ids first: they refer to the dataset */
    if (close_id(h) < 0)
        rc = -1;
    h->hid = -1;
    h->state = HA_H_CLOSED;
    return rc;
}

void ha_handle_close_all_files(ha_errlist *failed)
{
    while (open_files) {
        ha_handle *f = open_files;
        if (ha_handle_close_now(f) < 0) {
            ha_error *e = ha_error_capture("close", f->path);
            if (failed)
                ha_errlist_add(failed, e);
            ha_error_unref(e);
        }
    }
}

void ha_handle_abandon_inherited_files(void)
{
    for (ha_handle *f = open_files; f; f = f->open_next)
        ha_file_sink_fd(f->fd);
    open_files = NULL;
}

ha_error **ha_handle_take_errors(ha_handle *f, size_t *n)
{
    ha_engine_lock();
    ha_error **errs = ha_errlist_take(&f->pending, n);
    ha_engine_unlock();
    return errs;
}

static void handle_free(ha_handle *h);

void ha_handle_finish_deferred(ha_handle *h)
{
    if (h->gen == ha_generation() && ha_handle_close_now(h) < 0)
        ha_engine_orphan_failure(ha_error_capture("close", h->path));
    handle_free(h);
}

static void handle_free(ha_handle *h)
{
    ha_errlist_clear(&h->pending);
    ha_error_unref(h->error);
    ha_handle_unref(h->file);
    free(h->pipe);
    ha_xcache_forget(h);
    free(h->path);
    free(h);
}

void ha_handle_unref(ha_handle *h)
{
    if (!h)
        return;
    /* Read before letting go: once our reference is dropped, another
     * thread may free `h`. */
    int live_file = h->kind == HA_OBJ_FILE && h->gen == ha_generation();
    if (__atomic_sub_fetch(&h->refcount, 1, __ATOMIC_ACQ_REL) != 0) {
        /* A file let go by the program may be held only by objects whose
         * close was deferred: have them closed now, so the file closes. */
        if (live_file && !ha_in_executor())
            ha_engine_flush_deferred();
        return;
    }
    /*
     * The last reference is gone, so no task and no executor holds `h`, and
     * its executor fields are ours to read.  An open object must still be
     * closed by whoever may call HDF5: here if we hold the executing right,
     * otherwise by a close task that takes over a revived reference.  A
     * handle inherited across fork() is never closed: the parent owns it.
     */
    if (h->gen == ha_generation() && h->state == HA_H_OPEN) {
        if (ha_in_executor()) {
            if (ha_handle_close_now(h) < 0)
                ha_engine_orphan_failure(ha_error_capture("close", h->path));
        } else if (h->kind != HA_OBJ_FILE &&
                   __atomic_load_n(&h->file->refcount, __ATOMIC_ACQUIRE) > 1) {
            /* A dropped group or dataset of a file still in use is closed
             * by whoever executes next, before its own task: queueing a
             * task for it would cost the next synchronous call its inline
             * fast path. */
            ha_engine_defer_close(h);
            return;
        } else {
            /* A file, or the last object keeping one open, is closed
             * now-ish: the file may hold locks and unflushed data that
             * others are waiting for. */
            __atomic_store_n(&h->refcount, 1, __ATOMIC_RELAXED);
            ha_task *t = ha_task_new(HA_OP_OBJ_CLOSE);
            if (t) {
                t->obj = h;
                if (ha_submit(t) < 0)
                    t->obj = NULL;
                ha_task_unref(t);
            }
            /* Queued, or (out of memory) leaked: an open handle is still
             * linked in its list and must not be freed here. */
            return;
        }
    }
    handle_free(h);
}
