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
from collections.abc import Coroutine, Generator
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
            # A set closed while awaited (from a callback or another
            # thread): close() waited for its operations, so they are done.
            if es.closed or es.num_in_progress == 0:
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


def _release_closed_loops() -> None:
    for old_loop in [lp for lp in list(_wakers) if lp.is_closed()]:
        _wakers.pop(old_loop).close()  # a closed loop's fd goes back


def _waker(loop: asyncio.AbstractEventLoop) -> _Waker:
    _release_closed_loops()
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
    if es.closed:  # closed meanwhile: close() waited, and raised any failure
        afut.set_result(0)
        return
    try:
        afut.set_result(es.wait(0))
    except BaseException as exc:  # EventSetError, handed to the awaiter
        afut.set_exception(exc)


class Submitted(Coroutine[Any, Any, Any]):
    """The coroutine of an operation submitted at the call (awrite, aclose,
    aread, aget): the copy and the queueing happened before anything awaits
    it, so a zero timeout, or a task cancelled before it ever ran, loses
    nothing.  Awaiting it waits for `awaitable` (an EventSet or a Future)
    without blocking the loop and returns its result; `es` (the operation's
    own event set, if any) is closed afterwards.  Cancelling the await
    leaves the operation to complete (the file's close() raises a failure
    nobody awaited).  It is a Coroutine, so asyncio.run() and create_task()
    take it, and never awaiting it is no mistake (no warning)."""

    __slots__ = ("_awaitable", "_es", "_it")

    def __init__(self, awaitable: Any, es: _h5async.EventSet | None = None) -> None:
        self._awaitable = awaitable
        self._es = es
        self._it: Generator[Any, None, Any] | None = None

    def _run(self) -> Generator[Any, None, Any]:
        result = yield from self._awaitable.__await__()
        if self._es is not None:
            self._es.close()
            result = None
        return result

    def __await__(self) -> Generator[Any, None, Any]:
        return self._run()

    def send(self, value: Any) -> Any:
        if self._it is None:
            self._it = self._run()
        return self._it.send(value)

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        if self._it is None:
            self._it = self._run()
        return self._it.throw(typ if val is None else val)

    def close(self) -> None:
        if self._it is not None:
            self._it.close()


def awaitable(obj: _h5async.Future[Any] | _h5async.EventSet) -> Generator[Any, None, Any]:
    """What `await obj` iterates, for an h5async Future or EventSet."""
    loop = asyncio.get_running_loop()
    _release_closed_loops()  # on every await, also of what is already done
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
