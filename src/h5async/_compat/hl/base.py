"""``h5py._hl.base``: the shared base class and helpers."""
import os
import threading
from collections.abc import Iterable, Mapping, MutableMapping

from ..._hl import Empty, HLObject  # noqa: F401
from .. import unsupported_getattr

__getattr__ = unsupported_getattr("h5py._hl.base")

# h5py serialises every call with one global lock, `phil`; clients take it
# around sequences of calls.  h5async needs no such lock (the engine orders
# everything), so this is a plain re-entrant lock that guards nothing else.
phil = threading.RLock()

_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def is_hdf5(fname: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> bool:
    """True if `fname` is an HDF5 file: its superblock signature is at byte
    0, 512, 1024, 2048... (after a user block), as HDF5 searches it."""
    fname = os.path.abspath(os.fspath(fname))
    if not os.path.isfile(fname):
        return False
    size = os.path.getsize(fname)
    with open(fname, "rb") as fh:
        offset = 0
        while offset + len(_SIGNATURE) <= size:
            fh.seek(offset)
            if fh.read(len(_SIGNATURE)) == _SIGNATURE:
                return True
            offset = 512 if offset == 0 else offset * 2
    return False


def is_empty_dataspace(obj: object) -> bool:
    """Whether `obj` (a dataset or its ObjectID) has a null dataspace."""
    return getattr(obj, "shape", None) is None


def product(nums: Iterable[int]) -> int:
    """The product of a sequence of integers (a shape's size)."""
    prod = 1
    for n in nums:
        prod *= n
    return prod


# h5py's mapping bases of Group and AttributeManager; ours are the
# collections.abc classes themselves, so isinstance checks hold.
MappingHDF5 = Mapping
MutableMappingHDF5 = MutableMapping
