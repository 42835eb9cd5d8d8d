"""Many asyncio event loops at once (issue 10, point 7).

Each event loop that awaits h5async holds one wake-up fd from the engine.
There is no fixed number of them: the process's file descriptors are the
only limit, and running out of them says so (OSError with errno, naming
the wake-up fd) instead of a bare "Too many open files".
"""
import asyncio
import gc
import os
import threading

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async

from subproc import check_ok, run_script

FAILSAFE = 60.0
LOOPS = 100
DATA = np.arange(LOOPS * 50, dtype="i8").reshape(LOOPS, 50)


def eventfds():
    """The process's open eventfds (the wake-up fds)."""
    n = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}") == "anon_inode:[eventfd]":
                n += 1
        except OSError:  # closed meanwhile (the listing's own fd)
            pass
    return n


def test_a_hundred_event_loops_in_a_hundred_threads_await_at_once(tmp_path, io_blocker):
    f = h5async.File(str(tmp_path / "loops.h5"), "w")
    src = f.create_dataset("src", data=DATA)
    dst = f.create_dataset("dst", shape=DATA.shape, dtype="i8")
    # Wake-up fds left by closed loops of earlier tests go back now.
    assert_array_equal(asyncio.run(src.aread(np.s_[0])), DATA[0])
    gc.collect()
    before = eventfds()
    # The I/O thread is held: every read and write below stays queued, so
    # all the loops are awaiting at the same time, each with its own fd.
    blk = io_blocker()
    awaiting = threading.Barrier(LOOPS + 1)
    results, errors = [None] * LOOPS, []

    def thread_main(k):
        async def main():
            es = h5async.EventSet()
            dst.write(np.s_[k], DATA[k] * -1, es=es)
            read = asyncio.ensure_future(src.aread(np.s_[k]))
            written = asyncio.ensure_future(_await(es))
            await asyncio.sleep(0)  # both awaits have begun: this loop's fd is open
            awaiting.wait(FAILSAFE)  # (blocks this loop, which has nothing to do)
            got, failures = await asyncio.gather(read, written)
            es.close()
            return got, failures

        try:
            results[k] = asyncio.run(asyncio.wait_for(main(), FAILSAFE))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            awaiting.abort()

    threads = [threading.Thread(target=thread_main, args=(k,)) for k in range(LOOPS)]
    for t in threads:
        t.start()
    try:
        awaiting.wait(FAILSAFE)
        assert blk.pending
        assert eventfds() >= LOOPS  # one per loop, all open at once
    finally:
        blk.release()
        for t in threads:
            t.join(FAILSAFE * 2)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]
    for k, (got, failures) in enumerate(results):
        assert_array_equal(got, DATA[k])
        assert failures == 0
    assert_array_equal(dst[...], -DATA)
    # The fds of closed loops go back when a loop next awaits h5async.
    assert_array_equal(asyncio.run(src.aread(np.s_[7])), DATA[7])
    gc.collect()
    assert eventfds() <= before + 1
    f.close()


async def _await(es):
    return await es


RUN_OUT_OF_FDS = """
import asyncio, errno, os, resource, sys, time
import numpy as np
import h5async

f = h5async.File(sys.argv[1], "w")
d = f.create_dataset("x", data=np.arange(10))
# Hold the I/O thread (an open of a FIFO without a writer blocks it), so
# that the read below is still queued when awaited and needs the wake-up fd
# whatever the timing.
fifo = sys.argv[1] + ".fifo"
os.mkfifo(fifo)
blk_es = h5async.EventSet()
blk = h5async.File(fifo, "r", es=blk_es)

def io_thread_in_open():
    # Whether a thread of ours sits in open(2)/openat(2) (x86-64 and
    # aarch64 numbers): the I/O thread blocked on the FIFO.
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/syscall") as fh:
                nr = fh.read().split()[0]
        except (OSError, IndexError):
            continue
        if nr in ("2", "257", "56"):
            return True
    return False

deadline = time.monotonic() + 30
while not io_thread_in_open():  # before the fds run out, or it could not open
    assert time.monotonic() < deadline, "the I/O thread never blocked on the FIFO"
    time.sleep(0.001)
loop = asyncio.new_event_loop()
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, soft), hard))
held = []
try:
    while True:
        held.append(os.open(os.devnull, os.O_RDONLY))
except OSError as exc:
    assert exc.errno == errno.EMFILE, exc

async def main():
    return await d.aread(np.s_[2:5])

try:
    loop.run_until_complete(main())
    print("NO ERROR")
except OSError as exc:
    print("ERRNO", errno.errorcode.get(exc.errno))
    print("MESSAGE", exc)
for fd in held:
    os.close(fd)
deadline = time.monotonic() + 30
while True:  # release the held open (it then fails: no HDF5 file)
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        break
    except OSError:
        assert time.monotonic() < deadline, "no reader on the FIFO"
        time.sleep(0.001)
try:
    blk_es.wait()
except h5async.EventSetError:
    pass
print("AFTER", loop.run_until_complete(main()).tolist())
loop.close()
f.close()
"""


def test_running_out_of_fds_names_the_wakeup_fd(tmp_path):
    out = check_ok(run_script(RUN_OUT_OF_FDS, tmp_path / "fds.h5"))
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines["ERRNO"] == "EMFILE"
    message = lines["MESSAGE"]
    assert message.startswith("[Errno 24] ")
    assert "wake-up fd" in message and "event loop" in message
    assert "limit of 256 open file descriptors" in message
    # Once fds are free again, the same loop awaits normally.
    assert lines["AFTER"] == "[2, 3, 4]"
