"""``h5py._hl.dataset``: Dataset and the read views ``AsStrView`` and
``AsTypeView``.

h5async's ``Dataset.asstr()`` and ``astype()`` return one view class; the
two names here are that class seen through h5py's eyes: ``isinstance(v,
AsStrView)`` is true for a view made by ``asstr()``, and calling
``AsStrView(dset, encoding)`` makes one, as in h5py."""
from ..._hl import Dataset, Empty, HLObject  # noqa: F401
from ..._hl import _ReadView
from .. import unsupported_getattr

__getattr__ = unsupported_getattr("h5py._hl.dataset")


class _ViewMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _ReadView) and cls._matches(obj)

    def __subclasscheck__(cls, sub):
        return type.__subclasscheck__(cls, sub)


class AbstractView(metaclass=_ViewMeta):
    """Any read view of a dataset."""

    @staticmethod
    def _matches(view):
        return True


class AsStrView(AbstractView):
    """The view Dataset.asstr() returns: strings read as str."""

    def __new__(cls, dset, encoding=None, errors="strict"):
        return dset.asstr(encoding, errors)

    @staticmethod
    def _matches(view):
        return bool(view._as_str)


class AsTypeView(AbstractView):
    """The view Dataset.astype(dtype) returns: data read as `dtype`."""

    def __new__(cls, dset, dtype):
        return dset.astype(dtype)

    @staticmethod
    def _matches(view):
        return not view._as_str
