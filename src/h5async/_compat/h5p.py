"""``h5py.h5p``: the creation-order flags and the read-only view of an
object's creation properties that ``obj.id.get_create_plist()`` returns.

h5py's property lists are live HDF5 objects with ~150 methods; clients read
only a few creation properties through them (h5netcdf:
``group.id.get_create_plist().get_attr_creation_order() & CRT_ORDER_TRACKED``).
Here a property list is a snapshot of those flags, taken by one task when
``get_create_plist()`` is called.  Creating property lists (``h5p.create``)
and the other ``h5p`` functions are not provided: asking for them raises an
AttributeError that names them."""
from . import unsupported_getattr

__getattr__ = unsupported_getattr("h5py.h5p")

CRT_ORDER_TRACKED = 0x0001
CRT_ORDER_INDEXED = 0x0002


class PropCreateID:
    """Creation properties of an object (a snapshot)."""

    def __init__(self, attr_order: int) -> None:
        self._attr_order = attr_order

    def get_attr_creation_order(self) -> int:
        """CRT_ORDER_TRACKED | CRT_ORDER_INDEXED bits for the object's attributes."""
        return self._attr_order

    def close(self) -> None:
        """Nothing to release: the snapshot holds no HDF5 id."""


class PropOCID(PropCreateID):
    """Object creation properties (datasets, named datatypes)."""


class PropDCID(PropOCID):
    """Dataset creation properties."""


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


def _create_plist(kind: str, link_order: int, attr_order: int) -> PropCreateID:
    """Called by ObjectID.get_create_plist() with the flags its task read."""
    if kind == "file":
        return PropFCID(attr_order, link_order)
    if kind == "group":
        return PropGCID(attr_order, link_order)
    if kind == "dataset":
        return PropDCID(attr_order)
    return PropTCID(attr_order)
