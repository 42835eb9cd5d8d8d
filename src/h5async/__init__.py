"""h5async: truly asynchronous HDF5 I/O with h5py's API.

Every operation takes ``es=EventSet``; a file opened with ``es=`` uses it as
the default for all its objects, so plain h5py code becomes asynchronous::

    import h5async as h5py
    es = h5py.EventSet()
    f = h5py.File("out.h5", "w", es=es)
    f["x"] = data          # queued on the I/O thread, returns at once
    es.wait()              # raises EventSetError if anything failed

``install_as_h5py()`` makes ``import h5py`` give h5async, and implicit mode
(``H5ASYNC_IMPLICIT=1`` or ``set_implicit(True)``) gives every file opened
for writing a default event set: see docs/compat.md.
"""
import atexit as _atexit
import importlib.util as _ilu
import os as _os

from . import _aio, _h5async  # noqa: F401  (_aio makes es and futures awaitable)
from ._h5async import (DependencyError, EventSet, EventSetError, Future, Reference,
                       RegionReference, get_threads, set_staging_limit, set_threads, stats)
from ._dtypes import (check_dtype, check_enum_dtype, check_opaque_dtype, check_ref_dtype,
                      check_string_dtype, check_vlen_dtype, enum_dtype, opaque_dtype,
                      ref_dtype, regionref_dtype, special_dtype, string_dtype, string_info,
                      vlen_dtype)
from . import trace
from ._h5async import emulate_storage
from ._hl import (AttributeManager, Dataset, Datatype, Empty, ExternalLink, File, Group,
                  HardLink, HLObject, SoftLink)
from . import version
from . import dims, h5ds  # noqa: F401  (h5py.h5ds; Dataset.dims)
from ._compat.h5 import get_config
from ._compat.hl.base import is_hdf5
from ._implicit import is_implicit, set_implicit
from ._install import install_as_h5py
from ._multiblock import MultiBlockSlice
from .vds import UNLIMITED, VirtualLayout, VirtualSource

Eventset = EventSet  # the prior fork's spelling

__version__ = version.version
hdf5_version = version.hdf5_version


def drain() -> None:
    """Wait until every operation submitted so far, in any event set, is done."""
    _h5async.drain()


def _bitshuffle_libraries() -> list[str]:
    """Where the bitshuffle filter's library may be: in HDF5_PLUGIN_PATH's
    directories, then hdf5plugin's.  hdf5plugin is found, not imported
    (importing it imports h5py, which may load another HDF5)."""
    dirs = _os.environ.get("HDF5_PLUGIN_PATH", "").split(_os.pathsep)
    try:
        spec = _ilu.find_spec("hdf5plugin")
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        dirs += [_os.path.join(d, "plugins") for d in spec.submodule_search_locations or ()]
    return [_os.path.join(d, "libh5bshuf.so") for d in dirs if d]


_h5async._set_bitshuffle_paths(_bitshuffle_libraries())

# Data submitted and never waited for still reaches the disk: drain the
# queue and close open files before the interpreter goes away.
_atexit.register(_h5async.shutdown)

# Read once, at import (after the handler above, so that implicit mode's
# exit report runs while the engine still does).
if _os.environ.get("H5ASYNC_IMPLICIT", "0") not in ("", "0"):
    set_implicit(True)

__all__ = [
    "string_info",
    "AttributeManager", "Dataset", "DependencyError", "Empty", "EventSet", "ExternalLink",
    "HardLink", "SoftLink",
    "EventSetError", "Eventset", "File", "Future", "Group", "drain", "hdf5_version",
    "set_staging_limit", "stats", "version", "string_dtype", "check_string_dtype",
    "set_threads", "get_threads",
    "enum_dtype", "check_enum_dtype", "emulate_storage", "trace",
    "HLObject", "get_config", "install_as_h5py", "set_implicit", "is_implicit", "is_hdf5",
    "check_dtype", "special_dtype", "vlen_dtype", "check_vlen_dtype", "opaque_dtype",
    "check_opaque_dtype", "check_ref_dtype", "Reference", "ref_dtype", "Datatype",
    "RegionReference", "regionref_dtype", "MultiBlockSlice",
    "VirtualLayout", "VirtualSource", "UNLIMITED",
]
