"""h5async: truly asynchronous HDF5 I/O with h5py's API.

Every operation takes ``es=EventSet``; a file opened with ``es=`` uses it as
the default for all its objects, so plain h5py code becomes asynchronous::

    import h5async as h5py
    es = h5py.EventSet()
    f = h5py.File("out.h5", "w", es=es)
    f["x"] = data          # queued on the I/O thread, returns at once
    es.wait()              # raises EventSetError if anything failed
"""
import atexit as _atexit

from . import _aio, _h5async  # noqa: F401  (_aio makes es and futures awaitable)
from ._h5async import DependencyError, EventSet, EventSetError, Future, set_staging_limit, stats
from ._dtypes import check_enum_dtype, check_string_dtype, enum_dtype, string_dtype
from . import trace
from ._h5async import emulate_storage
from ._hl import (AttributeManager, Dataset, Empty, ExternalLink, File, Group, HardLink,
                  SoftLink)

Eventset = EventSet  # the prior fork's spelling

__version__ = "0.1.0"
hdf5_version = ".".join(str(v) for v in _h5async.hdf5_version())
version = f"h5async {__version__} (HDF5 {hdf5_version})"


def drain():
    """Wait until every operation submitted so far, in any event set, is done."""
    _h5async.drain()


# Data submitted and never waited for still reaches the disk: drain the
# queue and close open files before the interpreter goes away.
_atexit.register(_h5async.shutdown)

__all__ = [
    "AttributeManager", "Dataset", "DependencyError", "Empty", "EventSet", "ExternalLink",
    "HardLink", "SoftLink",
    "EventSetError", "Eventset", "File", "Future", "Group", "drain", "hdf5_version",
    "set_staging_limit", "stats", "version", "string_dtype", "check_string_dtype",
    "enum_dtype", "check_enum_dtype", "emulate_storage", "trace",
]
