"""``h5py._hl.vds``: virtual datasets (h5async.vds)."""
from ...vds import VDSmap, VirtualLayout, VirtualSource, vds_support  # noqa: F401
from .. import unsupported_getattr

__getattr__ = unsupported_getattr("h5py._hl.vds")
