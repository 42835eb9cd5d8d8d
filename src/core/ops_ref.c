/*
 * Object references, as h5py stores them: HDF5's H5R_OBJECT references
 * (hobj_ref_t, the object header's address), which every HDF5 version from
 * 1.8 on reads.  Creating one and opening what one points at are tasks like
 * any other; the bytes of a reference travel as plain data.
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
    if (ref == 0)
        return ha_op_fail_code(t, HA_E_VALUE, "Invalid HDF5 object reference (null)");
    hid_t id = H5Rdereference2(loc, H5P_DEFAULT, H5R_OBJECT, &ref);
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
