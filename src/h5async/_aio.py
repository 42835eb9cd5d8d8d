"""asyncio adapter: `await es`, `await future`, and the coroutine forms.

Each event loop gets its own wake-up fd from the engine, watched with
loop.add_reader: the I/O thread makes it readable on every completion, the
loop wakes, and the awaiting asyncio futures whose operations are done are
resolved.  No thread per operation, no polling.
"""
from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Generator
from typing import Any

from . import _h5async

_wakers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Waker] = weakref.WeakKeyDictionary()


class _Waker:
    """The wake-up fd of one event loop and what is waiting on it.

    Reads resolve through their Future's done-callback, which the engine
    runs when the finished task is reaped (notify_clear() below reaps):
    O(1) per read.  Event sets, few at a time, are checked on each wake-up.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.fd = _h5async.notify_open()
        self.event_sets: list[tuple[_h5async.EventSet, asyncio.Future[Any]]] = []
        self.scheduled = False
        loop.add_reader(self.fd, self._wake)

    def _soon(self) -> None:
        # A completion may have come before we were listening: look once
        # more on the next loop iteration (coalesced).
        if not self.scheduled:
            self.scheduled = True
            self.loop.call_soon(self._wake)

    def add_future(self, hfut: _h5async.Future[Any], afut: asyncio.Future[Any]) -> None:
        loop = self.loop

        def done(_: object) -> None:
            if loop.is_closed():
                return
            if threading.get_ident() == loop_thread:
                _settle_future(hfut, afut)
            else:  # reaped by an h5async call on another thread
                loop.call_soon_threadsafe(_settle_future, hfut, afut)

        loop_thread = threading.get_ident()
        hfut.add_done_callback(done)
        self._soon()

    def add_event_set(self, es: _h5async.EventSet, afut: asyncio.Future[Any]) -> None:
        self.event_sets.append((es, afut))
        self._soon()

    def _wake(self) -> None:
        self.scheduled = False
        _h5async.notify_clear(self.fd)  # reaps: read callbacks run here
        still = []
        for es, afut in self.event_sets:
            if afut.done():
                continue
            if es.num_in_progress == 0:
                _settle_eventset(es, afut)
            else:
                still.append((es, afut))
        self.event_sets = still

    def close(self) -> None:
        if self.fd >= 0:
            if not self.loop.is_closed():
                self.loop.remove_reader(self.fd)
            _h5async.notify_close(self.fd)
            self.fd = -1


def _waker(loop: asyncio.AbstractEventLoop) -> _Waker:
    for old_loop in [lp for lp in list(_wakers) if lp.is_closed()]:
        _wakers.pop(old_loop).close()  # a closed loop's fd goes back
    w = _wakers.get(loop)
    if w is None:
        w = _wakers[loop] = _Waker(loop)
        weakref.finalize(loop, w.close)
    return w


def _settle_future(hfut: _h5async.Future[Any], afut: asyncio.Future[Any]) -> None:
    if afut.done():
        return
    if hfut.cancelled():
        afut.cancel()
    elif hfut.exception() is not None:
        afut.set_exception(hfut.exception())  # type: ignore[arg-type]  # checked above
    else:
        afut.set_result(hfut.result())


def _settle_eventset(es: _h5async.EventSet, afut: asyncio.Future[Any]) -> None:
    try:
        afut.set_result(es.wait(0))
    except BaseException as exc:  # EventSetError, handed to the awaiter
        afut.set_exception(exc)


def awaitable(obj: _h5async.Future[Any] | _h5async.EventSet) -> Generator[Any, None, Any]:
    """What `await obj` iterates, for an h5async Future or EventSet."""
    loop = asyncio.get_running_loop()
    afut = loop.create_future()
    # Awaiting is observation: cancelling the awaiting task (or a
    # wait_for() timeout) leaves the operations queued, and they complete
    # as if nobody had awaited them.  Only es.cancel() / Future.cancel()
    # cancel I/O, and they say what they cancelled.
    if isinstance(obj, _h5async.EventSet):
        if obj.num_in_progress == 0:
            _settle_eventset(obj, afut)
        else:
            _waker(loop).add_event_set(obj, afut)
    elif obj.done():
        _settle_future(obj, afut)
    else:
        _waker(loop).add_future(obj, afut)
    return afut.__await__()


_h5async._set_await_hook(awaitable)
