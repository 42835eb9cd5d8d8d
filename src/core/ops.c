/*
 * The table of operations and the helpers every operation uses.
 *
 * One row per ha_opkind: its name for messages and its execute function.
 * An execute function returns 0, or -1 after recording t->error; when the
 * task opens or creates a handle, the function marks the handle open, and
 * on failure ha_task_execute() marks it failed with the same error.
 */
#include "ops.h"
#include "h5lzf.h"
#include "h5plugins.h"

#include <string.h>
#include <unistd.h>

static int op_noop(ha_task *t)
{
    (void)t;
    return 0;
}

static int op_sleep(ha_task *t)
{
    usleep((useconds_t)t->ival);
    return 0;
}

static int op_libversion(ha_task *t)
{
    unsigned maj, min, rel;
    if (H5get_libversion(&maj, &min, &rel) < 0)
        return ha_op_fail(t);
    t->result.ival = (int64_t)maj * 1000000 + (int64_t)min * 1000 + rel;
    return 0;
}

/* h5py.h5z.filter_avail / get_filter_info: the filters this process's
 * HDF5 has, ours (lzf, the plugin codecs) registered first. */
static int op_filter_info(ha_task *t)
{
    ha_h5lzf_register();
    ha_h5plugins_meet((int)t->ival);
    H5Z_filter_t id = (H5Z_filter_t)t->ival;
    htri_t avail = H5Zfilter_avail(id);
    unsigned flags = 0;
    if (avail < 0)
        return ha_op_fail(t);
    if (avail > 0 && H5Zget_filter_info(id, &flags) < 0)
        return ha_op_fail(t);
    t->result.ival = avail > 0;
    t->result.token[0] = flags;
    return 0;
}

static int op_fail(ha_task *t)
{
    return ha_op_fail_code(t, HA_E_HDF5, "failed on purpose");
}

static const struct {
    const char *name;
    int (*execute)(ha_task *t);
} ops[HA_OP__COUNT] = {
    [HA_OP_FILE_OPEN] = {"open_file", ha_op_file_open},
    [HA_OP_FILE_CLOSE] = {"close_file", ha_op_file_close},
    [HA_OP_FILE_FLUSH] = {"flush", ha_op_file_flush},
    [HA_OP_OBJ_CLOSE] = {"close", ha_op_obj_close},
    [HA_OP_OBJ_OPEN] = {"open_object", ha_op_obj_open},
    [HA_OP_OBJ_INFO] = {"get_info", ha_op_obj_info},
    [HA_OP_GROUP_CREATE] = {"create_group", ha_op_group_create},
    [HA_OP_LINK_EXISTS] = {"check_link", ha_op_link_exists},
    [HA_OP_LINK_LIST] = {"list_links", ha_op_link_list},
    [HA_OP_LINK_DELETE] = {"delete_link", ha_op_link_delete},
    [HA_OP_DSET_CREATE] = {"create_dataset", ha_op_dset_create},
    [HA_OP_DSET_WRITE] = {"write", ha_op_dset_write},
    [HA_OP_DSET_READ] = {"read", ha_op_dset_read},
    [HA_OP_DSET_RESIZE] = {"resize", ha_op_dset_resize},
    [HA_OP_ATTR_WRITE] = {"write_attribute", ha_op_attr_write},
    [HA_OP_ATTR_READ] = {"read_attribute", ha_op_attr_read},
    [HA_OP_ATTR_EXISTS] = {"check_attribute", ha_op_attr_exists},
    [HA_OP_ATTR_LIST] = {"list_attributes", ha_op_attr_list},
    [HA_OP_ATTR_DELETE] = {"delete_attribute", ha_op_attr_delete},
    [HA_OP_LINK_HARD] = {"create_hard_link", ha_op_link_hard},
    [HA_OP_LINK_SOFT] = {"create_soft_link", ha_op_link_soft},
    [HA_OP_LINK_EXTERNAL] = {"create_external_link", ha_op_link_external},
    [HA_OP_LINK_INFO] = {"get_link", ha_op_link_info},
    [HA_OP_LINK_MOVE] = {"move", ha_op_link_move},
    [HA_OP_OBJ_COPY] = {"copy", ha_op_obj_copy},
    [HA_OP_VISIT] = {"visit", ha_op_visit},
    [HA_OP_LIBVERSION] = {"get_libversion", op_libversion},
    [HA_OP_FILTER_INFO] = {"get_filter_info", op_filter_info},
    [HA_OP_OBJ_REF] = {"create_reference", ha_op_obj_ref},
    [HA_OP_TYPE_COMMIT] = {"commit_datatype", ha_op_type_commit},
    [HA_OP_REF_OPEN] = {"dereference", ha_op_ref_open},
    [HA_OP_REGREF_CREATE] = {"create_region_reference", ha_op_regref_create},
    [HA_OP_REGREF_INFO] = {"get_region", ha_op_regref_info},
    [HA_OP_FILE_INFO] = {"get_file_info", ha_op_file_info},
    [HA_OP_DSET_FLUSH] = {"flush_dataset", ha_op_dset_flush},
    [HA_OP_DSET_REFRESH] = {"refresh", ha_op_dset_refresh},
    [HA_OP_CRT_ORDER] = {"get_create_plist", ha_op_crt_order},
    [HA_OP_VDS_LIST] = {"virtual_sources", ha_op_vds_list},
    [HA_OP_NOOP] = {"noop", op_noop},
    [HA_OP_CODEC_ENCODE] = {"encode_chunk", NULL},
    [HA_OP_CODEC_DECODE] = {"decode_chunk", NULL},
    [HA_OP_SLEEP] = {"sleep", op_sleep},
    [HA_OP_FAIL] = {"fail", op_fail},
};

const char *ha_op_name(ha_opkind op)
{
    return op < HA_OP__COUNT && ops[op].name ? ops[op].name : "unknown";
}

static const char *task_path(ha_task *t)
{
    if (t->target)
        return t->target->path;
    return t->obj ? t->obj->path : "";
}

int ha_op_fail(ha_task *t)
{
    return ha_op_fail_as(t, ha_op_name(t->op));
}

int ha_op_fail_as(ha_task *t, const char *op)
{
    if (!t->error) {
        char buf[1024];
        const char *path = task_path(t);
        if (t->name && t->obj && !t->target) {
            /* Name the attribute or link the operation was about. */
            /* The root group is "/" (a file handle's path is its name). */
            if (t->name[0] == '/')
                snprintf(buf, sizeof buf, "%s", t->name);
            else if (t->obj->kind == HA_OBJ_FILE)
                snprintf(buf, sizeof buf, "/%s", t->name);
            else
                snprintf(buf, sizeof buf, "%s/%s", t->obj->path, t->name);
            path = buf;
        }
        t->error = ha_error_capture(op, path);
    } else {
        H5Eclear2(H5E_DEFAULT);
    }
    return -1;
}

int ha_op_fail_code(ha_task *t, ha_ecode code, const char *msg)
{
    if (!t->error)
        t->error = ha_error_new(code, ha_op_name(t->op), task_path(t), "%s", msg);
    return -1;
}

hid_t ha_op_need(ha_task *t, ha_handle *h)
{
    if (h->state == HA_H_OPEN)
        return (hid_t)h->hid;
    if (t->error)
        return -1;
    if (h->state == HA_H_FAILED && h->error)
        t->error = ha_error_dependency(ha_op_name(t->op), task_path(t), h->error);
    else if (h->state == HA_H_CLOSED)
        t->error = ha_error_new(HA_E_CLOSED, ha_op_name(t->op), task_path(t),
                                "the object '%s' is closed", h->path);
    else
        t->error = ha_error_new(HA_E_DEPENDENCY, ha_op_name(t->op), task_path(t),
                                "the object '%s' was never opened", h->path);
    return -1;
}


hid_t ha_lcpl_intermediate(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (lcpl >= 0 && (H5Pset_create_intermediate_group(lcpl, 1) < 0 ||
                      H5Pset_char_encoding(lcpl, H5T_CSET_UTF8) < 0)) {
        ha_close_plist(lcpl);
        return H5I_INVALID_HID;
    }
    return lcpl;
}

int ha_task_execute(ha_task *t)
{
    int rc = -1;
    if (t->op < HA_OP__COUNT && ops[t->op].execute)
        rc = ops[t->op].execute(t);
    else
        ha_op_fail_code(t, HA_E_HDF5, "unknown operation");
    if (rc < 0 && !t->error)
        ha_op_fail_code(t, HA_E_HDF5, "failed");
    if (rc < 0 && t->target && t->target->state == HA_H_PENDING)
        ha_handle_set_failed(t->target, t->error);
    return rc;
}
