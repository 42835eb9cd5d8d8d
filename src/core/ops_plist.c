/*
 * Creation properties that h5py's low-level API exposes and client
 * libraries read (h5netcdf asks every group whether it tracks creation
 * order): ObjectID.get_create_plist() runs this and hands the flags to a
 * plain Python object, so nothing later touches HDF5 again.
 */
#include "ops.h"

/* The creation property list of `id`.  A file id stands for the file
 * (`as_file`: H5Fget_create_plist, which reports the creation order only
 * while the file is open from its creation, as h5py's f.id does) or for
 * its root group (a Group object whose handle is the file's). */
static hid_t create_plist(hid_t id, int as_file)
{
    hid_t root = -1, cpl = -1;
    switch (H5Iget_type(id)) {
    case H5I_FILE:
        if (as_file)
            cpl = H5Fget_create_plist(id);
        else if ((root = H5Gopen2(id, "/", H5P_DEFAULT)) >= 0)
            cpl = H5Gget_create_plist(root);
        break;
    case H5I_GROUP:
        cpl = H5Gget_create_plist(id);
        break;
    case H5I_DATASET:
        cpl = H5Dget_create_plist(id);
        break;
    case H5I_DATATYPE:
        cpl = H5Tget_create_plist(id);
        break;
    default:
        break;
    }
    ha_close_obj(root);
    return cpl;
}

/*
 * HA_OP_CRT_ORDER: result.ival = link creation-order flags | attribute
 * creation-order flags << 8 (H5P_CRT_ORDER_TRACKED, _INDEXED); datasets
 * and datatypes have no link flags.  ival: 1 if obj is asked as a file.
 */
int ha_op_crt_order(ha_task *t)
{
    hid_t id = ha_op_need(t, t->obj);
    if (id < 0)
        return -1;
    hid_t cpl = create_plist(id, t->ival == 1);
    if (cpl < 0)
        return ha_op_fail(t);
    unsigned link = 0, attr = 0;
    int rc = H5Pget_attr_creation_order(cpl, &attr);
    if (rc >= 0 && H5Pisa_class(cpl, H5P_GROUP_CREATE) > 0)
        rc = H5Pget_link_creation_order(cpl, &link);
    if (rc < 0) {
        ha_op_fail(t);
        ha_close_plist(cpl);
        return -1;
    }
    ha_close_plist(cpl);
    t->result.ival = (int64_t)(link | attr << 8);
    return 0;
}
