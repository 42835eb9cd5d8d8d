"""``h5py.h5t``: h5py's dtype helpers (numpy dtypes whose metadata carries
the HDF5 meaning, spelled as h5py spells them), from ``h5async._dtypes``,
and the few type-building calls of h5py's low-level API that clients make.

A helper that builds a dtype h5async cannot store yet (a variable-length
sequence of numbers) still returns h5py's dtype; creating or writing a
dataset of it raises TypeError ("No conversion path for dtype").
Object references are supported (``ref_dtype``, ``special_dtype(ref=
Reference)``); region references are not: ``regionref_dtype`` raises
AttributeError.

Low-level types: ``py_create(dtype)`` gives a TypeID (as ``dataset.id.
get_type()`` does), ``enum_create(base)`` with ``enum_insert()`` builds an
enum whose members keep their insertion order, ``C_S1.copy()`` with
``set_size``/``set_strpad``/``set_cset`` a fixed-length string; any of them
is stored with ``tid.commit(group.id, name)`` or used by ``h5py.h5d.create``
and ``h5py.h5a.create``.  Each is a description (a numpy dtype with h5py's
metadata) that the high-level calls store; none holds an HDF5 id."""
from typing import Any

import numpy as np
import numpy.typing as npt

from .._dtypes import (check_dtype, check_enum_dtype, check_opaque_dtype,  # noqa: F401
                       check_ref_dtype, check_string_dtype, check_vlen_dtype, enum_dtype,
                       opaque_dtype, ref_dtype, special_dtype, string_dtype, string_info,
                       vlen_dtype)
from .._h5async import ObjectID, TypeID
from . import unsupported_getattr

__getattr__ = unsupported_getattr("h5py.h5t")

# HDF5's H5T_class_t, H5T_cset_t, H5T_str_t and H5T_order_t, as h5py has them.
NO_CLASS, INTEGER, FLOAT, TIME, STRING, BITFIELD, OPAQUE = -1, 0, 1, 2, 3, 4, 5
COMPOUND, REFERENCE, ENUM, VLEN, ARRAY = 6, 7, 8, 9, 10
CSET_ASCII, CSET_UTF8 = 0, 1
STR_NULLTERM, STR_NULLPAD, STR_SPACEPAD = 0, 1, 2
ORDER_LE, ORDER_BE, ORDER_VAX, ORDER_NONE = 0, 1, 2, 3
ORDER_NATIVE = ORDER_LE if np.little_endian else ORDER_BE


def py_create(dtype_in: npt.DTypeLike, logical: bool = False,
              aligned: bool = False) -> TypeID:
    """The TypeID for a numpy dtype (h5py's metadata included)."""
    return TypeID._from_dtype(np.dtype(dtype_in))


class TypeStringID:
    """A fixed-length string type being built (``C_S1.copy()``)."""

    def __init__(self, size: int = 1, strpad: int = STR_NULLTERM,
                 cset: int = CSET_ASCII) -> None:
        self._size, self._strpad, self._cset = size, strpad, cset

    def copy(self) -> "TypeStringID":
        return TypeStringID(self._size, self._strpad, self._cset)

    def set_size(self, size: int) -> None:
        self._size = int(size)

    def get_size(self) -> int:
        return self._size

    def set_strpad(self, pad: int) -> None:
        if pad == STR_SPACEPAD:
            raise NotImplementedError("h5py.h5t.STR_SPACEPAD is not supported by h5async")
        self._strpad = pad

    def get_strpad(self) -> int:
        return self._strpad

    def set_cset(self, cset: int) -> None:
        self._cset = cset

    def get_cset(self) -> int:
        return self._cset

    def get_class(self) -> int:
        return STRING

    @property
    def dtype(self) -> np.dtype[Any]:
        meta: dict[str, Any] = {"h5py_encoding": "utf-8" if self._cset == CSET_UTF8 else "ascii"}
        if self._strpad == STR_NULLTERM:
            meta["h5async_strpad"] = "nullterm"
        return np.dtype(f"S{self._size}", metadata=meta)

    def commit(self, group: ObjectID, name: str | bytes) -> None:
        group.commit_type(_name(name), self.dtype)

    def close(self) -> None:
        """Nothing to release."""


class TypeEnumID:
    """An enum type being built (``enum_create(base)``); its members are
    stored in the order they were inserted, as HDF5's H5Tenum_insert."""

    def __init__(self, base: np.dtype[Any]) -> None:
        self._base = base
        self._members: dict[str, int] = {}

    def enum_insert(self, name: str | bytes, value: int) -> None:
        self._members[name.decode("utf-8") if isinstance(name, bytes) else name] = int(value)

    def get_nmembers(self) -> int:
        return len(self._members)

    def get_class(self) -> int:
        return ENUM

    def copy(self) -> "TypeEnumID":
        new = TypeEnumID(self._base)
        new._members = dict(self._members)
        return new

    @property
    def dtype(self) -> np.dtype[Any]:
        return enum_dtype(self._members, basetype=self._base)

    def commit(self, group: ObjectID, name: str | bytes) -> None:
        group.commit_type(_name(name), self.dtype)

    def close(self) -> None:
        """Nothing to release."""


def enum_create(base: TypeID) -> TypeEnumID:
    """An empty enum over the integer type ``base``."""
    if base.get_class() != INTEGER:
        raise TypeError("enum_create() needs an integer base type")
    return TypeEnumID(base.dtype)


C_S1 = TypeStringID()


def _name(name: str | bytes) -> str:
    return name.decode("utf-8") if isinstance(name, bytes) else name
