"""Modules that play h5py's submodules once ``install_as_h5py()`` has run:
``h5py.version``, ``h5py.h5``, ``h5py.h5t``, ``h5py.h5z``,
``h5py.h5py_warnings`` and ``h5py._hl.*``.  They hold only the names that
client libraries use at the Python level; asking one of them for anything
else raises an AttributeError that names it, so a gap is never mistaken for
a missing feature of the client's own."""
from collections.abc import Callable
from typing import NoReturn


def unsupported_getattr(modname: str) -> Callable[[str], NoReturn]:
    """A module ``__getattr__`` that names what h5async does not provide."""

    def __getattr__(name: str) -> NoReturn:
        if name.startswith("__"):  # protocol probes (__path__, __wrapped__...)
            raise AttributeError(f"module {modname!r} has no attribute {name!r}")
        raise AttributeError(f"{modname}.{name} is not supported by h5async")

    return __getattr__
