"""``h5py.h5p``: the creation-order flags and the read-only view of an
object's creation properties that ``obj.id.get_create_plist()`` returns.

h5py's property lists are live HDF5 objects with ~150 methods; clients read
only a few creation properties through them (h5netcdf:
``group.id.get_create_plist().get_attr_creation_order() & CRT_ORDER_TRACKED``).
Here a property list is a snapshot of those flags, taken by one task when
``get_create_plist()`` is called.  ``create(DATASET_CREATE)`` makes a
dataset creation list for ``h5py.h5d.create`` that holds chunks and a fill
value; other classes and the other ``h5p`` functions are not provided:
asking for them raises an error that names them."""
from typing import Any

import numpy as np

from . import unsupported_getattr

__getattr__ = unsupported_getattr("h5py.h5p")

CRT_ORDER_TRACKED = 0x0001
CRT_ORDER_INDEXED = 0x0002


class PropCreateID:
    """Creation properties of an object (a snapshot)."""

    def __init__(self, attr_order: int = 0) -> None:
        self._attr_order = attr_order

    def get_attr_creation_order(self) -> int:
        """CRT_ORDER_TRACKED | CRT_ORDER_INDEXED bits for the object's attributes."""
        return self._attr_order

    def close(self) -> None:
        """Nothing to release: the snapshot holds no HDF5 id."""


class PropOCID(PropCreateID):
    """Object creation properties (datasets, named datatypes)."""


class PropDCID(PropOCID):
    """Dataset creation properties: from a dataset, the creation order;
    made by ``create(DATASET_CREATE)``, chunks and fill value to create one."""

    _chunk: tuple[int, ...] | None = None
    _fill: Any = None
    _fill_time: int = 2  # h5py.h5d.FILL_TIME_IFSET, HDF5's default

    def get_fill_time(self) -> int:
        """When unwritten elements get the fill value: h5py.h5d.FILL_TIME_*."""
        return self._fill_time

    def set_fill_time(self, fill_time: int) -> None:
        self._fill_time = int(fill_time)

    def set_chunk(self, chunks: tuple[int, ...]) -> None:
        self._chunk = tuple(int(c) for c in chunks)

    def get_chunk(self) -> tuple[int, ...] | None:
        return self._chunk

    def set_fill_value(self, value: Any) -> None:
        self._fill = np.asarray(value)

    def set_attr_creation_order(self, flags: int) -> None:
        self._attr_order = flags


class PropTCID(PropOCID):
    """Named datatype creation properties."""


class PropGCID(PropOCID):
    """Group creation properties."""

    def __init__(self, attr_order: int, link_order: int) -> None:
        super().__init__(attr_order)
        self._link_order = link_order

    def get_link_creation_order(self) -> int:
        """CRT_ORDER_TRACKED | CRT_ORDER_INDEXED bits for the group's links."""
        return self._link_order


class PropFCID(PropGCID):
    """File creation properties (those of the root group)."""


class PropClassID:
    """A property list class (h5py.h5p.DATASET_CREATE ...)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<h5py.h5p.{self.name}>"


DATASET_CREATE = PropClassID("DATASET_CREATE")


def create(cls: PropClassID) -> PropDCID:
    """A new property list of class ``cls``: only DATASET_CREATE."""
    if cls is not DATASET_CREATE:
        raise NotImplementedError(f"h5py.h5p.create({cls!r}) is not supported by h5async "
                                  "(only DATASET_CREATE)")
    return PropDCID()


def _create_plist(kind: str, link_order: int, attr_order: int,
                  fill_time: int = 2) -> PropCreateID:
    """Called by ObjectID.get_create_plist() with the flags its task read
    (and a dataset's fill time)."""
    if kind == "file":
        return PropFCID(attr_order, link_order)
    if kind == "group":
        return PropGCID(attr_order, link_order)
    if kind == "dataset":
        dcpl = PropDCID(attr_order)
        dcpl.set_fill_time(fill_time)
        return dcpl
    return PropTCID(attr_order)
