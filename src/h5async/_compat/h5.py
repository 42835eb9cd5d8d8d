"""``h5py.h5``: the library configuration, ``get_config()``."""
from .. import _h5async
from . import unsupported_getattr

__getattr__ = unsupported_getattr("h5py.h5")


def _has_mpi() -> bool:
    # The extension refuses driver='mpio' with a ValueError when it was built
    # without parallel HDF5, and checks comm= only when it was built with it;
    # neither check opens a file.
    try:
        _h5async.open_file("", "r", driver="mpio")
    except ValueError:
        return False
    except Exception:  # noqa: BLE001  (TypeError: comm= missing -> parallel build)
        return True
    return True


class H5PYConfig:
    """What h5py.get_config() returns, with h5async's answers.

    Settings h5async does not honour refuse a change instead of silently
    ignoring it."""

    complex_names = ("r", "i")
    bool_names = (b"FALSE", b"TRUE")
    ros3 = False
    direct_vfd = False
    has_native_complex = False

    def __init__(self) -> None:
        self._mpi: bool | None = None

    @property
    def mpi(self) -> bool:
        if self._mpi is None:
            self._mpi = _has_mpi()
        return self._mpi

    @property
    def track_order(self) -> bool:
        return False

    @track_order.setter
    def track_order(self, value: bool) -> None:
        if value:
            raise NotImplementedError(
                "h5py.get_config().track_order = True is not supported by h5async; "
                "pass track_order=True to create_group()/create_dataset()")

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("complex_names", "bool_names") and value != getattr(self, name):
            raise NotImplementedError(f"h5py.get_config().{name} cannot be changed in h5async")
        super().__setattr__(name, value)

    def __repr__(self) -> str:
        return (f"<h5async config: mpi={self.mpi} track_order={self.track_order} "
                f"complex_names={self.complex_names}>")


_config = H5PYConfig()


def get_config() -> H5PYConfig:
    """The configuration object, shared by every caller (as in h5py)."""
    return _config
