"""A stand-in for a low-level function h5async does not provide."""
from collections.abc import Callable
from typing import Any, NoReturn


def unsupported_fn(qualname: str) -> Callable[..., NoReturn]:
    """A function that raises NotImplementedError naming ``qualname`` when
    called (h5py's low-level API, which h5async does not have)."""

    def fn(*args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(f"{qualname} is not supported by h5async (h5py's "
                                  "low-level API; use the high-level classes)")

    fn.__name__ = qualname.rsplit(".", 1)[1]
    fn.__qualname__ = fn.__name__
    return fn
