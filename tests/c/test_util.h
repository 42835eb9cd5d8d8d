/*
 * Helpers shared by the C tests: temp directories, and short-hands for
 * building, submitting and waiting for tasks.
 *
 * Ownership follows the core (task.h): every helper that returns a task or
 * a handle returns the caller's reference, which the test drops with
 * ha_task_unref / ha_handle_unref.  A submitted task also holds the engine's
 * reference, so the caller may drop its own at any time.
 */
#ifndef HA_TEST_UTIL_H
#define HA_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "eventset.h"
#include "task.h"

/* Generous upper bound for any single wait: the machines are shared and
 * noisy, and a hang is caught by the runner's alarm anyway. */
#define WAIT_LONG 20.0

/* A fresh directory under /tmp (static storage) and its recursive removal;
 * one the test did not remove (it failed half-way) is removed at exit. */
const char *tmpdir_new(void);
void tmpdir_remove(const char *dir);
/* dir + "/" + name into a static rotating buffer. */
const char *tmp_path(const char *dir, const char *name);

/* A task of kind `op` counted in `es` (may be NULL). */
ha_task *task_new(ha_opkind op, ha_eventset *es);
/* ha_submit, asserting success. */
void submit(ha_task *t);
/* Submit a HA_OP_SLEEP of `usec` microseconds. */
ha_task *submit_sleep(int64_t usec, ha_eventset *es);
/* Submit a HA_OP_NOOP. */
ha_task *submit_noop(ha_eventset *es);
/* Wait for one task (bounded), asserting it completed. */
void wait_task(ha_task *t);
/* Run a task synchronously, asserting it completed. */
void run_sync(ha_task *t);
/* Poll until the I/O thread has picked `t` up (its status is no longer
 * HA_QUEUED), so a test can rely on it occupying the engine. */
void wait_started(ha_task *t);
/* ha_es_wait bounded by WAIT_LONG, asserting nothing is left in progress. */
void wait_es(ha_eventset *es);

/* Submit HA_OP_FILE_OPEN of `path` in `mode`; returns the file handle.
 * The task is returned in *tp when tp is not NULL, else released. */
ha_handle *file_open(const char *path, ha_fmode mode, ha_eventset *es,
                     ha_task **tp);
/* Submit HA_OP_GROUP_CREATE of `name` under `parent`; the new group's handle
 * is named `path`.  Returns the handle; the task as for file_open. */
ha_handle *group_create(ha_handle *parent, const char *name, const char *path,
                        ha_eventset *es, ha_task **tp);

/* Submit HA_OP_DSET_CREATE of `name` under `parent` with file type `ftype`
 * (the task takes it) and extent `ext`; returns the dataset's handle named
 * `path`; the task as for file_open. */
ha_handle *dset_create(ha_handle *parent, const char *name, const char *path,
                       ha_type *ftype, ha_extent ext, ha_eventset *es,
                       ha_task **tp);
/* Submit a HA_OP_DSET_READ or _WRITE of `buf` with memory type `mtype` (the
 * task takes it).  The buffer is not owned: it must outlive the task. */
ha_task *dset_io(ha_opkind op, ha_handle *d, ha_type *mtype, ha_sel fsel,
                 ha_sel msel, void *buf, size_t nbytes, ha_eventset *es);
/* Wait for a submitted task, assert it succeeded (printing its error if
 * not), and release the caller's reference. */
void done(ha_task *t);

/* The whole of a dataset, as a file selection. */
#define FILE_ALL ((ha_sel){.kind = HA_SEL_ALL})

/* A little-endian integer type of `size` bytes (HA_T_INT). */
ha_type *int_type(size_t size);
/* A rank-2 fixed extent d0 x d1. */
ha_extent extent2(uint64_t d0, uint64_t d1);
/* Selections: the whole of a d0 x d1 buffer, and a 2-D hyperslab. */
ha_sel sel_all2(uint64_t d0, uint64_t d1);
ha_sel sel_slab2(uint64_t d0, uint64_t d1, uint64_t s0, uint64_t s1,
                 uint64_t c0, uint64_t c1);

/* The errors recorded on `es`, asserted to be exactly `n`; free with
 * free_errors. */
ha_error **take_errors(ha_eventset *es, size_t n);
void free_errors(ha_error **errs, size_t n);

/* Whether `prog` is on PATH. */
int have_program(const char *prog);

#endif
