"""Versions of h5async and of the HDF5 library it runs on, shaped as h5py's
``h5py.version`` module so that code written for h5py reads it unchanged.

``version`` and ``version_tuple`` are h5async's own.  ``h5py_version`` is the
h5py release whose API h5async follows; ``install_as_h5py()`` reports it as
``h5py.__version__`` and ``h5py.version.version``, because client libraries
compare that number against h5py releases to choose code paths.
"""
import sys
from collections import namedtuple

import numpy

from . import _h5async

_H5PY_VERSION_CLS = namedtuple("_H5PY_VERSION_CLS", "major minor bugfix pre post dev")


def _parse(text: str) -> _H5PY_VERSION_CLS:
    """'3.16.0' -> _H5PY_VERSION_CLS(3, 16, 0, None, None, None), as h5py does."""
    head, _, pre = text.partition("-")
    major, minor, bugfix = (int(x) for x in head.split(".")[:3])
    return _H5PY_VERSION_CLS(major, minor, bugfix, pre or None, None, None)


version = "0.1.0"
version_tuple = _parse(version)

h5py_version = "3.16.0"
h5py_version_tuple = _parse(h5py_version)

hdf5_version_tuple = tuple(_h5async.hdf5_version())
hdf5_version = "%d.%d.%d" % hdf5_version_tuple
# The extension does not record the headers it was compiled with; it
# reports the library it runs on for both.
hdf5_built_version_tuple = hdf5_version_tuple

# h5py's API compatibility level: the HDF5 API h5py's low-level layer is
# written against.  h5async has no low-level layer; it reports h5py's value.
api_version_tuple = (1, 8)
api_version = "%d.%d" % api_version_tuple

info = f"""\
Summary of the h5async configuration
------------------------------------

h5async {version} (h5py API {h5py_version})
HDF5    {hdf5_version}
Python  {sys.version}
sys.platform    {sys.platform}
sys.maxsize     {sys.maxsize}
numpy   {numpy.__version__}
"""

__doc__ = f"""\
This is h5async **{version}**, following h5py **{h5py_version}**

* HDF5 version: **{hdf5_version}**
"""
