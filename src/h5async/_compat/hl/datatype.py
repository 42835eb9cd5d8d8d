"""``h5py._hl.datatype``: Datatype, the committed (named) type."""
from ..._hl import Datatype  # noqa: F401
from .. import unsupported_getattr

__getattr__ = unsupported_getattr("h5py._hl.datatype")
