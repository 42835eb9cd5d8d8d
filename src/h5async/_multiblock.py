"""``MultiBlockSlice``: h5py's extension of ``slice`` to HDF5's hyperslab
parameters (start, stride, count, block), as ``dset[MultiBlockSlice(...)]``
takes it on one axis.  The class only holds and checks the parameters;
the selection is built in C (src/ext/selection.c), which asks
``indices(length)`` for the four numbers."""


class MultiBlockSlice:
    """``count`` blocks of ``block`` elements, ``stride`` apart, from
    ``start``.  The defaults (start=0, stride=1, count=None, block=1)
    select the whole axis; count=None selects as many full blocks as fit."""

    # How src/ext/selection.c recognises it on an axis of an index.
    __h5async_multiblock__ = True

    def __init__(self, start: int = 0, stride: int = 1, count: int | None = None,
                 block: int = 1) -> None:
        if start < 0:
            raise ValueError("Start can't be negative")
        if stride < 1 or (count is not None and count < 1) or block < 1:
            raise ValueError("Stride, count and block can't be 0 or negative")
        if block > stride:
            raise ValueError("Blocks will overlap if block > stride")
        self.start = start
        self.stride = stride
        self.count = count
        self.block = block

    def indices(self, length: int) -> tuple[int, int, int, int]:
        """(start, stride, count, block) for an axis of ``length``;
        ValueError if the blocks do not fit in it."""
        if self.count is None:
            count = (length - self.start - self.block) // self.stride + 1
            if count < 1:
                raise ValueError(f"No full blocks can be selected using {self._repr()} "
                                 f"on dimension of length {length}")
        else:
            count = self.count
        end_index = self.start + self.block + (count - 1) * self.stride - 1
        if end_index >= length:
            raise ValueError(f"{self._repr(count)} range ({self.start} - {end_index}) "
                             f"extends beyond maximum index ({length - 1})")
        return self.start, self.stride, count, self.block

    def _repr(self, count: int | None = None) -> str:
        if count is None:
            count = self.count
        return (f"{type(self).__name__}(start={self.start}, stride={self.stride}, "
                f"count={count}, block={self.block})")

    def __repr__(self) -> str:
        return self._repr()
