"""``h5py._hl.compat``: file-name encoding helpers, as h5py spells them."""
import os

from .. import unsupported_getattr

__getattr__ = unsupported_getattr("h5py._hl.compat")


def filename_encode(filename: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> bytes:
    """A file name as the file system's bytes."""
    return os.fsencode(filename)


def filename_decode(filename: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A file name as str (undecodable bytes as surrogate escapes)."""
    return os.fsdecode(filename)
