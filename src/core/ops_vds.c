/*
 * Virtual datasets: the mappings a creation sets on its property list, and
 * the listing of a virtual dataset's sources.  Reading and writing a
 * virtual dataset needs nothing here: HDF5 maps the selections itself.
 */
#include <stdlib.h>

#include "ops.h"

/* A dataspace of extent `e` with selection `s`, or H5I_INVALID_HID. */
static hid_t selected_space(const ha_extent *e, const ha_sel *s)
{
    hid_t sid = ha_space_from_extent(e);
    if (sid >= 0 && ha_select(sid, s) < 0) {
        ha_close_space(sid);
        return H5I_INVALID_HID;
    }
    return sid;
}

int ha_vds_set(hid_t dcpl, const ha_task *t)
{
    /* With no mapping at all the layout must still be virtual: every
     * element then reads as the fill value, as h5py's empty layout does. */
    if (H5Pset_layout(dcpl, H5D_VIRTUAL) < 0)
        return -1;
    for (int i = 0; i < t->nvmaps; i++) {
        const ha_vmap *m = &t->vmaps[i];
        hid_t vspace = selected_space(&t->extent, &m->vsel);
        hid_t sspace = vspace >= 0 ? selected_space(&m->src, &m->ssel) : H5I_INVALID_HID;
        herr_t rc = sspace >= 0 ? H5Pset_virtual(dcpl, vspace, m->file, m->dset, sspace) : -1;
        ha_close_space(vspace);
        ha_close_space(sspace);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* One of H5Pget_virtual_filename / _dsetname's strings, malloc'd. */
static char *vds_string(hid_t dcpl, size_t i, int dset)
{
    ssize_t n = dset ? H5Pget_virtual_dsetname(dcpl, i, NULL, 0)
                     : H5Pget_virtual_filename(dcpl, i, NULL, 0);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!s)
        return NULL;
    n = dset ? H5Pget_virtual_dsetname(dcpl, i, s, (size_t)n + 1)
             : H5Pget_virtual_filename(dcpl, i, s, (size_t)n + 1);
    if (n < 0) {
        free(s);
        return NULL;
    }
    return s;
}

int ha_op_vds_list(ha_task *t)
{
    hid_t did = ha_op_need(t, t->obj);
    if (did < 0)
        return -1;
    hid_t dcpl = H5Dget_create_plist(did);
    if (dcpl < 0)
        return ha_op_fail(t);
    size_t count = 0;
    int rc = 0;
    if (H5Pget_layout(dcpl) == H5D_VIRTUAL && H5Pget_virtual_count(dcpl, &count) < 0)
        rc = -1;
    char **names = count ? calloc(2 * count, sizeof *names) : NULL;
    if (count && !names)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < count; i++)
        if (!(names[2 * i] = vds_string(dcpl, i, 0)) ||
            !(names[2 * i + 1] = vds_string(dcpl, i, 1)))
            rc = -1;
    ha_close_plist(dcpl);
    if (rc < 0) {
        for (size_t i = 0; names && i < 2 * count; i++)
            free(names[i]);
        free(names);
        return ha_op_fail(t);
    }
    t->result.names = names;
    t->result.nnames = 2 * count;
    return 0;
}
