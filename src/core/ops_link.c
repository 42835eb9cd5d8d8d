/* Links of every class, moving, copying and visiting objects. */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

int ha_op_link_hard(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj), target = loc < 0 ? -1 : ha_op_need(t, t->obj2);
    if (target < 0)
        return -1;
    hid_t lcpl = ha_lcpl_intermediate();
    herr_t rc = lcpl < 0 ? -1 : H5Lcreate_hard(target, ".", loc, t->name, lcpl, H5P_DEFAULT);
    if (rc < 0)
        ha_op_fail(t);
    ha_close_plist(lcpl);
    return rc < 0 ? -1 : 0;
}

int ha_op_link_soft(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    hid_t lcpl = ha_lcpl_intermediate();
    herr_t rc = lcpl < 0 ? -1 : H5Lcreate_soft(t->name2, loc, t->name, lcpl, H5P_DEFAULT);
    if (rc < 0)
        ha_op_fail(t);
    ha_close_plist(lcpl);
    return rc < 0 ? -1 : 0;
}

int ha_op_link_external(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    hid_t lcpl = ha_lcpl_intermediate();
    herr_t rc = lcpl < 0 ? -1
                         : H5Lcreate_external(t->name2, t->name3, loc, t->name, lcpl, H5P_DEFAULT);
    if (rc < 0)
        ha_op_fail(t);
    ha_close_plist(lcpl);
    return rc < 0 ? -1 : 0;
}

/* result.ival: 0 hard, 1 soft, 2 external; names: the soft path, or the
 * external file and path. */
int ha_op_link_info(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
#if H5_VERSION_GE(1, 12, 0)
    H5L_info2_t info;
    if (H5Lget_info2(loc, t->name, &info, H5P_DEFAULT) < 0)
        return ha_op_fail(t);
#else
    H5L_info_t info;
    if (H5Lget_info(loc, t->name, &info, H5P_DEFAULT) < 0)
        return ha_op_fail(t);
#endif
    ha_namelist l = {0};
    if (info.type == H5L_TYPE_HARD) {
        t->result.ival = 0;
        return ha_namelist_take(t, &l, 0);
    }
    size_t size = info.u.val_size;
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
    herr_t rc = H5Lget_val(loc, t->name, buf, size, H5P_DEFAULT);
    if (rc >= 0 && info.type == H5L_TYPE_SOFT) {
        t->result.ival = 1;
        ha_namelist_add(&l, buf);
    } else if (rc >= 0 && info.type == H5L_TYPE_EXTERNAL) {
        const char *file = NULL, *path = NULL;
        unsigned flags;
        rc = H5Lunpack_elink_val(buf, size, &flags, &file, &path);
        if (rc >= 0) {
            t->result.ival = 2;
            ha_namelist_add(&l, file);
            ha_namelist_add(&l, path);
        }
    } else if (rc >= 0) {
        rc = -1;
        ha_op_fail_code(t, HA_E_TYPE, "user-defined links are not supported");
    }
    free(buf);
    return ha_namelist_take(t, &l, rc);
}

int ha_op_link_move(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    hid_t lcpl = ha_lcpl_intermediate();
    herr_t rc = lcpl < 0 ? -1 : H5Lmove(loc, t->name, loc, t->name2, lcpl, H5P_DEFAULT);
    if (rc < 0)
        ha_op_fail(t);
    ha_close_plist(lcpl);
    return rc < 0 ? -1 : 0;
}

/*
 * Without a destination name the copy is named after the source object, as
 * h5py names it: the last component of the name HDF5 gives the opened
 * object (H5Iget_name).  h5py opens the source to find it, so a missing
 * source then fails as opening does, with KeyError rather than copy's
 * RuntimeError.
 */
static int name_from_source(ha_task *t, hid_t src)
{
    hid_t o = H5Oopen(src, t->name, H5P_DEFAULT);
    if (o < 0)
        return ha_op_fail_as(t, "open_object");
    ssize_t n = H5Iget_name(o, NULL, 0);
    char *full = n < 0 ? NULL : malloc((size_t)n + 1);
    if (full && H5Iget_name(o, full, (size_t)n + 1) < 0) {
        free(full);
        full = NULL;
    }
    ha_close_obj(o);
    if (!full)
        return n < 0 ? ha_op_fail(t) : ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
    const char *base = strrchr(full, '/');
    t->name2 = strdup(base && base[1] ? base + 1 : full);
    free(full);
    return t->name2 ? 0 : ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
}

int ha_op_obj_copy(ha_task *t)
{
    hid_t src = ha_op_need(t, t->obj), dst = src < 0 ? -1 : ha_op_need(t, t->obj2);
    if (dst < 0 || (!t->name2 && name_from_source(t, src) < 0))
        return -1;
    hid_t ocpypl = H5Pcreate(H5P_OBJECT_COPY), lcpl = ha_lcpl_intermediate();
    herr_t rc = -1;
    unsigned flags = 0;
    if (t->ival & HA_COPY_SHALLOW)
        flags |= H5O_COPY_SHALLOW_HIERARCHY_FLAG;
    if (t->ival & HA_COPY_EXPAND_SOFT)
        flags |= H5O_COPY_EXPAND_SOFT_LINK_FLAG;
    if (t->ival & HA_COPY_EXPAND_EXTERNAL)
        flags |= H5O_COPY_EXPAND_EXT_LINK_FLAG;
    if (t->ival & HA_COPY_EXPAND_REFS)
        flags |= H5O_COPY_EXPAND_REFERENCE_FLAG;
    if (t->ival & HA_COPY_WITHOUT_ATTRS)
        flags |= H5O_COPY_WITHOUT_ATTR_FLAG;
    if (ocpypl >= 0 && lcpl >= 0 && H5Pset_copy_object(ocpypl, flags) >= 0)
        rc = H5Ocopy(src, t->name, dst, t->name2, ocpypl, lcpl);
    if (rc < 0)
        ha_op_fail(t);
    ha_close_plist(ocpypl);
    ha_close_plist(lcpl);
    return rc < 0 ? -1 : 0;
}

#if H5_VERSION_GE(1, 12, 0)
static herr_t visit_cb(hid_t o, const char *name, const H5O_info2_t *info, void *data)
#else
static herr_t visit_cb(hid_t o, const char *name, const H5O_info_t *info, void *data)
#endif
{
    (void)o;
    (void)info;
    if (!strcmp(name, "."))
        return 0; /* the starting object itself, which h5py leaves out */
    return ha_namelist_add(data, name) < 0 ? -1 : 0;
}

#if H5_VERSION_GE(1, 12, 0)
static herr_t link_cb(hid_t g, const char *name, const H5L_info2_t *info, void *data)
#else
static herr_t link_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
#endif
{
    (void)g;
    (void)info;
    return ha_namelist_add(data, name) < 0 ? -1 : 0;
}

int ha_op_visit(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    ha_namelist l = {0};
    if (t->ival) { /* every link once, whatever it points at (H5Lvisit) */
#if H5_VERSION_GE(1, 12, 0)
        herr_t rc = H5Lvisit2(loc, H5_INDEX_NAME, H5_ITER_INC, link_cb, &l);
#else
        herr_t rc = H5Lvisit(loc, H5_INDEX_NAME, H5_ITER_INC, link_cb, &l);
#endif
        return ha_namelist_take(t, &l, rc);
    }
#if H5_VERSION_GE(1, 12, 0)
    herr_t rc = H5Ovisit3(loc, H5_INDEX_NAME, H5_ITER_INC, visit_cb, &l, H5O_INFO_BASIC);
#else
    herr_t rc = H5Ovisit2(loc, H5_INDEX_NAME, H5_ITER_INC, visit_cb, &l, H5O_INFO_BASIC);
#endif
    return ha_namelist_take(t, &l, rc);
}
