"""``h5py.h5a``: ``create()``, ``exists()`` and ``delete()``, as clients
call them to store an attribute of a type they built with ``h5py.h5t``
(h5netcdf: null-terminated strings, enums).  Each goes through the
high-level attribute calls (queued like ``attrs[...] = ``); the other
``h5a`` functions are not provided: asking raises an AttributeError that
names them."""
from typing import Any

import numpy as np

from .._h5async import ObjectID
from . import unsupported_getattr
from .h5s import SpaceID

__getattr__ = unsupported_getattr("h5py.h5a")


def _name(name: str | bytes) -> str:
    return name.decode("utf-8") if isinstance(name, bytes) else name


class AttrID:
    """An attribute ``create()`` made; ``write(arr)`` stores its value."""

    def __init__(self, loc: ObjectID, name: str, tid: Any, space: SpaceID) -> None:
        self._loc, self._name, self._tid, self._space = loc, name, tid, space

    def get_type(self) -> Any:
        return self._tid

    @property
    def shape(self) -> tuple[int, ...] | None:
        return self._space.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._tid.dtype  # type: ignore[no-any-return]

    def write(self, arr: Any, mtype: Any = None) -> None:
        # In the attribute's own type (mtype): an array of its dtype, with
        # h5py's metadata (an enum's members), which astype() would drop.
        value = np.empty(self._space.shape or (), dtype=self._tid.dtype)
        value[...] = np.asarray(arr).reshape(value.shape)
        # Overwrites in place, keeping the attribute's creation order.
        self._loc.attr_modify(self._name, value)

    def close(self) -> None:
        """Nothing to release."""


def create(loc: ObjectID, name: str | bytes, tid: Any, space: SpaceID,
           acpl: Any = None, aapl: Any = None) -> AttrID:
    """Create attribute ``name`` on ``loc`` of type ``tid`` and dataspace
    ``space``, zero-filled until ``write()``."""
    aid = AttrID(loc, _name(name), tid, space)
    aid._loc.attr_set(aid._name, np.zeros(space.shape or (), dtype=tid.dtype),
                      dtype=tid.dtype, shape=space.shape)
    return aid


def exists(loc: ObjectID, name: str | bytes) -> bool:
    return bool(loc.attr_contains(_name(name)))


def delete(loc: ObjectID, name: str | bytes | None = None, index: int = -1,
           **kwds: Any) -> None:
    if name is None:
        raise NotImplementedError("h5py.h5a.delete by index is not supported by h5async")
    loc.attr_delete(_name(name))
