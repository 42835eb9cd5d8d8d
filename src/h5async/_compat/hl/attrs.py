"""``h5py._hl.attrs``: AttributeManager."""
from ..._hl import AttributeManager, Empty  # noqa: F401
from .. import unsupported_getattr

__getattr__ = unsupported_getattr("h5py._hl.attrs")
