"""``h5py._hl.files``: File."""
from ..._hl import File  # noqa: F401
from .. import unsupported_getattr

__getattr__ = unsupported_getattr("h5py._hl.files")

#: Whether HDF5's direct (O_DIRECT) driver is available: not with h5async.
direct_vfd = False


from .._unsupported_fn import unsupported_fn  # noqa: E402

# h5py's table of driver name -> function(fapl, **kwds) that sets the driver
# on a low-level file access property list.  h5async sets its drivers in C
# from File(driver=...); the names are here so that code importing the table
# imports, and calling an entry (which needs a low-level plist) says so.
_drivers = {name: unsupported_fn(f"h5py._hl.files._drivers[{name!r}]")
            for name in ("sec2", "stdio", "core", "family", "mpio", "fileobj", "split")}
