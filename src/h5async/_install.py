"""install_as_h5py(): make ``import h5py`` resolve to h5async.

``sys.modules["h5py"]`` becomes a small module that forwards every name to
h5async, so ``h5py.File is h5async.File``; it differs from h5async only
where h5py's clients need it to: ``__version__`` and ``version`` report the
h5py release h5async follows, and it is a package, so ``import h5py.x``
comes to the finder below.  The finder serves the submodules in
``_SUBMODULES`` and refuses every other ``h5py.*`` name with an ImportError
that names it, rather than letting the real h5py's files load half-way.

Nothing here runs at ``import h5async``: a process that imports the real
h5py (h5async's own tests do, to compare) is not affected unless it asks.
"""
import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from typing import Any

_SUBMODULES = {
    "version": "h5async._compat.version",
    "h5": "h5async._compat.h5",
    "h5t": "h5async._compat.h5t",
    "h5z": "h5async._compat.h5z",
    "h5p": "h5async._compat.h5p",
    "h5s": "h5async._compat.h5s",
    "h5d": "h5async._compat.h5d",
    "h5a": "h5async._compat.h5a",
    "h5f": "h5async._compat.h5f",
    "h5ds": "h5async.h5ds",
    "h5py_warnings": "h5async._compat.h5py_warnings",
    "_hl": "h5async._compat.hl",
    "_hl.base": "h5async._compat.hl.base",
    "_hl.dataset": "h5async._compat.hl.dataset",
    "_hl.datatype": "h5async._compat.hl.datatype",
    "_hl.group": "h5async._compat.hl.group",
    "_hl.files": "h5async._compat.hl.files",
    "_hl.filters": "h5async._compat.hl.filters",
    "_hl.attrs": "h5async._compat.hl.attrs",
    "_hl.compat": "h5async._compat.hl.compat",
    "_hl.dims": "h5async.dims",
    "_hl.vds": "h5async._compat.hl.vds",
}

# h5py's compiled low-level modules and internals, named in the error.
_LOW_LEVEL = {"h5ac", "h5fd", "h5g", "h5i", "h5l", "h5o",
              "h5pl", "h5r", "defs", "utils", "_conv", "_errors", "_objects",
              "_proxy", "_selector", "_npystrings"}


def _unsupported(name: str) -> str:
    what = name.split(".", 1)[1]
    reason = ("h5py's low-level API, which h5async does not have; use the high-level "
              "classes" if what.split(".")[0] in _LOW_LEVEL else "not implemented")
    return f"{name} is not supported by h5async ({reason})"


class _H5pyModule(types.ModuleType):
    """The module ``import h5py`` returns: h5async under h5py's name."""

    def __getattr__(self, name: str) -> Any:
        if name in _SUBMODULES:
            return importlib.import_module("h5py." + name)
        if name == "filters":  # h5py/__init__.py: from ._hl import filters
            return importlib.import_module("h5py._hl.filters")
        if name.startswith("__"):
            raise AttributeError(f"module 'h5py' has no attribute {name!r}")
        h5async = sys.modules["h5async"]
        try:
            return getattr(h5async, name)
        except AttributeError:
            raise AttributeError(f"h5py.{name} is not supported by h5async") from None

    def __dir__(self) -> list[str]:
        names = set(dir(sys.modules["h5async"])) | set(self.__dict__)
        return sorted(names | {n for n in _SUBMODULES if "." not in n})


class _AliasLoader(importlib.abc.Loader):
    """Hands out an already imported h5async module under an h5py name."""

    def __init__(self, target: str) -> None:
        self._target = target
        self._own_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(self._target)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # module_from_spec() stamped the h5py spec on h5async's module; put
        # its own back so that it stays importable and reloadable as itself.
        module.__spec__ = self._own_spec


class _H5pyFinder(importlib.abc.MetaPathFinder):
    """Answers every import of ``h5py.*`` while h5async is installed as h5py."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith("h5py."):
            return None
        sub = fullname[len("h5py."):]
        if sub not in _SUBMODULES:
            raise ModuleNotFoundError(_unsupported(fullname))
        target_name = _SUBMODULES[sub]
        is_pkg = hasattr(importlib.import_module(target_name), "__path__")
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(target_name),
                                              is_package=is_pkg)


_finder = _H5pyFinder()

# The h5py module each high-level class lives in.  Clients dispatch on it:
# h5netcdf reads a type through `obj.id` only when
# `type(obj).__module__.startswith("h5py.")` (else h5pyd's or pyfive's way).
_CLASS_MODULES = {
    "File": "h5py._hl.files",
    "Group": "h5py._hl.group",
    "Dataset": "h5py._hl.dataset",
    "Datatype": "h5py._hl.datatype",
    "AttributeManager": "h5py._hl.attrs",
    "HLObject": "h5py._hl.base",
    "Empty": "h5py._hl.base",
}


def installed() -> bool:
    """True if ``import h5py`` gives h5async in this process."""
    return isinstance(sys.modules.get("h5py"), _H5pyModule)


def install_as_h5py() -> types.ModuleType:
    """Make ``import h5py`` (and its submodules that clients import) give
    h5async from now on in this process.  Call it before the libraries that
    import h5py; a real h5py already imported cannot be replaced (its
    classes are held by whoever imported it), so that raises RuntimeError."""
    if installed():
        return sys.modules["h5py"]
    old = sys.modules.get("h5py")
    if old is not None:
        raise RuntimeError("install_as_h5py() must run before h5py is imported: the real "
                           f"h5py ({getattr(old, '__file__', old)}) is already loaded")
    import h5async
    from ._compat import version as h5py_version_module

    mod = _H5pyModule("h5py", h5async.__doc__)
    mod.__file__ = h5async.__file__
    mod.__path__ = []  # a package: imports of h5py.x come to _finder
    mod.__package__ = "h5py"
    mod.__spec__ = importlib.machinery.ModuleSpec("h5py", None, is_package=True)
    mod.__spec__.submodule_search_locations = []
    # Not declared on _H5pyModule: class annotations would become the
    # module's __annotations__ (ModuleType looks them up on the class).
    mod.__version__ = h5py_version_module.version  # type: ignore[attr-defined]
    mod.version = h5py_version_module  # type: ignore[attr-defined]
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    # The classes take h5py's module names (repr and pickling find them
    # there too: each h5py._hl module above holds its class).
    for cls_name, module_name in _CLASS_MODULES.items():
        getattr(h5async, cls_name).__module__ = module_name
    sys.modules["h5py"] = mod
    sys.modules["h5py.version"] = h5py_version_module
    return mod
