"""h5py's dtype helpers: numpy dtypes that carry HDF5 meaning in metadata."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Optional

import numpy as np

from ._h5async import Reference, RegionReference
import numpy.typing as npt


class string_info(NamedTuple):
    """What check_string_dtype reports: the encoding, and the length in bytes
    of a fixed-length string (None for variable-length)."""

    encoding: str
    length: Optional[int]


def _meta(dt: npt.DTypeLike) -> Mapping[str, Any]:
    """The metadata of a dtype (empty when it has none)."""
    return np.dtype(dt).metadata or {}


def string_dtype(encoding: str = "utf-8", length: int | None = None) -> np.dtype[Any]:
    """A dtype for strings: variable-length (length=None) or fixed bytes."""
    enc = encoding.lower().replace("_", "-")
    if enc not in ("utf-8", "ascii"):
        raise ValueError(f"Invalid encoding ({encoding!r}); 'utf-8' or 'ascii' allowed")
    if length is None:
        return np.dtype("O", metadata={"vlen": str if enc == "utf-8" else bytes})
    return np.dtype(f"S{int(length)}", metadata={"h5py_encoding": enc})


def check_string_dtype(dt: npt.DTypeLike) -> string_info | None:
    """string_info(encoding, length) for a string dtype, else None (h5py's)."""
    dt = np.dtype(dt)
    meta = _meta(dt)
    vlen = meta.get("vlen")
    if vlen is str:
        return string_info("utf-8", None)
    if vlen is bytes:
        return string_info("ascii", None)
    if dt.kind == "S":
        return string_info(meta.get("h5py_encoding", "ascii"), dt.itemsize)
    return None


def vlen_dtype(basetype: type | npt.DTypeLike) -> np.dtype[Any]:
    """h5py's dtype for variable-length data of `basetype` (str and bytes:
    strings).  h5async stores strings; a sequence of numbers raises
    TypeError when written."""
    return np.dtype("O", metadata={"vlen": basetype})


def check_vlen_dtype(dt: npt.DTypeLike) -> Any:
    """The base type (str, bytes or a dtype) of a variable-length dtype, else None."""
    return _meta(dt).get("vlen")


def opaque_dtype(np_dtype: npt.DTypeLike) -> np.dtype[Any]:
    """`np_dtype` stored as an HDF5 opaque type tagged "NUMPY:" + its str,
    as h5py stores datetime64 and timedelta64."""
    dt = np.dtype(np_dtype)
    if np.issubdtype(dt, np.object_):
        raise TypeError("Cannot store numpy object arrays as opaque data")
    if dt.names is not None:
        raise TypeError("Cannot store numpy structured arrays as opaque data")
    if dt.subdtype is not None:
        raise TypeError("Cannot store numpy sub-array dtype as opaque data")
    if dt.itemsize == 0:
        raise TypeError("dtype for opaque data must have explicit size")
    return np.dtype(dt, metadata={"h5py_opaque": True})


def check_opaque_dtype(dt: npt.DTypeLike) -> bool:
    """Whether `dt` was made by opaque_dtype()."""
    return bool(_meta(dt).get("h5py_opaque", False))


#: h5py's dtype for object references: object arrays of Reference.
ref_dtype = np.dtype("O", metadata={"ref": Reference})
#: h5py's dtype for dataset region references: object arrays of RegionReference.
regionref_dtype = np.dtype("O", metadata={"ref": RegionReference})


def check_ref_dtype(dt: npt.DTypeLike) -> Any:
    """The reference class of a reference dtype (Reference or
    RegionReference), else None."""
    return _meta(dt).get("ref")


def enum_dtype(values_dict: Mapping[str, int],
               basetype: npt.DTypeLike = np.uint8) -> np.dtype[Any]:
    """An integer dtype that HDF5 stores as an enum of `values_dict`."""
    return np.dtype(basetype, metadata={"enum": dict(values_dict)})


def check_enum_dtype(dt: npt.DTypeLike) -> dict[str, int] | None:
    """The name -> value mapping of an enum dtype, else None."""
    return _meta(dt).get("enum")


def special_dtype(**kwds: Any) -> np.dtype[Any]:
    """h5py's older spelling: special_dtype(vlen=basetype), (enum=(basetype, values))."""
    if len(kwds) != 1:
        raise TypeError("Exactly one keyword may be provided")
    name, val = kwds.popitem()
    if name == "vlen":
        return vlen_dtype(val)
    if name == "enum":
        basetype, values = val
        return enum_dtype(values, basetype=basetype)
    if name == "ref":
        if val is Reference:
            return ref_dtype
        if val is RegionReference:
            return regionref_dtype
        raise ValueError("Ref class must be Reference or RegionReference")
    raise TypeError(f'Unknown special type "{name}"')


_CHECKS: dict[str, Callable[[npt.DTypeLike], Any]] = {"vlen": check_vlen_dtype, "enum": check_enum_dtype, "ref": check_ref_dtype}


def check_dtype(**kwds: Any) -> Any:
    """h5py's older spelling: one of vlen=, enum=, ref= (a dtype)."""
    if len(kwds) != 1:
        raise TypeError("Exactly one keyword may be provided")
    name, dt = kwds.popitem()
    if name not in _CHECKS:
        raise TypeError(f'Unknown special type "{name}"')
    return _CHECKS[name](dt)
