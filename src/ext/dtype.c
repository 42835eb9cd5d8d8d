/* numpy dtypes <-> core type descriptions.  See dtype.h. */
#include "dtype.h"

#include "reference.h"

static ha_type *type_from_descr(PyArray_Descr *d);


#include <stdlib.h>
#include <string.h>


static ha_order order_of(PyArray_Descr *d)
{
    if (d->byteorder == '>')
        return HA_ORDER_BE;
#if PY_BIG_ENDIAN
    if (d->byteorder == '=')
        return HA_ORDER_BE;
#endif
    return HA_ORDER_LE;
}

int ha_descr_is_vlstr(PyArray_Descr *d, int *utf8)
{
    PyObject *meta = PyDataType_METADATA(d);
    if (d->type_num != NPY_OBJECT || !meta)
        return 0;
    PyObject *vlen = PyDict_GetItemString(meta, "vlen"); /* borrowed */
    if (vlen == (PyObject *)&PyUnicode_Type) {
        *utf8 = 1;
        return 1;
    }
    if (vlen == (PyObject *)&PyBytes_Type) {
        *utf8 = 0;
        return 1;
    }
    return 0;
}

static ha_type *no_conversion(PyArray_Descr *d)
{
    PyErr_Format(PyExc_TypeError, "No conversion path for dtype: %R", (PyObject *)d);
    return NULL;
}

static ha_type *compound_from_descr(PyArray_Descr *d)
{
    PyObject *names = PyDataType_NAMES(d), *fields = PyDataType_FIELDS(d);
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    ha_type *t = ha_type_new(HA_T_COMPOUND, (size_t)PyDataType_ELSIZE(d), HA_ORDER_LE);
    if (!t || !(t->fields = calloc((size_t)(n ? n : 1), sizeof *t->fields))) {
        ha_type_free(t);
        PyErr_NoMemory();
        return NULL;
    }
    t->nfields = (int)n;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        PyObject *info = PyDict_GetItem(fields, name); /* (dtype, offset[, title]) */
        const char *s = PyUnicode_AsUTF8(name);
        if (!info || !s)
            goto fail;
        t->fields[i].name = strdup(s);
        t->fields[i].ooffset = (size_t)PyLong_AsSsize_t(PyTuple_GET_ITEM(info, 1));
        t->fields[i].type = type_from_descr((PyArray_Descr *)PyTuple_GET_ITEM(info, 0));
        if (!t->fields[i].type)
            goto fail;
        if (!t->fields[i].name) {
            PyErr_NoMemory();
            goto fail;
        }
    }
    return t;
fail:
    ha_type_free(t);
    return NULL;
}

/* h5py's enum_dtype(): an integer dtype with {'enum': {name: value}}. */
static ha_type *enum_from_descr(PyArray_Descr *d, PyObject *members)
{
    Py_ssize_t n = PyDict_Size(members), pos = 0, i = 0;
    PyObject *k, *v;
    ha_type *t = ha_type_new(HA_T_ENUM, (size_t)PyDataType_ELSIZE(d), order_of(d));
    if (!t || !(t->base = ha_type_new(d->kind == 'u' ? HA_T_UINT : HA_T_INT, t->size, t->order)) ||
        !(t->members = calloc((size_t)(n ? n : 1), sizeof *t->members))) {
        ha_type_free(t);
        return (ha_type *)PyErr_NoMemory();
    }
    t->nfields = (int)n;
    while (PyDict_Next(members, &pos, &k, &v)) {
        const char *name = PyUnicode_Check(k) ? PyUnicode_AsUTF8(k) : NULL;
        long long val = PyLong_AsLongLong(v);
        if (!name || (val == -1 && PyErr_Occurred())) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "enum names must be str and values int");
            ha_type_free(t);
            return NULL;
        }
        t->members[i].name = strdup(name);
        t->members[i++].value = val;
    }
    return t;
}

/* A numpy subarray dtype, '(3,)i4': an HDF5 array type, as h5py stores it. */
static ha_type *array_from_descr(PyArray_Descr *d)
{
    PyArray_ArrayDescr *sub = PyDataType_SUBARRAY(d);
    PyObject *shape = PyTuple_Check(sub->shape) ? Py_NewRef(sub->shape) : PyTuple_Pack(1, sub->shape);
    ha_type *t = shape ? ha_type_new(HA_T_ARRAY, (size_t)PyDataType_ELSIZE(d), HA_ORDER_LE) : NULL;
    if (!t || PyTuple_GET_SIZE(shape) > HA_MAX_RANK || !(t->base = type_from_descr(sub->base))) {
        if (shape && !PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "unsupported subarray dtype");
        ha_type_free(t);
        Py_XDECREF(shape);
        return NULL;
    }
    t->arank = (int)PyTuple_GET_SIZE(shape);
    for (int i = 0; i < t->arank; i++)
        t->adims[i] = (uint64_t)PyLong_AsSsize_t(PyTuple_GET_ITEM(shape, i));
    Py_DECREF(shape);
    return t;
}

/* h5py's opaque_dtype(dt): an HDF5 opaque type tagged "NUMPY:" + dt.str,
 * which is how h5py stores datetime64 and timedelta64. */
static ha_type *opaque_from_descr(PyArray_Descr *d)
{
    PyObject *dstr = PyObject_GetAttrString((PyObject *)d, "str");
    PyObject *str = dstr ? PyUnicode_FromFormat("NUMPY:%U", dstr) : NULL; /* h5py's tag */
    Py_XDECREF(dstr);
    const char *s = str ? PyUnicode_AsUTF8(str) : NULL;
    ha_type *t = s ? ha_type_new(HA_T_OPAQUE, (size_t)PyDataType_ELSIZE(d), HA_ORDER_LE) : NULL;
    if (t && !(t->tag = strdup(s))) {
        ha_type_free(t);
        t = NULL;
    }
    if (s && !t)
        PyErr_NoMemory();
    Py_XDECREF(str);
    return t;
}

/* h5py's vlen_dtype(base): a variable-length sequence of any type. */
static ha_type *vlseq_from_descr(PyArray_Descr *base)
{
    ha_type *b = type_from_descr(base);
    if (!b)
        return NULL;
    ha_type *t = ha_type_new(HA_T_VLSEQ, 2 * sizeof(void *), HA_ORDER_LE);
    if (!t) {
        ha_type_free(b);
        return (ha_type *)PyErr_NoMemory();
    }
    t->base = b;
    return t;
}

static ha_type *type_from_descr(PyArray_Descr *d)
{
    size_t size = (size_t)PyDataType_ELSIZE(d);
    PyObject *meta = PyDataType_METADATA(d);
    if (PyDataType_HASSUBARRAY(d))
        return array_from_descr(d);
    if (meta && PyDict_GetItemString(meta, "h5py_opaque") == Py_True)
        return opaque_from_descr(d);
    PyObject *members = meta ? PyDict_GetItemString(meta, "enum") : NULL;
    if (members && PyDict_Check(members) && (d->kind == 'i' || d->kind == 'u'))
        return enum_from_descr(d, members);
    ha_tclass cls;
    int utf8 = 0;
    switch (d->kind) {
    case 'i':
        cls = HA_T_INT;
        break;
    case 'u':
        cls = HA_T_UINT;
        break;
    case 'f':
        cls = HA_T_FLOAT;
        break;
    case 'b':
        cls = HA_T_BOOL;
        break;
    case 'c':
        cls = HA_T_COMPLEX;
        break;
    case 'S':
        if (size == 0) {
            /* numpy's S0 would silently become S1 (HDF5 has no 0-byte
             * string); h5py refuses it. */
            PyErr_SetString(PyExc_ValueError, "Size must be positive (size must be positive)");
            return NULL;
        }
        cls = HA_T_BYTES;
        /* h5py.string_dtype("utf-8", n): fixed-length UTF-8 (H5T_CSET_UTF8). */
        if (meta) {
            PyObject *enc = PyDict_GetItemString(meta, "h5py_encoding");
            utf8 = enc && PyUnicode_Check(enc) && PyUnicode_CompareWithASCIIString(enc, "utf-8") == 0;
        }
        break;
    case 'T':
        /* numpy's StringDType: variable-length UTF-8 strings, as h5py stores
         * it; arrays of it are cast to str objects before staging. */
        utf8 = 1;
        cls = HA_T_VLSTR;
        size = sizeof(char *);
        break;
    case 'O':
        if (meta && PyDict_GetItemString(meta, "ref")) {
            PyObject *rt = ha_regionref_type();
            int region = rt && PyDict_GetItemString(meta, "ref") == rt;
            Py_XDECREF(rt);
            if (PyErr_Occurred())
                return NULL;
            return (region ? ha_type_new(HA_T_REGREF, HA_REGREF_SIZE, HA_ORDER_LE)
                           : ha_type_new(HA_T_REF, sizeof(uint64_t), HA_ORDER_LE))
                       ?: (ha_type *)PyErr_NoMemory();
        }
        if (meta && PyDict_GetItemString(meta, "vlen") && !ha_descr_is_vlstr(d, &utf8)) {
            /* vlen_dtype(np.uint8), (int), ("f4"): any dtype-like, as h5py */
            PyArray_Descr *base = NULL;
            if (!PyArray_DescrConverter(PyDict_GetItemString(meta, "vlen"), &base))
                return NULL;
            ha_type *t = vlseq_from_descr(base);
            Py_DECREF(base);
            return t;
        }
        if (!ha_descr_is_vlstr(d, &utf8))
            return no_conversion(d);
        cls = HA_T_VLSTR;
        size = sizeof(char *);
        break;
    case 'V':
        if (PyDataType_HASFIELDS(d))
            return compound_from_descr(d);
        cls = HA_T_OPAQUE;
        break;
    default:
        return no_conversion(d);
    }
    ha_type *t = ha_type_new(cls, size, order_of(d));
    if (!t)
        return (ha_type *)PyErr_NoMemory();
    t->cset = utf8 ? HA_CSET_UTF8 : HA_CSET_ASCII;
    /* numpy's 'S' is null-padded; "h5async_strpad": "nullterm" asks for
     * HDF5's null-terminated strings (H5DS's CLASS and NAME attributes). */
    PyObject *pad = meta ? PyDict_GetItemString(meta, "h5async_strpad") : NULL;
    t->nullpad = cls == HA_T_BYTES &&
                 !(pad && PyUnicode_Check(pad) && PyUnicode_CompareWithASCIIString(pad, "nullterm") == 0);
    return t;
}

static int plain_number(PyArray_Descr *d)
{
    PyObject *meta = PyDataType_METADATA(d);
    return (d->kind == 'i' || d->kind == 'u' || d->kind == 'f') && !PyDataType_HASSUBARRAY(d) &&
           !(meta && PyDict_GetItemString(meta, "enum")); /* an enum converts by name */
}

int ha_write_keeps_dtype(PyObject *value, PyArray_Descr *dtype)
{
    if (!PyArray_Check(value))
        return 0;
    PyArray_Descr *v = PyArray_DESCR((PyArrayObject *)value);
    return plain_number(v) && plain_number(dtype) && !PyArray_EquivTypes(v, dtype);
}

PyArray_Descr *ha_write_descr(PyObject *value, PyArray_Descr *dtype)
{
    if (ha_write_keeps_dtype(value, dtype))
        return (PyArray_Descr *)Py_NewRef((PyObject *)PyArray_DESCR((PyArrayObject *)value));
    return (PyArray_Descr *)Py_NewRef((PyObject *)dtype);
}

ha_type *ha_type_from_descr(PyArray_Descr *d)
{
    ha_type *t = type_from_descr(d);
    if (t)
        ha_type_widen(t); /* numpy's layout given: HDF5's follows */
    return t;
}

PyArray_Descr *ha_descr_with_metadata(PyObject *spec, const char *key, PyObject *value)
{
    PyObject *kw = Py_BuildValue("{s{sO}}", "metadata", key, value);
    PyObject *args = kw ? PyTuple_Pack(1, spec) : NULL;
    PyObject *d = args ? PyObject_Call((PyObject *)&PyArrayDescr_Type, args, kw) : NULL;
    Py_XDECREF(kw);
    Py_XDECREF(args);
    return (PyArray_Descr *)d;
}

PyArray_Descr *ha_object_descr(const char *key, PyObject *value)
{
    PyObject *spec = PyUnicode_FromString("O");
    PyArray_Descr *d = spec ? ha_descr_with_metadata(spec, key, value) : NULL;
    Py_XDECREF(spec);
    return d;
}

PyArray_Descr *ha_vlstr_descr(int utf8)
{
    return ha_object_descr("vlen", utf8 ? (PyObject *)&PyUnicode_Type : (PyObject *)&PyBytes_Type);
}

/* Whether every element of object array `o` is a str (`want_str`) or bytes. */
static int all_strings(PyArrayObject *o, int want_str)
{
    npy_intp n = PyArray_SIZE(o);
    PyObject **items = (PyObject **)PyArray_DATA(o);
    for (npy_intp i = 0; i < n; i++)
        if (!items[i] || (want_str ? !PyUnicode_CheckExact(items[i]) : !PyBytes_CheckExact(items[i])))
            return 0;
    return 1;
}

/* HA_T_REGREF if every element of object array `o` is a RegionReference,
 * HA_T_REF if every one is another Reference (and there is one), else 0. */
static ha_tclass all_references(PyArrayObject *o)
{
    npy_intp n = PyArray_SIZE(o);
    PyObject **items = (PyObject **)PyArray_DATA(o);
    PyObject *rt = n ? ha_reference_type() : NULL, *gt = n ? ha_regionref_type() : NULL;
    int refs = rt && gt, regions = refs;
    for (npy_intp i = 0; (refs || regions) && i < n; i++) {
        int region = items[i] && PyObject_TypeCheck(items[i], (PyTypeObject *)gt);
        regions = regions && region;
        refs = refs && !region && items[i] && PyObject_TypeCheck(items[i], (PyTypeObject *)rt);
    }
    Py_XDECREF(rt);
    Py_XDECREF(gt);
    PyErr_Clear();
    return regions ? HA_T_REGREF : refs ? HA_T_REF : 0;
}

PyArrayObject *ha_array_for_new_object(PyObject *value)
{
    /* h5py guesses by exact type: numpy's np.str_ and np.bytes_ scalars go
     * to numpy (U refused, S kept fixed-length). */
    if (PyUnicode_CheckExact(value) || PyBytes_CheckExact(value)) {
        PyArray_Descr *vl = ha_vlstr_descr(PyUnicode_CheckExact(value));
        return vl ? (PyArrayObject *)PyArray_FromAny(value, vl, 0, 0, NPY_ARRAY_CARRAY, NULL) : NULL;
    }
    PyArrayObject *a = (PyArrayObject *)PyArray_FromAny(value, NULL, 0, 0, NPY_ARRAY_CARRAY, NULL);
    if (!a)
        return NULL;
    ha_tclass refs = PyArray_DESCR(a)->type_num == NPY_OBJECT && !PyArray_Check(value)
                         ? all_references(a) : 0;
    if (refs) {
        /* A Reference, or a list of them: h5py's ref_dtype (regionref_dtype). */
        ha_type rt = {.cls = refs, .size = sizeof(uint64_t)};
        PyArray_Descr *rd = ha_descr_from_type(&rt);
        PyArrayObject *r = rd ? (PyArrayObject *)PyArray_CastToType(a, rd, 0) : NULL;
        Py_DECREF(a);
        return r;
    }
    char kind = PyArray_DESCR(a)->kind;
    int utf8;
    if (kind == 'O' && PyArray_Check(value) && !ha_descr_is_vlstr(PyArray_DESCR(a), &utf8) &&
        !PyDataType_METADATA(PyArray_DESCR(a)) && PyArray_SIZE(a) > 0) {
        /* An object array all of bytes or all of str: variable-length
         * strings, ASCII or UTF-8, as h5py guesses them. */
        for (int str = 0; str < 2; str++)
            if (all_strings(a, str)) {
                PyArray_Descr *vl = ha_vlstr_descr(str);
                PyArrayObject *v = vl ? (PyArrayObject *)PyArray_View(a, vl, NULL) : NULL;
                Py_DECREF(a);
                return v;
            }
        return a;
    }
    if ((kind != 'U' && kind != 'S') || (PyArray_Check(value) && kind == 'S'))
        return a;
    /* A list of str (or of bytes) becomes variable-length strings; numpy's
     * text arrays, and lists mixing strings with other things, have no
     * HDF5 equivalent (h5py's guess_dtype). */
    PyArrayObject *o = NULL;
    if (!PyArray_Check(value)) {
        PyArray_Descr *vl = ha_vlstr_descr(kind == 'U');
        o = vl ? (PyArrayObject *)PyArray_FromAny(value, vl, 0, 0, NPY_ARRAY_CARRAY, NULL) : NULL;
        if (!o || !all_strings(o, kind == 'U'))
            Py_CLEAR(o);
        if (!o && PyErr_Occurred()) {
            Py_DECREF(a);
            return NULL;
        }
    }
    if (!o && kind == 'S')
        return a; /* bytes mixed with np.bytes_: fixed-length, as h5py */
    if (!o)
        PyErr_Format(PyExc_TypeError, "No conversion path for dtype: %R",
                     (PyObject *)PyArray_DESCR(a));
    Py_DECREF(a);
    return o;
}

static PyArray_Descr *descr_from_spec(PyObject *spec)
{
    PyArray_Descr *d = NULL;
    if (spec && !PyArray_DescrConverter(spec, &d))
        d = NULL;
    Py_XDECREF(spec);
    return d;
}

static PyArray_Descr *numeric_descr(const ha_type *t)
{
    char code = t->cls == HA_T_INT ? 'i' : t->cls == HA_T_UINT ? 'u'
              : t->cls == HA_T_FLOAT ? 'f' : 'c';
    if (t->cls == HA_T_FLOAT && t->size > 8)
        return PyArray_DescrFromType(NPY_LONGDOUBLE);
    return descr_from_spec(PyUnicode_FromFormat("%c%c%zu",
                                                t->order == HA_ORDER_BE ? '>' : '<',
                                                code, t->size));
}

static PyArray_Descr *compound_descr(const ha_type *t)
{
    PyObject *names = PyList_New(t->nfields), *formats = PyList_New(t->nfields);
    PyObject *offsets = PyList_New(t->nfields), *spec = NULL;
    if (!names || !formats || !offsets)
        goto done;
    for (int i = 0; i < t->nfields; i++) {
        PyArray_Descr *fd = ha_descr_from_type(t->fields[i].type);
        if (!fd)
            goto done;
        PyList_SET_ITEM(formats, i, (PyObject *)fd);
        PyList_SET_ITEM(names, i, PyUnicode_FromString(t->fields[i].name));
        PyList_SET_ITEM(offsets, i, PyLong_FromSize_t(t->fields[i].ooffset));
        if (!PyList_GET_ITEM(names, i) || !PyList_GET_ITEM(offsets, i))
            goto done;
    }
    spec = Py_BuildValue("{sOsOsOsn}", "names", names, "formats", formats,
                         "offsets", offsets, "itemsize", (Py_ssize_t)t->osize);
done:
    Py_XDECREF(names);
    Py_XDECREF(formats);
    Py_XDECREF(offsets);
    return descr_from_spec(spec);
}

static PyArray_Descr *enum_descr(const ha_type *t)
{
    ha_type b = {.cls = HA_T_INT, .size = t->size, .order = t->order};
    PyArray_Descr *base = numeric_descr(t->base ? t->base : &b);
    PyObject *members = PyDict_New(), *d = NULL;
    if (!base || !members)
        goto done;
    for (int i = 0; i < t->nfields; i++) {
        PyObject *v = PyLong_FromLongLong(t->members[i].value);
        int rc = v ? PyDict_SetItemString(members, t->members[i].name, v) : -1;
        Py_XDECREF(v);
        if (rc < 0)
            goto done;
    }
    d = PyObject_CallFunction((PyObject *)&PyArrayDescr_Type, "O", base);
    if (d) {
        /* h5py's enum_dtype: the base integer dtype with the mapping as metadata. */
        Py_SETREF(d, (PyObject *)ha_descr_with_metadata((PyObject *)base, "enum", members));
    }
done:
    Py_XDECREF(base);
    Py_XDECREF(members);
    return (PyArray_Descr *)d;
}

/* An opaque type tagged "NUMPY:<dtype>" with a dtype of its size (as h5py's
 * opaque_dtype writes them) reads as that dtype, marked opaque; any other
 * as raw bytes. */
static PyArray_Descr *opaque_descr(const ha_type *t)
{
    if (t->tag && !strncmp(t->tag, "NUMPY:", 6)) {
        PyArray_Descr *d = NULL;
        PyObject *tag = PyUnicode_FromString(t->tag + 6);
        if (tag && PyArray_DescrConverter(tag, &d) && (size_t)PyDataType_ELSIZE(d) == t->size &&
            !PyDataType_REFCHK(d)) {
            PyArray_Descr *m = ha_descr_with_metadata((PyObject *)d, "h5py_opaque", Py_True);
            Py_DECREF(d);
            Py_DECREF(tag);
            return m;
        }
        Py_XDECREF(d);
        Py_XDECREF(tag);
        PyErr_Clear(); /* a tag that is no numpy dtype: raw bytes */
    }
    return descr_from_spec(PyUnicode_FromFormat("V%zu", t->size));
}

PyArray_Descr *ha_descr_from_type(const ha_type *t)
{
    switch (t->cls) {
    case HA_T_INT:
    case HA_T_UINT:
    case HA_T_FLOAT:
    case HA_T_COMPLEX:
        return numeric_descr(t);
    case HA_T_BOOL:
        return PyArray_DescrFromType(NPY_BOOL);
    case HA_T_BYTES: {
        /* As h5py: fixed-length strings carry their encoding as metadata
         * (what check_string_dtype reads). */
        PyObject *spec = PyUnicode_FromFormat("S%zu", t->size ? t->size : 1);
        PyObject *enc = PyUnicode_FromString(t->cset == HA_CSET_UTF8 ? "utf-8" : "ascii");
        PyArray_Descr *d = spec && enc ? ha_descr_with_metadata(spec, "h5py_encoding", enc) : NULL;
        Py_XDECREF(spec);
        Py_XDECREF(enc);
        return d;
    }
    case HA_T_VLSTR:
        return ha_vlstr_descr(t->cset == HA_CSET_UTF8);
    case HA_T_COMPOUND:
        return compound_descr(t);
    case HA_T_ENUM:
        return enum_descr(t);
    case HA_T_ARRAY: {
        PyArray_Descr *base = ha_descr_from_type(t->base);
        PyObject *shape = base ? PyTuple_New(t->arank) : NULL;
        for (int i = 0; shape && i < t->arank; i++)
            PyTuple_SET_ITEM(shape, i, PyLong_FromUnsignedLongLong(t->adims[i]));
        PyObject *spec = shape ? PyTuple_Pack(2, (PyObject *)base, shape) : NULL;
        Py_XDECREF(base);
        Py_XDECREF(shape);
        return descr_from_spec(spec);
    }
    case HA_T_OPAQUE:
        return opaque_descr(t);
    case HA_T_VLSEQ: {
        PyArray_Descr *base = ha_descr_from_type(t->base);
        PyArray_Descr *d = base ? ha_object_descr("vlen", (PyObject *)base) : NULL;
        Py_XDECREF(base);
        return d;
    }
    case HA_T_REF:
    case HA_T_REGREF: {
        /* h5py's ref_dtype and regionref_dtype: object, with the reference
         * class as metadata. */
        PyObject *rt = t->cls == HA_T_REF ? ha_reference_type() : ha_regionref_type();
        PyArray_Descr *d = rt ? ha_object_descr("ref", rt) : NULL;
        Py_XDECREF(rt);
        return d;
    }
    }
    PyErr_SetString(PyExc_TypeError, "unsupported HDF5 datatype");
    return NULL;
}

static PyObject *module_attr(const char *name)
{
    PyObject *m = PyImport_ImportModule("h5async._h5async");
    PyObject *r = m ? PyObject_GetAttrString(m, name) : NULL;
    Py_XDECREF(m);
    return r;
}

PyObject *ha_reference_type(void) { return module_attr("Reference"); }
PyObject *ha_regionref_type(void) { return module_attr("RegionReference"); }

PyArrayObject *ha_array_clamped(PyObject *value, PyArray_Descr *dtype, int maxdepth)
{
    if (dtype->kind != 'i' && dtype->kind != 'u') {
        Py_INCREF(dtype);
        return (PyArrayObject *)PyArray_FromAny(value, dtype, 0, maxdepth,
                                                NPY_ARRAY_CARRAY | NPY_ARRAY_FORCECAST, NULL);
    }
    PyArrayObject *own = (PyArrayObject *)PyArray_FromAny(value, NULL, 0, maxdepth,
                                                          NPY_ARRAY_CARRAY, NULL);
    if (own && ha_write_keeps_dtype((PyObject *)own, dtype)) {
        int bits = 8 * (int)PyDataType_ELSIZE(dtype);
        PyObject *one = PyLong_FromLong(1), *nbits = PyLong_FromLong(bits - (dtype->kind == 'i'));
        PyObject *top = one && nbits ? PyNumber_Lshift(one, nbits) : NULL; /* 2**bits or 2**(bits-1) */
        PyObject *max = top ? PyNumber_Subtract(top, one) : NULL;
        PyObject *min = !top ? NULL : dtype->kind == 'i' ? PyNumber_Negative(top) : PyLong_FromLong(0);
        PyObject *c = min && max ? PyArray_Clip(own, min, max, NULL) : NULL;
        Py_XDECREF(one);
        Py_XDECREF(nbits);
        Py_XDECREF(top);
        Py_XDECREF(max);
        Py_XDECREF(min);
        Py_SETREF(own, (PyArrayObject *)c);
    }
    if (!own)
        return NULL;
    Py_INCREF(dtype);
    PyArrayObject *a = (PyArrayObject *)PyArray_FromAny((PyObject *)own, dtype, 0, maxdepth,
                                                        NPY_ARRAY_CARRAY | NPY_ARRAY_FORCECAST, NULL);
    Py_DECREF(own);
    return a;
}

