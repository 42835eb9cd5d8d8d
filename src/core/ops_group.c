/* Groups and links: create, open any object, membership, listing, delete. */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

int ha_op_group_create(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    hid_t lcpl = ha_lcpl_intermediate(), gcpl = H5P_DEFAULT;
    if (t->ival) { /* track_order */
        gcpl = H5Pcreate(H5P_GROUP_CREATE);
        if (gcpl < 0 ||
            H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
            H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) {
            ha_close_plist(gcpl);
            ha_close_plist(lcpl);
            return ha_op_fail(t);
        }
    }
    hid_t gid = lcpl < 0 ? -1 : H5Gcreate2(loc, t->name, lcpl, gcpl, H5P_DEFAULT);
    ha_close_plist(lcpl);
    if (gcpl != H5P_DEFAULT)
        ha_close_plist(gcpl);
    if (gid < 0)
        return ha_op_fail(t);
    ha_handle_set_open(t->target, gid);
    return 0;
}

/* g[name] = np.dtype(...): a committed (named) datatype. */
int ha_op_type_commit(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    hid_t tid = ha_type_to_h5(t->ftype), lcpl = tid < 0 ? -1 : ha_lcpl_intermediate();
    herr_t rc = lcpl < 0 ? -1 : H5Tcommit2(loc, t->name, tid, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    ha_close_plist(lcpl);
    ha_close_type(tid);
    return rc < 0 ? ha_op_fail(t) : 0;
}

/* Describe dataset `did` into t->result. */
static int describe_dataset(ha_task *t, hid_t did)
{
    hid_t tid = H5Dget_type(did), sid = H5Dget_space(did);
    int rc = -1;
    if (tid < 0 || sid < 0)
        goto done;
    if (!(t->result.type = ha_type_from_h5(tid)))
        goto done;
    if (ha_extent_from_space(sid, &t->result.extent) < 0)
        goto done;
    rc = ha_dcpl_read(did, t->result.extent.rank, t->result.type, &t->result.dcpl);
done:
    ha_close_type(tid);
    ha_close_space(sid);
    return rc;
}

int ha_op_obj_open(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    hid_t id = H5Oopen(loc, t->name, H5P_DEFAULT);
    if (id < 0)
        return ha_op_fail(t);
    return ha_op_adopt_opened(t, id);
}

int ha_op_adopt_opened(ha_task *t, hid_t id)
{
    ha_objkind kind;
    switch (H5Iget_type(id)) {
    case H5I_GROUP:
        kind = HA_OBJ_GROUP;
        break;
    case H5I_DATASET:
        kind = HA_OBJ_DATASET;
        break;
    case H5I_DATATYPE:
        kind = HA_OBJ_DATATYPE;
        break;
    default:
        ha_close_obj(id);
        return ha_op_fail_code(t, HA_E_TYPE, "unsupported object type");
    }
    if (kind == HA_OBJ_DATASET && describe_dataset(t, id) < 0) {
        ha_close_obj(id);
        return ha_op_fail(t);
    }
    if (kind == HA_OBJ_DATATYPE && !(t->result.type = ha_type_from_h5(id))) {
        ha_close_obj(id);
        return ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
    }
    t->result.kind = kind;
    t->target->kind = kind;
    t->target->opens_files = kind == HA_OBJ_DATASET && t->result.dcpl.opens_files;
    ha_handle_set_open(t->target, id);
    return 0;
}

int ha_op_obj_info(ha_task *t)
{
    hid_t id = ha_op_need(t, t->obj);
    if (id < 0)
        return -1;
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(id, &info, H5O_INFO_BASIC) < 0)
        return ha_op_fail(t);
    memcpy(t->result.token, &info.token, sizeof t->result.token);
#else
    H5O_info_t info;
    if (H5Oget_info2(id, &info, H5O_INFO_BASIC) < 0)
        return ha_op_fail(t);
    t->result.token[0] = (uint64_t)info.addr;
#endif
    t->result.ival = (int64_t)info.fileno;
    return 0;
}

/*
 * h5py's `name in group`: every component of the path must be a link, and
 * every one but the last must lead to a group (H5Lexists of the longer
 * prefixes checks that).  The last link itself is not followed, so a
 * dangling soft link or an external link to a missing file is "in"
 * (h5py's h5g._path_valid); trailing slashes do not count.
 */
int ha_op_link_exists(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    t->result.ival = 0;
    const char *name = t->name;
    if (!strcmp(name, "/") || !strcmp(name, ".")) {
        t->result.ival = 1;
        return 0;
    }
    char *path = strdup(name);
    if (!path)
        return ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    int exists = 1;
    for (size_t i = 1; i <= len && exists; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        htri_t r = H5Lexists(loc, path, H5P_DEFAULT);
        path[i] = saved;
        if (r < 0)
            H5Eclear2(H5E_DEFAULT);
        exists = r > 0;
    }
    free(path);
    t->result.ival = exists;
    return 0;
}

int ha_namelist_add(ha_namelist *l, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **p = realloc(l->names, cap * sizeof *p);
        if (!p)
            return l->oom = 1, -1;
        l->names = p;
        l->cap = cap;
    }
    if (!(l->names[l->n] = strdup(name)))
        return l->oom = 1, -1;
    l->n++;
    return 0;
}

#if H5_VERSION_GE(1, 12, 0)
static herr_t link_cb(hid_t g, const char *name, const H5L_info2_t *i, void *d)
#else
static herr_t link_cb(hid_t g, const char *name, const H5L_info_t *i, void *d)
#endif
{
    (void)g;
    (void)i;
    return ha_namelist_add(d, name) < 0 ? -1 : 0;
}

int ha_namelist_take(ha_task *t, ha_namelist *l, herr_t rc)
{
    if (rc < 0 || l->oom) {
        for (size_t i = 0; i < l->n; i++)
            free(l->names[i]);
        free(l->names);
        return l->oom ? ha_op_fail_code(t, HA_E_NOMEM, "out of memory") : ha_op_fail(t);
    }
    t->result.names = l->names;
    t->result.nnames = l->n;
    return 0;
}

/* Iterate in creation order when the group tracks it, else by name. */
static H5_index_t link_index(hid_t gid)
{
    /* A file id stands for its root group, whose creation properties a
     * file made with track_order=True sets (File(..., track_order=True)). */
    hid_t root = H5Iget_type(gid) == H5I_FILE ? H5Gopen2(gid, "/", H5P_DEFAULT) : -1;
    hid_t gcpl = H5Gget_create_plist(root >= 0 ? root : gid);
    ha_close_obj(root);
    unsigned flags = 0;
    if (gcpl >= 0) {
        if (H5Pget_link_creation_order(gcpl, &flags) < 0)
            H5Eclear2(H5E_DEFAULT);
        ha_close_plist(gcpl);
    }
    return (flags & H5P_CRT_ORDER_TRACKED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
}

int ha_op_link_list(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    ha_namelist l = {0};
    hsize_t idx = 0;
#if H5_VERSION_GE(1, 12, 0)
    herr_t rc = H5Literate2(loc, link_index(loc), H5_ITER_INC, &idx, link_cb, &l);
#else
    herr_t rc = H5Literate(loc, link_index(loc), H5_ITER_INC, &idx, link_cb, &l);
#endif
    return ha_namelist_take(t, &l, rc);
}

int ha_op_link_delete(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    return H5Ldelete(loc, t->name, H5P_DEFAULT) < 0 ? ha_op_fail(t) : 0;
}

static herr_t attr_cb(hid_t o, const char *name, const H5A_info_t *i, void *d)
{
    (void)o;
    (void)i;
    return ha_namelist_add(d, name) < 0 ? -1 : 0;
}

/* Attributes are listed in creation order only where the object tracks it
 * (track_order), else by name, as h5py lists them. */
static H5_index_t attr_index(hid_t loc)
{
    hid_t cpl = -1, root = -1;
    switch (H5Iget_type(loc)) {
    case H5I_FILE:
        if ((root = H5Gopen2(loc, "/", H5P_DEFAULT)) >= 0)
            cpl = H5Gget_create_plist(root);
        break;
    case H5I_GROUP:
        cpl = H5Gget_create_plist(loc);
        break;
    case H5I_DATASET:
        cpl = H5Dget_create_plist(loc);
        break;
    case H5I_DATATYPE:
        cpl = H5Tget_create_plist(loc);
        break;
    default:
        break;
    }
    unsigned flags = 0;
    if (cpl >= 0 && H5Pget_attr_creation_order(cpl, &flags) < 0)
        flags = 0;
    ha_close_plist(cpl);
    ha_close_obj(root);
    H5Eclear2(H5E_DEFAULT);
    return (flags & H5P_CRT_ORDER_TRACKED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
}

int ha_op_attr_list(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    ha_namelist l = {0};
    hsize_t idx = 0;
    herr_t rc = H5Aiterate2(loc, attr_index(loc), H5_ITER_INC, &idx, attr_cb, &l);
    return ha_namelist_take(t, &l, rc);
}
