"""Loaded at interpreter start when tests/compat/site is on PYTHONPATH.

H5COMPAT_TARGET=h5async: `import h5py` resolves to h5async (install_as_h5py)
in this process and, through the inherited environment, in every
subprocess the tests start.  H5COMPAT_TARGET=h5py (or unset): the real h5py.

H5COMPAT_H5PY_TESTS=<dir> (h5py's own test suite): <dir> is an unedited
copy of the sdist's h5py/tests, laid out as <root>/h5py/tests so that pytest
names its modules h5py.tests.test_*; `h5py.tests` and its submodules are
served from there whichever h5py is active, so the tests' relative imports
(`from .. import h5t`, `from .common import ...`) reach the active h5py.
Under h5async, `h5py._objects` offers only `phil`, because h5py's
tests/common.py imports it at module level and without it no test module
imports at all; and h5async's Dataset gets a `_fast_reader` whose read(sel)
is dset[sel], because common.py's assertNumpyBehavior, after comparing
dset[sel] with numpy, compares h5py's internal fast reader too (the same
read, reimplemented).  The test files themselves are never edited.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types

_TARGET = os.environ.get("H5COMPAT_TARGET", "h5py")
_TESTS = os.environ.get("H5COMPAT_H5PY_TESTS")


class _H5pyTestsFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name == "h5py.tests":
            return importlib.util.spec_from_file_location(
                name, os.path.join(_TESTS, "__init__.py"),
                submodule_search_locations=[_TESTS])
        if name.startswith("h5py.tests."):
            parent = sys.modules[name.rpartition(".")[0]]
            return importlib.machinery.PathFinder.find_spec(name, parent.__path__)
        if name == "h5py._objects" and _TARGET == "h5async":
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        mod = types.ModuleType(spec.name)
        from h5async._compat.hl.base import phil
        mod.phil = phil
        return mod

    def exec_module(self, module):
        pass


if _TARGET == "h5async":
    # Python reports and then ignores an exception in sitecustomize: a
    # missing h5async would silently measure the real h5py.  Exit instead.
    try:
        import h5async
        h5async.install_as_h5py()
    except Exception as exc:
        raise SystemExit(f"tests/compat: cannot install h5async as h5py: {exc!r}")
if _TESTS:
    import h5py  # the real one or the alias, before pytest puts the copy's root first
    sys.meta_path.insert(0, _H5pyTestsFinder())
    if _TARGET == "h5async" and not hasattr(h5py.Dataset, "_fast_reader"):
        class _FastReader:
            def __init__(self, dset):
                self._dset = dset

            def read(self, sel):
                return self._dset[sel]

        h5py.Dataset._fast_reader = property(_FastReader)
