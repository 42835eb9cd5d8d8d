"""``h5py._hl.files``: File."""
from ..._hl import File  # noqa: F401
from .. import unsupported_getattr

__getattr__ = unsupported_getattr("h5py._hl.files")

#: Whether HDF5's direct (O_DIRECT) driver is available: not with h5async.
direct_vfd = False

