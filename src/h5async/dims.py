"""Dimension scales as h5py's ``Dataset.dims`` has them (h5py/_hl/dims.py):
``d.dims[i]`` is a DimensionProxy for axis i, with its label and the
scales attached to it.  Everything goes through ``h5async.h5ds``, which
writes the attributes HDF5's H5DS library writes: see that module.

Reading (labels, scales, names) waits for its own tasks; attaching,
detaching and setting a label are queued on ``es`` (default: the file's
default event set), and later reads see them in submission order.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

from . import _h5async, h5ds
from ._compat.h5py_warnings import H5pyDeprecationWarning
from ._hl import DEFAULT, Dataset, _wrap

if TYPE_CHECKING:
    from ._h5async import ESArg

__all__ = ["DimensionManager", "DimensionProxy"]


def _dataset(oid: _h5async.ObjectID) -> Dataset:
    obj = _wrap(oid)
    if not isinstance(obj, Dataset):
        raise TypeError(f"dimension scale {oid.path} is not a dataset")
    return obj


def _text(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")


class DimensionProxy:
    """One dimension (axis) of a dataset: its label and its scales, a
    mapping of scale name to scale Dataset that is also indexable by
    position (``dim[0]`` is the first scale attached)."""

    def __init__(self, dset: Dataset, dimension: int) -> None:
        self._dset = dset
        self._id = dset.id
        self._dimension = dimension

    @property
    def label(self) -> str:
        """The label of this dimension ("" when none).  Waits."""
        return _text(h5ds.get_label(self._id, self._dimension))

    @label.setter
    def label(self, value: str | bytes) -> None:
        h5ds.set_label(self._id, self._dimension, value)

    def set_label(self, value: str | bytes, es: ESArg = DEFAULT) -> None:
        """Set the label with an explicit event set (``label = x`` uses the
        file's default)."""
        h5ds.set_label(self._id, self._dimension, value, es=es)

    def attach_scale(self, dset: Dataset, es: ESArg = DEFAULT) -> None:
        """Attach the dataset `dset` as a scale of this dimension; it
        becomes a dimension scale if it is not one."""
        h5ds.attach_scale(self._id, dset.id, self._dimension, es=es)

    def detach_scale(self, dset: Dataset, es: ESArg = DEFAULT) -> None:
        """Detach the scale `dset` from this dimension (RuntimeError if it
        is not attached)."""
        h5ds.detach_scale(self._id, dset.id, self._dimension, es=es)

    def _scales(self) -> list[_h5async.ObjectID]:
        scales: list[_h5async.ObjectID] = []
        if len(self):
            h5ds.iterate(self._id, self._dimension, scales.append, 0)
        return scales

    def __getitem__(self, item: int | str | bytes) -> Dataset:
        """The scale at position `item`, or the scale named `item`
        (KeyError if none).  As h5py, a position on a dimension without
        scales raises RuntimeError."""
        if isinstance(item, int):
            scales: list[_h5async.ObjectID] = []
            h5ds.iterate(self._id, self._dimension, scales.append, 0)
            return _dataset(scales[item])
        name = item if isinstance(item, bytes) else item.encode("utf-8")
        for oid in self._scales():
            if h5ds.get_scale_name(oid) == name:
                return _dataset(oid)
        raise KeyError(item)

    def items(self) -> list[tuple[str, Dataset]]:
        """(name, Dataset) of every scale on this dimension."""
        return [(_text(h5ds.get_scale_name(oid)), _dataset(oid)) for oid in self._scales()]

    def keys(self) -> list[str]:
        """The names of the scales on this dimension."""
        return [name for name, _ in self.items()]

    def values(self) -> list[Dataset]:
        """The scales on this dimension."""
        return [dset for _, dset in self.items()]

    def __iter__(self) -> Iterator[str]:
        """The scale names, as h5py iterates them."""
        yield from self.keys()

    def __len__(self) -> int:
        """The number of scales attached.  Waits."""
        return h5ds.get_num_scales(self._id, self._dimension)

    def __hash__(self) -> int:
        return hash((type(self), self._id, self._dimension))

    def __eq__(self, other: object) -> bool:
        return hash(self) == hash(other)

    def __repr__(self) -> str:
        if not self._id.valid:
            return "<Dimension of closed HDF5 dataset>"
        return f'<"{self.label}" dimension {self._dimension} of HDF5 dataset at {id(self._id)}>'


class DimensionManager:
    """The dimensions of a dataset (``d.dims``): ``len()`` is its rank,
    ``dims[i]`` a DimensionProxy."""

    def __init__(self, parent: Dataset) -> None:
        self._dset = parent
        self._id = parent.id

    def __getitem__(self, index: int) -> DimensionProxy:
        """The dimension `index` (0 <= index < rank, else IndexError)."""
        if not 0 <= index < len(self):
            raise IndexError("Index out of range")
        return DimensionProxy(self._dset, index)

    def __len__(self) -> int:
        return self._id.ndim

    def __iter__(self) -> Iterator[DimensionProxy]:
        for i in range(len(self)):
            yield self[i]

    def create_scale(self, dset: Dataset, name: str | bytes = "",
                     es: ESArg = DEFAULT) -> None:
        """Deprecated in h5py: make `dset` a dimension scale named `name`
        (use ``dset.make_scale(name)``)."""
        warnings.warn("other_ds.dims.create_scale(ds, name) is deprecated. "
                      "Use ds.make_scale(name) instead.", H5pyDeprecationWarning, stacklevel=2)
        h5ds.set_scale(dset.id, name, es=es)

    def __repr__(self) -> str:
        if not self._id.valid:
            return "<Dimensions of closed HDF5 dataset>"
        return f"<Dimensions of HDF5 object at {id(self._id)}>"
