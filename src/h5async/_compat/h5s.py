"""``h5py.h5s``: dataspaces as h5py's low-level ``h5d.create`` and
``h5a.create`` take them.  A SpaceID here is a description (shape and
maximum shape) that those calls hand to the high-level creation; it holds
no HDF5 id.  Selections on it (``select_hyperslab`` ...) are not provided:
asking raises an AttributeError that names them."""
from . import unsupported_getattr

__getattr__ = unsupported_getattr("h5py.h5s")

SCALAR, SIMPLE, NULL = 0, 1, 2
UNLIMITED = 2**64 - 1


class SpaceID:
    """A dataspace: ``shape`` (``()`` for a scalar) and ``maxshape``
    (``None`` for an unlimited axis)."""

    def __init__(self, shape: tuple[int, ...] | None,
                 maxshape: tuple[int | None, ...] | None = None) -> None:
        self.shape = shape
        self.maxshape = maxshape if maxshape is not None else shape

    def get_simple_extent_dims(self, maxdims: bool = False) -> tuple[int, ...] | None:
        if not maxdims:
            return self.shape
        if self.maxshape is None:
            return None
        return tuple(UNLIMITED if m is None else m for m in self.maxshape)

    def get_simple_extent_ndims(self) -> int:
        return len(self.shape or ())

    def close(self) -> None:
        """Nothing to release."""


# h5s.ALL: "the whole dataspace" in h5py's low-level read/write calls.
ALL = SpaceID(None)


def create(kind: int) -> SpaceID:
    """A scalar or null dataspace (``create(SCALAR)``, ``create(NULL)``)."""
    if kind == SCALAR:
        return SpaceID(())
    if kind == NULL:
        return SpaceID(None)
    raise NotImplementedError("h5py.h5s.create(SIMPLE) is not supported by h5async: "
                              "use h5py.h5s.create_simple(shape)")


def create_simple(dims: tuple[int, ...], max_dims: tuple[int, ...] | None = None) -> SpaceID:
    """A simple dataspace of ``dims``; ``UNLIMITED`` in ``max_dims`` is
    unlimited."""
    shape = tuple(int(d) for d in dims)
    maxshape = None if max_dims is None else tuple(
        None if m == UNLIMITED else int(m) for m in max_dims)
    return SpaceID(shape, maxshape)
