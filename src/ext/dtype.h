/*
 * numpy dtypes <-> core type descriptions, following h5py's mapping:
 * bool as an int8 enum, complex as {r, i}, 'S' as fixed null-padded
 * strings, h5py.string_dtype() (object with vlen metadata) as
 * variable-length strings, structured dtypes as compounds.
 */
#ifndef HA_EXT_DTYPE_H
#define HA_EXT_DTYPE_H

#include "desc.h"
#include "np.h"

/* A description of `d`, or NULL with TypeError for unsupported dtypes. */
ha_type *ha_type_from_descr(PyArray_Descr *d);

/* The numpy dtype for `t` (new reference), or NULL with an error. */
PyArray_Descr *ha_descr_from_type(const ha_type *t);

/*
 * The memory dtype of a write of `value` into data of `dtype` (new
 * reference).  As h5py: a numpy array of another integer or float dtype is
 * handed to HDF5 as it is, and HDF5 converts it, clamping what does not fit
 * (numpy would wrap 300 into uint8 as 44; HDF5 stores 255); anything else
 * is converted by numpy to `dtype` itself, which raises on overflow.
 */
PyArray_Descr *ha_write_descr(PyObject *value, PyArray_Descr *dtype);
/* Whether ha_write_descr() keeps the array's own dtype. */
int ha_write_keeps_dtype(PyObject *value, PyArray_Descr *dtype);

/*
 * `value` as an array of `dtype` (new reference; `maxdepth` as
 * PyArray_FromAny's, 0 for any), converted as HDF5 converts a numpy array
 * of another numeric dtype: an integer that does not fit is clamped (300
 * into uint8 is 255), where numpy's cast would wrap it (to 44).  For
 * values h5py hands HDF5 in their own dtype but h5async converts itself:
 * fill values, the items of variable-length sequences.
 */
PyArrayObject *ha_array_clamped(PyObject *value, PyArray_Descr *dtype, int maxdepth);

/*
 * The array h5py would store for `value` given without a dtype (new
 * reference, or NULL with TypeError): str and bytes, and lists of them,
 * become variable-length strings (UTF-8 for str); numpy text arrays and
 * lists mixing strings with other values are refused, as h5py refuses them.
 */
PyArrayObject *ha_array_for_new_object(PyObject *value);

/* np.dtype(spec, metadata={key: value}), as h5py marks its special dtypes
 * (new reference, or NULL with an error); `spec` any dtype-like. */
PyArray_Descr *ha_descr_with_metadata(PyObject *spec, const char *key, PyObject *value);
/* The object dtype with metadata {key: value}: h5py's vlen and ref dtypes. */
PyArray_Descr *ha_object_descr(const char *key, PyObject *value);

/* The dtype h5py uses for variable-length strings (new reference). */
PyArray_Descr *ha_vlstr_descr(int utf8);

/* h5async's Reference type (new reference), or NULL with an error. */
PyObject *ha_reference_type(void);
PyObject *ha_regionref_type(void);

/* Whether `d` is object dtype marked as a variable-length string. */
int ha_descr_is_vlstr(PyArray_Descr *d, int *utf8);

/*
 * Stage `arr` (any dtype supported here, in numpy's layout of `t`) into one
 * malloc'd block, owned by the caller, in HDF5's layout of `t`: the
 * elements; where the type holds strings or sequences (at any depth), what
 * their slots point at follows in the same block (convert.c).  Returns
 * NULL with an error.
 */
void *ha_stage_array(PyArrayObject *arr, const ha_type *t, size_t *nbytes);
/* Zero staging buffer `buf` (n bytes) before numpy copies elements of
 * structured dtype `d` into it field by field, leaving the padding alone. */
void ha_stage_clear_padding(void *buf, PyArray_Descr *d, size_t n);

/*
 * Build an array of `dtype` and shape from `data` (copied) as the
 * executing thread returned it; variable-length strings become str.
 */
PyObject *ha_array_from_result(const ha_type *t, PyArray_Descr *dtype,
                               int rank, const npy_intp *dims, const void *data);

/* Fill the fresh array `a` (whose dtype has numpy's layout of `t`) from
 * `data` as a read returned it (ha_vlen_repack, HDF5's layout): sequences
 * become arrays of their base dtype, references Reference objects, and
 * top-level strings str when `as_str`, else bytes (h5py 3 reads dataset
 * strings as bytes and attribute strings as str).  0 or -1. */
int ha_fill_vlen(PyArrayObject *a, const ha_type *t, const void *data, int as_str);

#endif
