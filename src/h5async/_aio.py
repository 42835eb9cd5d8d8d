"""asyncio adapter: `await es`, `await future`, and the coroutine forms.

Each event loop gets its own wake-up fd from the engine, watched with
loop.add_reader: the I/O thread makes it readable on every completion, the
loop wakes, and the awaiting asyncio futures whose operations are done are
resolved.  No thread per operation, no polling.
"""
import asyncio
import weakref

from . import _h5async

_wakers = weakref.WeakKeyDictionary()


class _Waker:
    """The wake-up fd of one event loop and what is waiting on it."""

    def __init__(self, loop):
        self.loop = loop
        self.fd = _h5async.notify_open()
        self.waiting = []  # (is_done, settle, asyncio future)
        loop.add_reader(self.fd, self._wake)

    def add(self, is_done, settle, afut):
        self.waiting.append((is_done, settle, afut))
        # A completion may have come before we were listening: check now.
        self.loop.call_soon(self._wake)

    def _wake(self):
        _h5async.notify_clear(self.fd)  # also runs finished reads' callbacks
        still = []
        for is_done, settle, afut in self.waiting:
            if afut.done():
                continue
            if is_done():
                settle(afut)
            else:
                still.append((is_done, settle, afut))
        self.waiting = still

    def close(self):
        if self.fd >= 0:
            if not self.loop.is_closed():
                self.loop.remove_reader(self.fd)
            _h5async.notify_close(self.fd)
            self.fd = -1


def _waker(loop):
    for old_loop in [lp for lp in list(_wakers) if lp.is_closed()]:
        _wakers.pop(old_loop).close()  # a closed loop's fd goes back
    w = _wakers.get(loop)
    if w is None:
        w = _wakers[loop] = _Waker(loop)
        weakref.finalize(loop, w.close)
    return w


def _settle_future(hfut):
    def settle(afut):
        exc = hfut.exception() if not hfut.cancelled() else None
        if hfut.cancelled():
            afut.cancel()
        elif exc is not None:
            afut.set_exception(exc)
        else:
            afut.set_result(hfut.result())
    return settle


def _settle_eventset(es):
    def settle(afut):
        try:
            afut.set_result(es.wait(0))
        except BaseException as exc:  # EventSetError, handed to the awaiter
            afut.set_exception(exc)
    return settle


def awaitable(obj):
    """What `await obj` iterates, for an h5async Future or EventSet."""
    loop = asyncio.get_running_loop()
    afut = loop.create_future()
    if isinstance(obj, _h5async.EventSet):
        is_done, settle = (lambda: obj.num_in_progress == 0), _settle_eventset(obj)
        on_cancel = obj.cancel
    else:
        is_done, settle, on_cancel = obj.done, _settle_future(obj), obj.cancel
    # Cancelling the awaiting task cancels what has not started; what has
    # started finishes safely (its buffers stay held by the engine).
    afut.add_done_callback(lambda f: on_cancel() if f.cancelled() else None)
    if is_done():
        settle(afut)
    else:
        _waker(loop).add(is_done, settle, afut)
    return afut.__await__()


_h5async._set_await_hook(awaitable)
