"""``h5py._hl.dataset``: Dataset and the read views ``AsStrView`` and
``AsTypeView``.

h5async's ``Dataset.asstr()`` and ``astype()`` return one view class; the
two names here are that class seen through h5py's eyes: ``isinstance(v,
AsStrView)`` is true for a view made by ``asstr()``, and calling
``AsStrView(dset, encoding)`` makes one, as in h5py."""
import numpy.typing as npt

from ..._hl import Dataset, Empty, HLObject  # noqa: F401
from ..._hl import _ReadView
from .. import unsupported_getattr

__getattr__ = unsupported_getattr("h5py._hl.dataset")


class _ViewMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        # _matches is each view class's staticmethod; declaring it on the
        # metaclass would give the classes its __annotations__.
        return isinstance(obj, _ReadView) and cls._matches(obj)  # type: ignore[attr-defined]

    def __subclasscheck__(cls, sub: type) -> bool:
        return type.__subclasscheck__(cls, sub)


class AbstractView(metaclass=_ViewMeta):
    """Any read view of a dataset."""

    @staticmethod
    def _matches(view: _ReadView) -> bool:
        return True


class AsStrView(AbstractView):
    """The view Dataset.asstr() returns: strings read as str."""

    # As in h5py, the constructor returns the view itself, not an instance.
    def __new__(cls, dset: Dataset, encoding: str | None = None,  # type: ignore[misc]
                errors: str = "strict") -> _ReadView:
        return dset.asstr(encoding, errors)

    @staticmethod
    def _matches(view: _ReadView) -> bool:
        return bool(view._as_str)


class AsTypeView(AbstractView):
    """The view Dataset.astype(dtype) returns: data read as `dtype`."""

    # As in h5py, the constructor returns the view itself, not an instance.
    def __new__(cls, dset: Dataset, dtype: npt.DTypeLike) -> _ReadView:  # type: ignore[misc]
        return dset.astype(dtype)

    @staticmethod
    def _matches(view: _ReadView) -> bool:
        return not view._as_str
