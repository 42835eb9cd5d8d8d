"""``h5py.version`` once h5async is installed as h5py: the same module as
``h5async.version`` except that ``version`` and ``version_tuple`` are the
h5py release whose API h5async follows, because clients compare them with
h5py releases.  h5async's own version is ``h5async_version``."""
from ..version import (_H5PY_VERSION_CLS, api_version, api_version_tuple,  # noqa: F401
                       hdf5_built_version_tuple, hdf5_version, hdf5_version_tuple,
                       h5py_version, h5py_version_tuple, info)
from ..version import version as h5async_version
from ..version import version_tuple as h5async_version_tuple  # noqa: F401

version = h5py_version
version_tuple = h5py_version_tuple

__doc__ = f"""\
This is h5async **{h5async_version}**, installed as h5py **{version}**

* HDF5 version: **{hdf5_version}**
* API compatibility: **{api_version}**
"""
