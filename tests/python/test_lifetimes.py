"""Event-set lifetimes (issue 10, point 1): an event set is never freed
while a thread, a callback or a queued operation can still reach it, and
close() from any thread or from a callback is safe and well defined.

Each race runs in a loop in its own interpreter: a crash fails one test.
"""
import pytest

from subproc import check_ok, run_script

PRELUDE = """
import sys, threading, gc
import numpy as np
import h5async
path, loops = sys.argv[1], int(sys.argv[2])
"""

# A read's done-callback closes the event set that wait() (or close())
# is waiting on: the waiter returns normally, the set ends closed, and
# every write reached the file.
CALLBACK_CLOSES_WAITED = PRELUDE + """
how = sys.argv[3]
for i in range(loops):
    es = h5async.EventSet()
    f = h5async.File(path, "w", es=es)
    d = f.create_dataset("d", (1000,), "f8")
    for j in range(20):
        d[j * 50:(j + 1) * 50] = np.full(50, i * 100 + j, "f8")
    fut = d.read(np.s_[0:1000], es=es)
    closed = []
    def cb(_f, es=es):
        es.close()
        closed.append(1)
    fut.add_done_callback(cb)
    try:
        getattr(es, how)()
    except ValueError:
        assert closed  # the callback ran first, at add_done_callback
    assert es.closed and closed
    got = fut.result()
    f.es = None
    expect = np.repeat(np.arange(20) + i * 100, 50).astype("f8")
    assert (got == expect).all() and (d[...] == expect).all()
    f.close()
print("done", loops)
"""

# One thread waits while another closes the same set.
WAIT_VS_CLOSE = PRELUDE + """
for i in range(loops):
    es = h5async.EventSet()
    f = h5async.File(path, "w", es=es)
    d = f.create_dataset("d", (1000,), "f8")
    for j in range(20):
        d[j * 50:(j + 1) * 50] = np.full(50, j, "f8")
    errs = []
    def waiter():
        try:
            es.wait()
        except ValueError:
            errs.append("closed")  # close() won before wait() started
    t = threading.Thread(target=waiter)
    t.start()
    es.close()
    t.join()
    assert es.closed
    f.es = None
    assert (d[...] == np.repeat(np.arange(20), 50)).all()
    f.close()
print("done", loops)
"""

# A done-callback closes the set while another write is being submitted
# into it: the write either goes in (and is waited for by close()) or
# raises ValueError; it is never accepted and then lost.
CALLBACK_CLOSES_DURING_SUBMIT = PRELUDE + """
for i in range(loops):
    es = h5async.EventSet()
    f = h5async.File(path, "w")
    d = f.create_dataset("d", (100,), "f8")
    fut = d.read(np.s_[0:1], es=es)
    fut.add_done_callback(lambda _f, es=es: es.close())
    accepted = []
    for j in range(100):
        try:
            d.write(np.s_[j], float(j + 1), es=es)
            accepted.append(j)
        except ValueError:
            pass
    if not es.closed:
        es.close()
    vals = d[...]
    for j in range(100):
        assert vals[j] == (j + 1 if j in accepted else 0), (j, vals[j])
    f.close()
print("done", loops)
"""

# A writer blocked on the staging cap while another thread drops the
# file's default event set (its last reference).
BACKPRESSURE_DROP = PRELUDE + """
h5async.set_staging_limit(1 << 20)
for i in range(loops):
    f = h5async.File(path, "w", es=h5async.EventSet())
    d = f.create_dataset("d", (16, 1 << 17), "f8")
    def writer():
        for j in range(16):
            d[j] = np.full(1 << 17, j + 1, "f8")
    t = threading.Thread(target=writer)
    t.start()
    f.es = None
    gc.collect()
    t.join()
    h5async.drain()
    assert (d[:, 0] == np.arange(1, 17)).all()
    f.close()
print("done", loops)
"""


@pytest.mark.parametrize("how", ["wait", "close"])
def test_callback_closes_the_set_being_waited_on(tmp_path, how):
    out = check_ok(run_script(CALLBACK_CLOSES_WAITED, tmp_path / "a.h5", 40, how))
    assert "done 40" in out


def test_wait_and_close_from_two_threads(tmp_path):
    assert "done 100" in check_ok(run_script(WAIT_VS_CLOSE, tmp_path / "b.h5", 100))


def test_callback_closes_the_set_during_a_submit(tmp_path):
    out = check_ok(run_script(CALLBACK_CLOSES_DURING_SUBMIT, tmp_path / "c.h5", 30))
    assert "done 30" in out


def test_default_set_dropped_while_a_writer_waits_for_staging_room(tmp_path):
    assert "done 20" in check_ok(run_script(BACKPRESSURE_DROP, tmp_path / "d.h5", 20))
