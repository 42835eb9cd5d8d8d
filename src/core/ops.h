/*
 * The operation table's execute functions and the helpers they share.
 * Executing thread only.
 */
#ifndef HA_OPS_H
#define HA_OPS_H

#include <hdf5.h>

#include "h5desc.h"
#include "task.h"

/*
 * The HDF5 id of `h`, ready for use by `t`; or -1 with t->error set to a
 * dependency error (h failed to open), or a closed-object error.
 */
hid_t ha_op_need(ha_task *t, ha_handle *h);

/* Record HDF5's current error stack as t's failure; returns -1. */
int ha_op_fail(ha_task *t);
/* The same, naming the failed step `op` (an ha_op_name()) rather than t's
 * operation, where h5py would have failed in that other call. */
int ha_op_fail_as(ha_task *t, const char *op);

/* Record a failure of our own; returns -1. */
int ha_op_fail_code(ha_task *t, ha_ecode code, const char *msg);


/* A link-creation property list that creates missing groups, as h5py does. */
hid_t ha_lcpl_intermediate(void);

int ha_op_file_open(ha_task *t);
int ha_op_file_close(ha_task *t);
int ha_op_file_flush(ha_task *t);
int ha_op_file_info(ha_task *t);
int ha_op_dset_flush(ha_task *t);
int ha_op_dset_refresh(ha_task *t);
int ha_op_obj_close(ha_task *t);
int ha_op_obj_open(ha_task *t);
/* An object `id` just opened becomes t->target: its kind (and a dataset's
 * description) in t->result.  Takes `id` (closed on failure). */
int ha_op_adopt_opened(ha_task *t, hid_t id);
int ha_op_obj_ref(ha_task *t);
int ha_op_type_commit(ha_task *t);
int ha_op_ref_open(ha_task *t);
int ha_op_regref_create(ha_task *t);
int ha_op_regref_info(ha_task *t);
int ha_op_obj_info(ha_task *t);
int ha_op_crt_order(ha_task *t);
int ha_op_group_create(ha_task *t);
int ha_op_link_exists(ha_task *t);
int ha_op_link_list(ha_task *t);
int ha_op_link_delete(ha_task *t);
int ha_op_dset_create(ha_task *t);
int ha_op_dset_write(ha_task *t);
int ha_op_dset_read(ha_task *t);
int ha_op_dset_resize(ha_task *t);
int ha_op_attr_write(ha_task *t);
int ha_op_attr_read(ha_task *t);
int ha_op_attr_exists(ha_task *t);
int ha_op_attr_list(ha_task *t);
int ha_op_attr_delete(ha_task *t);

int ha_op_link_hard(ha_task *t);
int ha_op_link_soft(ha_task *t);
int ha_op_link_external(ha_task *t);
int ha_op_link_info(ha_task *t);
int ha_op_link_move(ha_task *t);
int ha_op_obj_copy(ha_task *t);
int ha_op_visit(ha_task *t);

/* A growing list of names, for listings (ops_group.c). */
typedef struct {
    char **names;
    size_t n, cap;
    int oom;
} ha_namelist;
int ha_namelist_add(ha_namelist *l, const char *name);
/* Hand the list to t->result (rc >= 0), or free it and fail. */
int ha_namelist_take(ha_task *t, ha_namelist *l, herr_t rc);

/* Copy `n` elements of `type` HDF5 read into `src` (malloc'd, freed here),
 * with the strings and sequences they point at, at any depth, into one
 * block, t->result.data, and reclaim HDF5's memory (vlen.c). */
int ha_vlen_repack(ha_task *t, const ha_type *type, hid_t mtype, hid_t space, size_t n,
                   void *src);
void ha_vlen_reclaim(hid_t mtype, hid_t space, void *buf);

/* Read the creation options and layout of dataset `did`, whose type is
 * `type`, into `d` (d->fill malloc'd when a fill value was set). */
int ha_dcpl_read(hid_t did, int rank, const ha_type *type, ha_dcpl *d);

/* ops_vds.c: make `dcpl` virtual with t's mappings (t->vmaps); 0 or -1. */
int ha_vds_set(hid_t dcpl, const ha_task *t);
int ha_op_vds_list(ha_task *t);

#endif
