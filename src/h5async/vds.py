"""Virtual datasets, as h5py's ``h5py._hl.vds``: ``VirtualSource`` names a
source dataset (by file and path, or a ``Dataset``) and, sliced once, the
part of it to use; ``VirtualLayout`` collects which part of the virtual
dataset each source fills; ``Group.create_virtual_dataset(name, layout)``
creates it.  These classes only hold names, shapes and index keys: the
selections are parsed in C at creation (src/ext/vds.c) and the mappings
set by the creating task (src/core/ops_vds.c), queued like
``create_dataset``.  Reading a virtual dataset is reading a dataset."""
import contextlib
import copy
import os
from collections import namedtuple
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

#: Virtual datasets are supported (h5py's flag, for HDF5 >= 1.9.233).
vds_support = True

#: h5py's unlimited extent (h5s.UNLIMITED) in maxshapes.
UNLIMITED = 2**64 - 1


class VDSmap(namedtuple("VDSmap", ("vspace", "file_name", "dset_name", "src_space"))):
    """One mapping of a virtual dataset, as ``Dataset.virtual_sources()``
    lists them.  ``vspace`` and ``src_space`` are h5py's low-level
    dataspace ids, which h5async does not have: they are None."""


def _selection_shape(shape: tuple[int, ...], key: Any) -> tuple[int, ...]:
    """The shape numpy indexing gives `key` on an array of `shape`, without
    allocating it (every element shares one byte)."""
    view = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=shape,
                                           strides=(0,) * len(shape))
    return tuple(np.shape(view[key]))


def _refuse_unlimited(key: Any) -> None:
    """h5py maps ``slice(..., h5s.UNLIMITED)`` as a selection that grows
    with the source; h5async does not (it would silently clip)."""
    for k in key if isinstance(key, tuple) else (key,):
        if isinstance(k, slice) and k.stop == UNLIMITED:
            raise NotImplementedError("unlimited virtual dataset mappings "
                                      "(a slice to h5py.h5s.UNLIMITED) are not supported by h5async")


def _encode(name: Any) -> bytes:
    return os.fsencode(name)


class VirtualSource:
    """A source dataset: ``VirtualSource(path, name, shape, dtype=None,
    maxshape=None)`` or ``VirtualSource(dataset)``.  ``src[key]`` selects
    the part to map (once)."""

    def __init__(self, path_or_dataset: Any, name: str | None = None,
                 shape: int | tuple[int, ...] | None = None, dtype: npt.DTypeLike | None = None,
                 maxshape: int | tuple[int | None, ...] | None = None) -> None:
        from ._hl import Dataset
        if isinstance(path_or_dataset, Dataset):
            failed = {k: v for k, v in {"name": name, "shape": shape, "dtype": dtype,
                                        "maxshape": maxshape}.items() if v is not None}
            if failed:
                raise TypeError("If a Dataset is passed as the first argument then no other "
                                f"arguments may be passed.  You passed {failed}")
            ds = path_or_dataset
            path, name, shape = ds.file.filename, ds.name, ds.shape
            dtype, maxshape = ds.dtype, ds.maxshape
        else:
            path = path_or_dataset
            if name is None:
                raise TypeError("The name parameter is required when specifying a source by path")
            if shape is None:
                raise TypeError("The shape parameter is required when specifying a source by path")
            if isinstance(shape, int):
                shape = (shape,)
            if isinstance(maxshape, int):
                maxshape = (maxshape,)
        assert shape is not None
        self.path = path
        self.name = name
        self.dtype = dtype
        self.src_shape = tuple(shape)
        self.maxshape = self.src_shape if maxshape is None else tuple(
            UNLIMITED if m is None else m for m in maxshape)
        self.key: Any = ...
        self._all_selected = True

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the selected part."""
        return _selection_shape(self.src_shape, self.key)

    def __getitem__(self, key: Any) -> "VirtualSource":
        if not self._all_selected:
            raise RuntimeError("VirtualSource objects can only be sliced once.")
        _refuse_unlimited(key)
        _selection_shape(self.src_shape, key)  # IndexError/TypeError now, as h5py
        tmp = copy.copy(self)
        tmp.key = key
        tmp._all_selected = False
        return tmp


class VirtualLayout:
    """The virtual dataset to build: ``layout[key] = source`` maps a source's
    selection onto the part ``key`` of a dataset of ``shape`` and
    ``dtype``.  ``filename``: the file it will be created in, if known (a
    source in that same file is then stored as '.', as h5py does)."""

    def __init__(self, shape: int | tuple[int, ...], dtype: npt.DTypeLike,
                 maxshape: int | tuple[int | None, ...] | None = None,
                 filename: Any = None) -> None:
        self.shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.dtype = dtype
        self.maxshape = (maxshape,) if isinstance(maxshape, int) else maxshape
        self._filename = filename
        self._maps: list[tuple[Any, bytes, VirtualSource]] = []

    def __setitem__(self, key: Any, source: VirtualSource) -> None:
        _refuse_unlimited(key)
        if int(np.prod(_selection_shape(self.shape, key))) != int(np.prod(source.shape)):
            raise ValueError("the virtual selection and the source selection select a "
                             "different number of elements")
        self._maps.append((key, _encode(source.path), source))

    def _mappings(self, dst_filename: Any) -> list[tuple[Any, ...]]:
        """The (vkey, file, dset, shape, maxshape, skey) tuples the C
        creation takes; sources in the destination file become '.'."""
        dst = _encode(dst_filename)
        if self._filename is not None and dst != _encode(self._filename):
            raise Exception(f"{dst!r} != {self._filename!r}")
        out = []
        for key, path, src in self._maps:
            maxshape = tuple(None if m == UNLIMITED else m for m in src.maxshape)
            out.append((key, b"." if path == dst else path, src.name, src.src_shape,
                        maxshape, src.key))
        return out


def layout_dtype(layout: VirtualLayout) -> Any:
    """The dtype to create a layout's dataset with (a Datatype's own)."""
    from ._hl import Datatype
    return layout.dtype.dtype if isinstance(layout.dtype, Datatype) else layout.dtype


@contextlib.contextmanager
def build(group: Any, name: Any, shape: Any, dtype: Any, maxshape: Any,
          fillvalue: Any) -> Iterator[VirtualLayout]:
    """Group.build_virtual_dataset: yield a layout, then create it."""
    layout = VirtualLayout(shape, dtype, maxshape, group.file.filename)
    yield layout
    group.create_virtual_dataset(name, layout, fillvalue)
