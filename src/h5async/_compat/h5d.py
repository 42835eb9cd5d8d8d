"""``h5py.h5d``: ``create()``, as clients call it to store a dataset with a
type they built with ``h5py.h5t`` (h5netcdf: enums ordered by value,
null-terminated strings for the classic format).  It goes through the
high-level creation, so it is queued like ``create_dataset``; the other
``h5d`` functions are not provided: asking raises an AttributeError that
names them."""
from typing import Any

import numpy as np

from .._h5async import ObjectID
from . import unsupported_getattr
from .h5p import PropDCID
from .h5s import SpaceID

__getattr__ = unsupported_getattr("h5py.h5d")

# H5D_fill_time_t, as h5py names them (get_create_plist().get_fill_time()).
FILL_TIME_ALLOC, FILL_TIME_NEVER, FILL_TIME_IFSET = 0, 1, 2


class DatasetID:
    """A dataset ``create()`` made: its ObjectID, and h5py's low-level
    ``write(mspace, fspace, arr, mtype=None)`` of the whole dataset."""

    def __init__(self, oid: ObjectID, tid: Any) -> None:
        self.id = oid
        self._tid = tid

    def get_type(self) -> Any:
        return self._tid

    def write(self, mspace: SpaceID, fspace: SpaceID, arr_obj: Any, mtype: Any = None,
              dxpl: Any = None) -> None:
        from .h5s import ALL
        if mspace is not ALL or fspace is not ALL:
            raise NotImplementedError("h5py.h5d.DatasetID.write of a selection is not "
                                      "supported by h5async (only h5s.ALL)")
        # An array of the memory type's dtype, metadata (enum members,
        # string padding) kept, which astype() would drop.
        value = np.empty(np.shape(arr_obj), dtype=(mtype if mtype is not None else self._tid).dtype)
        value[...] = arr_obj
        self.id.write(..., value)

    def close(self) -> None:
        """The dataset stays open as long as its ObjectID does."""


def create(loc: ObjectID, name: str | bytes | None, tid: Any, space: SpaceID,
           dcpl: PropDCID | None = None, lcpl: Any = None, dapl: Any = None) -> DatasetID:
    """Create dataset ``name`` under ``loc`` of type ``tid`` (any h5t type)
    and dataspace ``space``, with ``dcpl``'s chunks and fill value."""
    if isinstance(name, bytes):
        name = name.decode("utf-8")
    chunks = fill = None
    if dcpl is not None:
        chunks, fill = dcpl._chunk, dcpl._fill
    oid = loc.create_dataset(name, space.shape, dtype=tid.dtype, maxshape=space.maxshape,
                             chunks=chunks, fillvalue=fill)
    return DatasetID(oid, tid)
