/*
 * Object and dataset region references, as h5py stores them: HDF5's
 * H5R_OBJECT references (hobj_ref_t, the object header's address) and
 * H5R_DATASET_REGION references (hdset_reg_ref_t, the selection kept in
 * the file's global heap), which every HDF5 version from 1.8 on reads.
 * Creating one and opening what one points at are tasks like any other;
 * the bytes of a reference travel as plain data.
 */
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

int ha_op_obj_ref(ha_task *t)
{
    hid_t id = ha_op_need(t, t->obj);
    if (id < 0)
        return -1;
    hobj_ref_t ref = 0;
    if (H5Rcreate(&ref, id, ".", H5R_OBJECT, -1) < 0)
        return ha_op_fail(t);
    t->result.token[0] = (uint64_t)ref;
    return 0;
}

int ha_op_ref_open(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    hobj_ref_t ref = (hobj_ref_t)t->ival;
    if (ref == 0 && !t->ival2)
        return ha_op_fail_code(t, HA_E_VALUE, "Invalid HDF5 object reference (null)");
    hid_t id = t->ival2 ? H5Rdereference2(loc, H5P_DEFAULT, H5R_DATASET_REGION, t->fsel.region)
                        : H5Rdereference2(loc, H5P_DEFAULT, H5R_OBJECT, &ref);
    if (id < 0)
        return ha_op_fail(t);
    /* Its path, for the new object's name (one of them, as h5py's). */
    ssize_t n = H5Iget_name(id, NULL, 0);
    char **names = n >= 0 ? calloc(1, sizeof *names) : NULL;
    if (names && !(names[0] = malloc((size_t)n + 1))) {
        free(names);
        names = NULL;
    }
    if (!names) {
        H5Oclose(id);
        return ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
    }
    H5Iget_name(id, names[0], (size_t)n + 1);
    t->result.names = names;
    t->result.nnames = 1;
    return ha_op_adopt_opened(t, id);
}

int ha_op_regref_create(ha_task *t)
{
    hid_t did = ha_op_need(t, t->obj);
    if (did < 0)
        return -1;
    unsigned char *ref = calloc(1, sizeof(hdset_reg_ref_t));
    hid_t space = ref ? H5Dget_space(did) : -1;
    int rc = -1;
    if (space >= 0 && ha_select(space, &t->fsel) == 0 &&
        H5Rcreate(ref, did, ".", H5R_DATASET_REGION, space) >= 0)
        rc = 0;
    ha_close_space(space);
    if (rc < 0) {
        free(ref);
        return ref ? ha_op_fail(t) : ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
    }
    t->result.data = ref;
    t->result.nbytes = sizeof(hdset_reg_ref_t);
    return 0;
}

/* The object's address (1.10) or token (1.12+) in *key, and its file's
 * number in *fileno: what makes two open ids the same object. */
static int object_key(hid_t id, uint64_t key[2], unsigned long *fileno)
{
    key[0] = key[1] = 0;
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(id, &info, H5O_INFO_BASIC) < 0)
        return -1;
    memcpy(key, &info.token, sizeof info.token < 16 ? sizeof info.token : 16);
#else
    H5O_info_t info;
    if (H5Oget_info2(id, &info, H5O_INFO_BASIC) < 0)
        return -1;
    key[0] = (uint64_t)info.addr;
#endif
    *fileno = info.fileno;
    return 0;
}

/* Elements `sid`'s selection keeps along `axis`, as h5py's guess_shape
 * finds them: drop every point past the first along the axis within the
 * selection's bounding box, and divide. */
static hssize_t along_axis(hid_t sid, int rank, const hsize_t *lo, const hsize_t *box, int axis,
                           hssize_t n)
{
    if (box[axis] == 1)
        return 1;
    hsize_t start[HA_MAX_RANK], count[HA_MAX_RANK];
    for (int i = 0; i < rank; i++) {
        start[i] = lo[i];
        count[i] = box[i];
    }
    start[axis] += 1;
    count[axis] -= 1;
    hid_t c = H5Scopy(sid);
    hssize_t left = -1;
    if (c >= 0 && H5Sselect_hyperslab(c, H5S_SELECT_NOTB, start, NULL, count, NULL) >= 0)
        left = H5Sget_select_npoints(c);
    ha_close_space(c);
    return left > 0 ? n / left : -1;
}

/* The shape h5py's guess_shape gives the selection of `sid`: *rank -1 for
 * none (a null space, or a scalar with nothing selected). */
static int guess_shape(hid_t sid, int *rank, uint64_t *shape)
{
    H5S_class_t cls = H5Sget_simple_extent_type(sid);
    H5S_sel_type sel = H5Sget_select_type(sid);
    hsize_t dims[HA_MAX_RANK], lo[HA_MAX_RANK], hi[HA_MAX_RANK], box[HA_MAX_RANK];
    int r = H5Sget_simple_extent_ndims(sid);
    hssize_t n = H5Sget_select_npoints(sid);
    if (cls < 0 || sel < 0 || r < 0 || r > HA_MAX_RANK || n < 0 ||
        H5Sget_simple_extent_dims(sid, dims, NULL) < 0)
        return -1;
    *rank = r;
    if (cls == H5S_NULL || (cls == H5S_SCALAR && sel == H5S_SEL_NONE)) {
        *rank = -1;
        return 0;
    }
    for (int i = 0; i < r; i++)
        shape[i] = sel == H5S_SEL_ALL ? dims[i] : 0;
    if (sel == H5S_SEL_ALL || sel == H5S_SEL_NONE || (sel == H5S_SEL_HYPERSLABS && n == 0))
        return 0;
    if (sel == H5S_SEL_POINTS) {
        *rank = 1;
        shape[0] = (uint64_t)n;
        return 0;
    }
    if (H5Sget_select_bounds(sid, lo, hi) < 0)
        return -1;
    uint64_t prod = 1;
    for (int i = 0; i < r; i++)
        box[i] = hi[i] - lo[i] + 1;
    for (int i = 0; i < r; i++) {
        hssize_t k = along_axis(sid, r, lo, box, i, n);
        if (k < 0)
            return -1;
        shape[i] = (uint64_t)k;
        prod *= (uint64_t)k;
    }
    if (prod != (uint64_t)n) { /* several hyperslabs: one axis, as h5py */
        *rank = 1;
        shape[0] = (uint64_t)n;
    }
    return 0;
}

int ha_op_regref_info(ha_task *t)
{
    hid_t loc = ha_op_need(t, t->obj);
    if (loc < 0)
        return -1;
    hid_t did = H5Rdereference2(loc, H5P_DEFAULT, H5R_DATASET_REGION, t->fsel.region);
    hid_t sid = did >= 0 ? H5Rget_region(did, H5R_DATASET_REGION, t->fsel.region) : -1;
    uint64_t *shape = calloc(HA_MAX_RANK, sizeof *shape), a[2], b[2];
    unsigned long fa = 0, fb = 0;
    int rank = 0, rc = -1;
    if (sid >= 0 && shape && ha_extent_from_space(sid, &t->result.extent) == 0 &&
        guess_shape(sid, &rank, shape) == 0 && object_key(did, a, &fa) == 0 &&
        object_key(loc, b, &fb) == 0) {
        t->result.token[0] = fa == fb && !memcmp(a, b, sizeof a);
        t->result.ival = rank;
        t->result.data = shape;
        t->result.nbytes = HA_MAX_RANK * sizeof *shape;
        shape = NULL;
        rc = 0;
    }
    free(shape);
    ha_close_space(sid);
    if (did >= 0)
        ha_close_obj(did);
    return rc < 0 ? ha_op_fail(t) : 0;
}
