"""Dimension scales at the level of ``h5py.h5ds`` (HDF5's H5DS library).

The functions write exactly the attributes that libhdf5_hl's H5DS writes,
so that h5py, netCDF4 and h5netcdf read our scales and we read theirs:

- on a scale: ``CLASS`` = "DIMENSION_SCALE" and ``NAME``, fixed-length
  null-terminated ASCII strings of the text's length plus one, scalar;
  ``REFERENCE_LIST``, a 1-D compound {dataset: object reference at offset 0,
  dimension: int at offset 8} of 16 bytes, one row per attached dimension;
- on a dataset: ``DIMENSION_LIST``, 1-D of the dataset's rank, variable-
  length sequences of object references (the scales of each dimension);
  ``DIMENSION_LABELS``, 1-D of the rank, variable-length ASCII strings.

H5DS writes the ``dimension`` member as a native int up to HDF5 1.14.4 and
as a native unsigned int from 1.14.5 (HDF5 2.0, which h5py 3.16 bundles,
writes uint32).  New lists are written as h5py writes them, unsigned,
whatever HDF5 we are linked with (H5DS of every version reads both: it
converts the member by name); a list another library made keeps its type
when we rewrite it.

Every function takes a Dataset or its ``.id``.  Reading attributes and
references waits for its own task; writes are queued on ``es`` (default:
the file's default event set) like any attribute write, and later reads
see them because the engine runs tasks in submission order.  What H5DS
refuses (attaching a dataset to itself, a dimension out of range,
detaching a scale that is not attached...) raises RuntimeError at the
call, as h5py raises it.

One deliberate difference: attaching a scale that is already attached to
that dimension changes nothing, where H5DS adds a second, identical row
to the scale's REFERENCE_LIST.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, Union

import numpy as np
import numpy.typing as npt

from . import _h5async, version
from ._dtypes import ref_dtype, string_dtype, vlen_dtype
from ._hl import DEFAULT, HLObject

if TYPE_CHECKING:
    from ._h5async import ESArg

__all__ = ["set_scale", "is_scale", "attach_scale", "detach_scale", "is_attached",
           "get_num_scales", "get_label", "set_label", "get_scale_name", "iterate"]

_R = TypeVar("_R")
DatasetLike = Union[HLObject, _h5async.ObjectID]

CLASS = "CLASS"
NAME = "NAME"
DIMENSION_SCALE = b"DIMENSION_SCALE"
DIMENSION_LIST = "DIMENSION_LIST"
REFERENCE_LIST = "REFERENCE_LIST"
DIMENSION_LABELS = "DIMENSION_LABELS"

# H5DS's REFERENCE_LIST member "dimension": H5T_NATIVE_UINT, as HDF5
# 1.14.5 on (and so h5py) writes it.
_DIM_INDEX = np.dtype("u4")
_DIMLIST_DTYPE = vlen_dtype(ref_dtype)
_LABEL_DTYPE = string_dtype("ascii")


def reference_list_dtype(index: npt.DTypeLike = _DIM_INDEX) -> np.dtype[Any]:
    """The dtype of REFERENCE_LIST rows: H5DS's C struct {hobj_ref_t;
    unsigned int;}, 16 bytes with the index at offset 8."""
    return np.dtype({"names": ["dataset", "dimension"], "formats": [ref_dtype, index],
                     "offsets": [0, 8], "itemsize": 16})


def fixed_ascii(text: bytes) -> np.dtype[Any]:
    """H5LT's string attribute type for `text`: fixed-length ASCII of
    len(text) + 1 bytes, null-terminated.  The metadata asks the type
    conversion for H5T_STR_NULLTERM, which H5DSis_scale requires of CLASS
    (numpy's 'S' is otherwise stored null-padded, as h5py stores it)."""
    return np.dtype(f"S{len(text) + 1}",
                    metadata={"h5py_encoding": "ascii", "h5async_strpad": "nullterm"})


# ---- helpers -------------------------------------------------------------

def _oid(obj: DatasetLike, what: str = "dataset") -> _h5async.ObjectID:
    oid = obj.id if isinstance(obj, HLObject) else obj
    if not isinstance(oid, _h5async.ObjectID):
        raise TypeError(f"{what} must be a Dataset or its id, not {type(obj).__name__}")
    if oid.kind != "dataset":
        raise TypeError(f"{what} must be a dataset, not a {oid.kind}")
    return oid


def _fail(func: str, why: str) -> RuntimeError:
    return RuntimeError(f"Unspecified error in {func} (return value <0): {why}")


def _check_index(oid: _h5async.ObjectID, idx: int, func: str) -> int:
    idx = int(idx)
    if not 0 <= idx < oid.ndim:
        raise _fail(func, f"dimension {idx} out of range for a dataset of rank {oid.ndim}")
    return idx


def _attr(oid: _h5async.ObjectID, name: str) -> npt.NDArray[Any] | None:
    """The attribute's value as an array, None if missing.  Waits."""
    try:
        value = oid.attr_get(name)
    except KeyError:
        return None
    return None if isinstance(value, np.dtype) else value


def _dimension_list(oid: _h5async.ObjectID) -> list[list[_h5async.Reference]] | None:
    """DIMENSION_LIST as one list of references per dimension, or None."""
    value = _attr(oid, DIMENSION_LIST)
    if value is None:
        return None
    lists = [list(np.asarray(entry, dtype=object).ravel()) for entry in value.ravel()]
    lists += [[] for _ in range(oid.ndim - len(lists))]
    return lists


def _write_dimension_list(oid: _h5async.ObjectID, lists: list[list[_h5async.Reference]],
                          es: ESArg) -> None:
    if not any(lists):
        oid.attr_delete(DIMENSION_LIST, es=es)  # as H5DS: no scales, no list
        return
    value = np.empty(len(lists), dtype=object)
    for i, refs in enumerate(lists):
        value[i] = np.array(refs, dtype=object).reshape(len(refs))
    oid.attr_set(DIMENSION_LIST, value, es=es, dtype=_DIMLIST_DTYPE)


def _reference_list(oid: _h5async.ObjectID
                    ) -> tuple[list[tuple[_h5async.Reference, int]], np.dtype[Any]]:
    """REFERENCE_LIST as (dataset reference, dimension) rows, and the dtype
    of its index member (what we write back: the stored one if any)."""
    value = _attr(oid, REFERENCE_LIST)
    if value is None or value.dtype.names is None or len(value.dtype.names) < 2:
        return [], _DIM_INDEX
    ref_field, dim_field = value.dtype.names[:2]
    rows = [(row[ref_field], int(row[dim_field])) for row in value.ravel()]
    return rows, np.dtype(value.dtype.fields[dim_field][0])  # type: ignore[index]


def _write_reference_list(oid: _h5async.ObjectID, rows: list[tuple[_h5async.Reference, int]],
                          index: np.dtype[Any], es: ESArg) -> None:
    if not rows:
        oid.attr_delete(REFERENCE_LIST, es=es)
        return
    dt = reference_list_dtype(index)
    value = np.empty(len(rows), dtype=dt)
    for i, (ref, dim) in enumerate(rows):
        value[i] = (ref, dim)
    oid.attr_set(REFERENCE_LIST, value, es=es, dtype=dt)


def _remove(items: list[Any], at: int) -> None:
    """Remove items[at] as H5DS does: the last item takes its place."""
    items[at] = items[-1]
    items.pop()


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogateescape")


# ---- the h5py.h5ds functions ---------------------------------------------

def set_scale(dset: DatasetLike, dimname: str | bytes | None = b"",
              es: ESArg = DEFAULT) -> None:
    """Make `dset` a dimension scale named `dimname` (H5DSset_scale): write
    CLASS, and NAME unless `dimname` is None.  A dataset with scales
    attached (DIMENSION_LIST) cannot become a scale."""
    oid = _oid(dset)
    if oid.attr_contains(DIMENSION_LIST):
        raise _fail("H5DSset_scale", f"{oid.path} has dimension scales attached")
    oid.attr_set(CLASS, DIMENSION_SCALE, es=es, dtype=fixed_ascii(DIMENSION_SCALE))
    if dimname is not None:
        name = _as_bytes(dimname)
        oid.attr_set(NAME, name, es=es, dtype=fixed_ascii(name))


def is_scale(dset: DatasetLike) -> bool:
    """Whether `dset` is a dimension scale: its CLASS attribute is the
    string "DIMENSION_SCALE".  Waits."""
    value = _attr(_oid(dset), CLASS)
    if value is None or value.ndim != 0 or value.dtype.kind not in "SUO":
        return False
    return _as_bytes(value[()]).rstrip(b"\0") == DIMENSION_SCALE


def attach_scale(dset: DatasetLike, dscale: DatasetLike, idx: int,
                 es: ESArg = DEFAULT) -> None:
    """Attach the scale `dscale` to dimension `idx` of `dset`
    (H5DSattach_scale): add it to dset's DIMENSION_LIST and (dset, idx) to
    the scale's REFERENCE_LIST; a dataset that is not yet a scale becomes
    one (CLASS only, no NAME)."""
    func = "H5DSattach_scale"
    oid, soid = _oid(dset), _oid(dscale, "dscale")
    if oid == soid:
        raise _fail(func, "a dataset cannot be its own dimension scale")
    if oid.file != soid.file:
        raise _fail(func, "the dataset and the scale must be in the same file")
    idx = _check_index(oid, idx, func)
    if is_scale(oid):
        raise _fail(func, f"{oid.path} is a dimension scale; scales have no scales")
    if soid.attr_contains(DIMENSION_LIST):
        raise _fail(func, f"{soid.path} has dimension scales attached and cannot be one")
    scale_ref, dset_ref = soid.get_ref(), oid.get_ref()
    lists = _dimension_list(oid) or [[] for _ in range(oid.ndim)]
    if scale_ref in lists[idx]:
        return
    lists[idx].append(scale_ref)
    rows, index = _reference_list(soid)
    rows.append((dset_ref, idx))
    was_scale = is_scale(soid)
    _write_dimension_list(oid, lists, es)
    _write_reference_list(soid, rows, index, es)
    if not was_scale:
        set_scale(soid, None, es=es)


def detach_scale(dset: DatasetLike, dscale: DatasetLike, idx: int,
                 es: ESArg = DEFAULT) -> None:
    """Detach the scale `dscale` from dimension `idx` of `dset`
    (H5DSdetach_scale).  Lists that become empty are deleted, as H5DS
    deletes them."""
    func = "H5DSdetach_scale"
    oid, soid = _oid(dset), _oid(dscale, "dscale")
    idx = _check_index(oid, idx, func)
    lists = _dimension_list(oid)
    scale_ref, dset_ref = soid.get_ref(), oid.get_ref()
    if lists is None or scale_ref not in lists[idx]:
        raise _fail(func, f"{soid.path} is not attached to dimension {idx} of {oid.path}")
    rows, index = _reference_list(soid)
    if (dset_ref, idx) not in rows:
        raise _fail(func, f"the REFERENCE_LIST of {soid.path} does not name dimension "
                          f"{idx} of {oid.path}")
    _remove(lists[idx], lists[idx].index(scale_ref))
    _remove(rows, rows.index((dset_ref, idx)))
    _write_dimension_list(oid, lists, es)
    _write_reference_list(soid, rows, index, es)


def is_attached(dset: DatasetLike, dscale: DatasetLike, idx: int) -> bool:
    """Whether `dscale` is attached to dimension `idx` of `dset`: both the
    DIMENSION_LIST and the scale's REFERENCE_LIST say so.  Waits."""
    oid, soid = _oid(dset), _oid(dscale, "dscale")
    idx = _check_index(oid, idx, "H5DSis_attached")
    lists = _dimension_list(oid)
    if lists is None or soid.get_ref() not in lists[idx]:
        return False
    return (oid.get_ref(), idx) in _reference_list(soid)[0]


def get_num_scales(dset: DatasetLike, idx: int) -> int:
    """The number of scales attached to dimension `idx` of `dset`.  Waits."""
    oid = _oid(dset)
    idx = _check_index(oid, idx, "H5DSget_num_scales")
    lists = _dimension_list(oid)
    return 0 if lists is None else len(lists[idx])


def get_label(dset: DatasetLike, idx: int) -> bytes:
    """The label of dimension `idx` (bytes; b"" when none).  Waits."""
    oid = _oid(dset)
    idx = _check_index(oid, idx, "H5DSget_label")
    labels = _attr(oid, DIMENSION_LABELS)
    if labels is None or idx >= labels.size:
        return b""
    label = labels.ravel()[idx]
    return b"" if label is None else _as_bytes(label).rstrip(b"\0")


def set_label(dset: DatasetLike, idx: int, label: str | bytes, es: ESArg = DEFAULT) -> None:
    """Set the label of dimension `idx` (H5DSset_label): DIMENSION_LABELS
    holds one variable-length ASCII string per dimension, "" where unset.
    An existing attribute is rewritten in its stored type."""
    oid = _oid(dset)
    idx = _check_index(oid, idx, "H5DSset_label")
    labels = _attr(oid, DIMENSION_LABELS)
    value = np.empty(oid.ndim, dtype=object)
    value[:] = b""
    if labels is not None and labels.size == oid.ndim:
        for i, old in enumerate(labels.ravel()):
            value[i] = b"" if old is None else _as_bytes(old).rstrip(b"\0")
        value[idx] = _as_bytes(label)
        if labels.dtype.kind == "S":  # fixed-length, as some writers store it
            value = value.astype(labels.dtype)
        oid.attr_modify(DIMENSION_LABELS, value, es=es)
        return
    value[idx] = _as_bytes(label)
    oid.attr_set(DIMENSION_LABELS, value, es=es, dtype=_LABEL_DTYPE)


def get_scale_name(dscale: DatasetLike) -> bytes:
    """The NAME of a dimension scale (b"" when it has none).  Waits."""
    soid = _oid(dscale, "dscale")
    if not is_scale(soid):
        raise _fail("H5DSget_scale_name", f"{soid.path} is not a dimension scale")
    name = _attr(soid, NAME)
    if name is None or name.size != 1:
        return b""
    return _as_bytes(name.ravel()[0]).rstrip(b"\0")


def iterate(dset: DatasetLike, dim: int, func: Callable[[_h5async.ObjectID], _R | None],
            startidx: int = 0) -> _R | None:
    """Call func(scale_id) for the scales of dimension `dim` from index
    `startidx` on; stop at, and return, the first value that is not None
    (H5DSiterate_scales).  As h5py, a `startidx` past the last scale
    (also: no scales at all) raises RuntimeError.  Waits."""
    oid = _oid(dset)
    dim = _check_index(oid, dim, "H5DSiterate_scales")
    refs = (_dimension_list(oid) or [[]] * oid.ndim)[dim]
    if not 0 <= startidx < len(refs):
        raise _fail("H5DSiterate_scales",
                    f"no scale {startidx} on dimension {dim} of {oid.path} "
                    f"({len(refs)} attached)")
    for ref in refs[startidx:]:
        ret = func(oid.deref(ref))
        if ret is not None:
            return ret
    return None
