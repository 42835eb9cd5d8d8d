"""``h5py._hl.group``: Group and the link classes."""
from ..._hl import ExternalLink, Group, HardLink, SoftLink  # noqa: F401
from .. import unsupported_getattr

__getattr__ = unsupported_getattr("h5py._hl.group")
