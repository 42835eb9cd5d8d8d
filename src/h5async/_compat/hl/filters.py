"""``h5py._hl.filters`` (also ``h5py.filters``): which compression filters
can be written (``encode``) and read (``decode``), as clients and tests
check them (``'gzip' in h5py.filters.encode``).  h5async writes the filters
``create_dataset`` takes; it reads whatever the linked HDF5 can decode, and
the names listed are those h5py lists that h5async writes.  The helpers
that fill a low-level creation property list (``fill_dcpl``...) are not
provided: asking raises an AttributeError that names them."""
from .. import unsupported_getattr

__getattr__ = unsupported_getattr("h5py._hl.filters")

#: Filters create_dataset writes (compression='gzip', shuffle, fletcher32).
encode: tuple[str, ...] = ("gzip", "lzf", "shuffle", "fletcher32", "scaleoffset")
#: Filters a dataset may use and still be read.
decode: tuple[str, ...] = encode
