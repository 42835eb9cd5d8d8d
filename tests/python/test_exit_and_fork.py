"""Exit, fork and failed closes (issue 10, points 2, 3 and 5).

- Everything submitted completes or is reported, whenever it is submitted
  (atexit handlers, finalizers, daemon threads), and exit always ends.
- A file whose close fails raises (sync) or is reported (async, and at
  exit as a warning); the process survives it and exits normally.
- A forked child never writes to its parent's files.

Every scenario runs in its own interpreter; the tests read the files back
with h5py.
"""
import os
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from subproc import check_ok, run_script, script_cmd

ROWS = 500

# ---------------------------------------------------------------- exit

LATE_ATEXIT = """
import atexit, sys
import numpy as np
path = sys.argv[1]
state = {}
def late():
    # Registered before h5async: runs after its exit drain.
    f, d = state["f"], state["d"]
    for i in range(%d):
        d[i] = np.full(8, i, "f8")
atexit.register(late)
import h5async
f = h5async.File(path, "w", es=h5async.EventSet())
state["f"], state["d"] = f, f.create_dataset("d", (%d, 8), "f8")
""" % (ROWS, ROWS)

LATE_DEL = """
import sys
import numpy as np
import h5async
path = sys.argv[1]
class Writer:
    def __init__(self):
        self.f = h5async.File(path, "w", es=h5async.EventSet())
        self.d = self.f.create_dataset("d", (%d, 8), "f8")
    def __del__(self):
        for i in range(%d):
            self.d[i] = np.full(8, i, "f8")
w = Writer()
w.cycle = w   # freed only by the collector at finalization
""" % (ROWS, ROWS)


def assert_rows(path, n=ROWS):
    with h5py.File(path, "r") as f:
        d = f["d"][...]
    assert (d == np.arange(n)[:, None]).all(), np.flatnonzero((d != np.arange(n)[:, None]).any(1))


@pytest.mark.parametrize("script", [LATE_ATEXIT, LATE_DEL], ids=["atexit", "__del__"])
def test_writes_submitted_after_the_exit_drain_reach_the_file(tmp_path, script):
    path = tmp_path / "late.h5"
    proc = run_script(script, path)
    check_ok(proc)
    assert_rows(path)


DAEMON = """
import sys, threading
import numpy as np
import h5async
path = sys.argv[1]
f = h5async.File(path, "w", es=h5async.EventSet())
d = f.create_dataset("d", (1000, 256), "f8", maxshape=(None, 256))
started = threading.Event()
def forever():
    i = 0
    while True:
        d[i % 1000] = np.full(256, i % 1000, "f8")
        i += 1
        started.set()
threading.Thread(target=forever, daemon=True).start()
started.wait()
for i in range(100):
    d[i] = np.full(256, i, "f8")
print("main done", flush=True)
"""


def test_a_daemon_thread_that_keeps_writing_does_not_stop_the_exit(tmp_path):
    path = tmp_path / "daemon.h5"
    out = check_ok(run_script(DAEMON, path, timeout=120))
    assert "main done" in out
    with h5py.File(path, "r") as f:     # closed cleanly: h5py opens it
        d = f["d"][...]
    # Every row holds one of the values written to it (the daemon's and
    # main's agree: row i gets i), never garbage.
    rows = np.arange(1000)[:, None]
    assert ((d == rows) | (d == 0)).all(1).all()
    assert (d[:100] == rows[:100]).all()          # main's own writes, all there


BLOCKED = """
import sys, os
import h5async
fifo, other = sys.argv[1], sys.argv[2]
es = h5async.EventSet()
g = h5async.File(other, "w", es=es)
g.attrs["x"] = 1
es.wait()
f = h5async.File(fifo, "r", es=es)      # open(2) of a FIFO blocks the I/O thread
print("ready", flush=True)
"""


def test_ctrl_c_ends_an_exit_stuck_in_a_blocked_open(tmp_path):
    fifo = tmp_path / "stuck.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen(script_cmd(BLOCKED, fifo, tmp_path / "other.h5"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.5)                       # the script ends; the exit waits
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert "exit interrupted" in err, err


# ---------------------------------------------------------------- failed close

FULL = """
import os, resource, signal, sys
import numpy as np
import h5async
path, how = sys.argv[1], sys.argv[2]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # write() fails with EFBIG instead
es = h5async.EventSet()
f = h5async.File(path, "w", es=es)
d = f.create_dataset("d", (100, 1000), "f8")
d[0] = np.arange(1000.0)
f.flush()
es.wait()
resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(path) + 4096, resource.RLIM_INFINITY))
for i in range(300):                            # only the close hits the limit
    f.attrs["a%04d" % i] = np.arange(10.0)
es.wait()
if how == "sync":
    f.es = None
    try:
        f.close()
    except OSError as e:
        print("close raised OSError", e.errno)
elif how == "queued":
    f.close()
    try:
        es.wait()
    except h5async.EventSetError as e:
        print("wait raised", [type(x).__name__ for x in e.exceptions])
elif how == "dropped":
    del f, d
    import gc; gc.collect()
    h5async.drain()
print("end", flush=True)
"""


@pytest.mark.parametrize("how,expect", [
    ("sync", "close raised OSError 27"),
    ("queued", "wait raised ['OSError']"),
])
def test_a_failed_close_raises_and_the_process_exits_normally(tmp_path, how, expect):
    proc = run_script(FULL, tmp_path / "full.h5", how)
    out = check_ok(proc)
    assert expect in out and "end" in out


@pytest.mark.parametrize("how", ["exit", "dropped"])
def test_a_failed_implicit_close_warns(tmp_path, how):
    proc = run_script(FULL, tmp_path / "full.h5", how)
    check_ok(proc)
    assert "end" in proc.stdout
    assert "File too large" in proc.stderr and "full.h5" in proc.stderr, proc.stderr


CHUNK_CACHE = """
import resource, signal, sys
import numpy as np
import h5async
path, how = sys.argv[1], sys.argv[2]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
es = h5async.EventSet() if how == "queued" else None
f = h5async.File(path, "w", es=es)
d = f.create_dataset("x", (40_000,), dtype="f8", chunks=(1000,))
d[:] = np.arange(40_000.0)   # sits in the chunk cache: the dataset's close fails
try:
    if how != "exit":
        f.close()
    if es:
        es.wait()
except (OSError, h5async.EventSetError) as e:
    print("handled", type(e).__name__)
print("end", flush=True)
"""


@pytest.mark.parametrize("how", ["sync", "queued", "exit"])
def test_a_dataset_whose_chunk_cache_cannot_be_flushed_does_not_crash_the_exit(tmp_path, how):
    proc = run_script(CHUNK_CACHE, tmp_path / "chunks.h5", how)
    out = check_ok(proc)
    assert "end" in out
    if how == "exit":
        assert "File too large" in proc.stderr, proc.stderr
    else:
        assert "handled" in out


# ---------------------------------------------------------------- fork

FORK = """
import os, sys
import numpy as np
import h5async
path, how, when = sys.argv[1], sys.argv[2], sys.argv[3]
es = h5async.EventSet()
f = h5async.File(path, "w", es=es)
d = f.create_dataset("d", (100, 1000), "f8", chunks=(1, 1000))
for i in range(50):
    d[i] = np.full(1000, i, "f8")
f.attrs["before"] = 1
if when == "flushed":
    f.flush()
if when != "queued":
    es.wait()
def child():
    # The child may even try to use the inherited file: it is refused.
    try:
        d[0] = np.zeros(1000)
    except Exception as e:
        print("child refused:", type(e).__name__, flush=True)
if how == "mp":
    import multiprocessing as mp
    p = mp.get_context("fork").Process(target=child)
    p.start()
else:
    pid = os.fork()
    if pid == 0:
        child()
        if how == "exit":
            sys.exit(0)
        os._exit(0) if how == "_exit" else None
        raise SystemExit(0)
for i in range(50, 100):
    d[i] = np.full(1000, i, "f8")
f.create_dataset("later", data=np.arange(10))
f.attrs["after"] = 2
f.close()
es.wait()
if how == "mp":
    p.join()
    assert p.exitcode == 0, p.exitcode
else:
    assert os.waitpid(pid, 0)[1] == 0
print("parent done", flush=True)
"""


@pytest.mark.parametrize("how", ["exit", "mp"])
@pytest.mark.parametrize("when", ["waited", "flushed", "queued"])
def test_a_forked_child_never_writes_to_the_parents_file(tmp_path, how, when):
    path = tmp_path / "fork.h5"
    out = check_ok(run_script(FORK, path, how, when))
    assert "parent done" in out and "child refused" in out
    with h5py.File(path, "r") as f:
        d = f["d"][...]
        assert (d == np.arange(100)[:, None]).all()
        assert list(f["later"][...]) == list(range(10))
        assert dict(f.attrs) == {"before": 1, "after": 2}


PENDING_FUTURE = """
import asyncio, os, sys
import numpy as np
import h5async
path = sys.argv[1]
f = h5async.File(path, "w")
d = f.create_dataset("d", data=np.arange(10))
h5async.emulate_storage(latency=1.0)
fut = d.read(np.s_[0:5], es=h5async.EventSet())
# fork() waits for a running HDF5 call, so the read is either still queued
# at the fork (the usual case: the child must refuse it, not hang) or
# already done (the child may read its result).
pid = os.fork()
if pid == 0:
    outcomes = []
    for how in ("result", "await", "cancel"):
        try:
            if how == "result":
                fut.result()
            elif how == "await":
                async def main():
                    return await fut
                asyncio.run(main())
            else:
                fut.cancel()
            outcomes.append(how + " returned")
        except ValueError as e:
            outcomes.append(how + " ValueError" if "fork" in str(e) else str(e))
    print(" ".join(outcomes), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
h5async.emulate_storage()
assert list(fut.result()) == [0, 1, 2, 3, 4]   # the parent's read completes
print("parent ok", flush=True)
"""


def test_a_future_inherited_across_fork_raises_instead_of_hanging(tmp_path):
    out = check_ok(run_script(PENDING_FUTURE, str(tmp_path / "fut.h5"), timeout=60))
    child = out.splitlines()[0].split()
    assert child in (["result", "ValueError", "await", "ValueError", "cancel", "ValueError"],
                     ["result", "returned", "await", "returned", "cancel", "returned"]), out
    assert "parent ok" in out
