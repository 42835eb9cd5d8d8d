"""``h5py._hl``: the modules of h5py's high-level layer that client code
imports classes from (``from h5py._hl.dataset import Dataset``)."""
from .. import unsupported_getattr
from . import attrs, base, dataset, datatype, files, group  # noqa: F401

__getattr__ = unsupported_getattr("h5py._hl")
