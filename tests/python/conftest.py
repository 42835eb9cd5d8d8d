"""Shared fixtures of the h5async pytest suite.

- ``h5path``: the name of a not-yet-existing HDF5 file in pytest's tmp_path.
- ``h5file``: a File opened 'w' (synchronous) on ``h5path``, closed afterwards.
- ``es``: a fresh EventSet, waited for and closed afterwards.
- ``io_blocker``: a factory that parks the engine's single I/O thread inside
  open() of a FIFO, so that every operation submitted afterwards stays
  queued until ``release()``.  It turns "this is still pending" into a
  deterministic state instead of a race, without asserting timings.
  While a blocker is active, only asynchronous calls may be made: a
  synchronous call would wait behind the blocked open (a failsafe timer
  releases it after a minute, so a mistake fails instead of hanging).
"""
import contextlib
import errno
import os
import threading
import time

import pytest

import h5async

FAILSAFE_SECONDS = 60.0


@pytest.fixture
def h5path(tmp_path):
    """Path (str) of an HDF5 file in a fresh temporary directory."""
    return str(tmp_path / "test.h5")


@pytest.fixture
def h5file(h5path):
    """A file opened 'w' without an event set; closed at teardown."""
    f = h5async.File(h5path, "w")
    yield f
    if f:
        f.es = None
        f.close()


@pytest.fixture
def es():
    """A fresh EventSet; at teardown, waited for and closed.

    Tests check the errors they provoke themselves; errors a test left behind
    are taken here so that one failing test does not cascade into warnings.
    """
    e = h5async.EventSet()
    yield e
    if not e.closed:
        with contextlib.suppress(h5async.EventSetError):
            e.wait()
        e.close()


class IOBlocker:
    """Keeps the I/O thread busy opening a FIFO until release()."""

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)
        self.es = h5async.EventSet()
        # Opening with es= queues the open on the I/O thread, whose open(2)
        # of a FIFO without a writer blocks.
        self.file = h5async.File(path, "r", es=self.es)
        self.released = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(FAILSAFE_SECONDS, self.release)
        self._timer.daemon = True
        self._timer.start()

    @property
    def pending(self):
        """True while the I/O thread is still held."""
        return self.es.num_in_progress == 1

    def release(self):
        """Let the blocked open proceed (it then fails: not an HDF5 file)."""
        with self._lock:
            if self.released:
                return
            self.released = True
        self._timer.cancel()
        while True:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:  # ENXIO: no reader on the FIFO yet
                if exc.errno != errno.ENXIO:
                    raise
                time.sleep(0.001)
        os.close(fd)

    def finish(self):
        """Release, then collect the open's expected failure."""
        self.release()
        with contextlib.suppress(h5async.EventSetError):
            self.es.wait()
        self.file.es = None
        with contextlib.suppress(h5async.EventSetError, OSError, ValueError):
            self.file.close()
        self.es.close()


def _factory(tmp_path, cls, stem):
    """Fixture body: a factory of `cls` holds, all finished at teardown."""
    made = []

    def make():
        blk = cls(str(tmp_path / f"{stem}{len(made)}.fifo"))
        made.append(blk)
        return blk

    return make, made


@pytest.fixture
def io_blocker(tmp_path):
    """Factory: io_blocker() -> an active IOBlocker (released at teardown)."""
    make, made = _factory(tmp_path, IOBlocker, "fifo")
    yield make
    for blk in made:
        blk.finish()


class EngineHold(IOBlocker):
    """The same hold, as the semantics tests name it."""

    @property
    def held(self):
        return self.pending and not self.released


@pytest.fixture
def hold(tmp_path):
    """Factory: hold() -> an active EngineHold (released at teardown)."""
    make, made = _factory(tmp_path, EngineHold, "hold")
    yield make
    for h in made:
        h.finish()
