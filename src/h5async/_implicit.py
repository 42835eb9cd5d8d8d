"""Implicit mode: every file opened for writing gets a default event set.

Plain h5py code (``f["x"] = data``, ``create_dataset(..., data=)``,
``attrs[...] = ``) then returns at once and the data is written while the
program goes on.  What h5py promises at a file's boundaries still holds:

- the open is synchronous, so ``FileNotFoundError``/``FileExistsError``
  raise at ``File(...)`` as in h5py; the event set is given afterwards;
- ``close()`` and ``flush()`` without ``es=`` are synchronous: when they
  return the data is in the file (another process may read it, the program
  may rename it), and they raise ``EventSetError`` with the failures of the
  file's queued operations;
- failures of a file that is never closed are reported on stderr at exit.

File.__init__ calls ``adopt()`` after opening.  The file's class is swapped
for a subclass that overrides close() and flush() (made once per class), so
that ``_hl.py`` needs only that one call.
"""
from __future__ import annotations

import atexit
import sys
import weakref
from typing import TYPE_CHECKING

from . import _h5async

if TYPE_CHECKING:
    from ._h5async import ESArg
    from ._hl import File

DEFAULT = _h5async.DEFAULT

_enabled = False
_atexit_registered = False
# (weak reference to the File object, its implicit event set, file name),
# one per file adopted and not yet closed through that object.
_live: list[tuple[weakref.ref[File], _h5async.EventSet, str]] = []
_subclasses: dict[type[File], type[File]] = {}


def set_implicit(enabled: bool = True) -> None:
    """Turn implicit mode on or off for files opened from now on."""
    global _enabled, _atexit_registered
    _enabled = bool(enabled)
    if _enabled and not _atexit_registered:
        # Registered after h5async's own handler, so it runs before it:
        # failures are reported while the engine still runs.
        atexit.register(_report_at_exit)
        _atexit_registered = True


def is_implicit() -> bool:
    """Whether files opened for writing get a default event set."""
    return _enabled


def adopt(f: File) -> None:
    """Give `f`, just opened without an event set, its implicit one if
    implicit mode is on and `f` was opened for writing."""
    if not _enabled or f.mode == "r" or f.es is not None:
        return
    _prune()
    es = _h5async.EventSet()
    f.es = es
    _live.append((weakref.ref(f), es, f.filename))
    f.__class__ = _implicit_class(type(f))


def _implicit_class(cls: type[File]) -> type[File]:
    sub = _subclasses.get(cls)
    if sub is None:
        sub = type(cls.__name__, (cls,), {
            "close": _close, "flush": _flush, "__module__": cls.__module__,
            "__qualname__": cls.__qualname__, "__doc__": cls.__doc__})
        _subclasses[cls] = sub
    return sub


def _own_es(f: File) -> _h5async.EventSet | None:
    """The implicit event set of `f`, or None if the program replaced it."""
    for ref, es, _ in _live:
        if ref() is f:
            return es if f.es is es else None
    return None


def _close(self: File, es: ESArg = DEFAULT) -> None:
    """Close the file; without `es`, synchronously, raising EventSetError
    with the failures of its queued operations (implicit mode)."""
    own = _own_es(self) if self else None
    if es is DEFAULT and (own is not None or self.es is None):
        es = None
    # type(self) is the implicit subclass, so super() reaches File's own
    # method; mypy sees type(self) as File and looks in Group.
    try:
        super(type(self), self).close(es=es)  # type: ignore[misc]
    finally:
        if own is not None and es is None:
            _forget(own)


def _flush(self: File, es: ESArg = DEFAULT) -> None:
    """Flush the file; without `es`, synchronously, raising EventSetError
    with the failures of its queued operations so far (implicit mode)."""
    own = _own_es(self)
    if es is DEFAULT and (own is not None or self.es is None):
        super(type(self), self).flush(es=None)  # type: ignore[misc]  # as in _close
        if own is not None:
            own.wait()
        return
    super(type(self), self).flush(es=es)  # type: ignore[misc]  # as in _close


def _forget(es: _h5async.EventSet) -> None:
    """Drop a closed file's event set: its failures were raised by close()."""
    _live[:] = [item for item in _live if item[1] is not es]
    if es.num_in_progress == 0 and not es.closed:
        try:
            es.wait()
        finally:
            es.close()


def _prune() -> None:
    """Drop the event sets of files the program let go of without closing
    that have nothing pending and nothing failed (the file's own id keeps
    its event set as long as it needs it)."""
    _live[:] = [(ref, es, name) for ref, es, name in _live
                if ref() is not None or es.num_in_progress or es.op_failed]


def wait_all() -> list[tuple[str, _h5async.EventSetError]]:
    """Wait for every implicit event set; return the EventSetErrors raised,
    each with the file name it belongs to."""
    failures: list[tuple[str, _h5async.EventSetError]] = []
    for _, es, name in list(_live):
        if es.closed:
            continue
        try:
            es.wait()
        except _h5async.EventSetError as exc:
            failures.append((name, exc))
    _live.clear()
    return failures


def _report_at_exit() -> None:
    for name, exc in wait_all():
        print(f"h5async: implicit mode: operations on {name} failed:", file=sys.stderr)
        for err in exc.exceptions:
            print(f"  {type(err).__name__}: {err}", file=sys.stderr)
