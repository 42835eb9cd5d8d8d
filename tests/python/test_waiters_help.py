"""A thread that waits for queued work runs small queued tasks itself
(docs/semantics.md, "Who executes a task"): a synchronous call behind
queued ones, Future.result() and EventSet.wait().  Whoever executes them,
the results, their order and where failures are reported must be what they
are when the I/O thread runs everything."""
import threading

import numpy as np
import pytest

import h5async


def _helped():
    return h5async.stats()["helped_runs"]


def test_queued_reads_then_sync_opens_read_right(tmp_path):
    # W5's shape: a queued read and attribute read, then f[name] waits
    p = tmp_path / "f.h5"
    with h5async.File(p, "w") as f:
        for i in range(300):
            d = f.create_dataset(f"d{i}", data=np.arange(16) + i)
            d.attrs["index"] = i
    before = _helped()
    es = h5async.EventSet()
    with h5async.File(p, "r", es=es) as f:
        futs = []
        for i in range(300):
            d = f[f"d{i}"]
            futs.append((d.read(), d.attrs.read("index")))
        for i, (a, b) in enumerate(futs):
            np.testing.assert_array_equal(a.result(), np.arange(16) + i)
            assert b.result() == i
    es.wait()
    es.close()
    # The waits found the engine idle with work queued at least once.
    assert _helped() > before


def test_sync_read_sees_queued_writes(tmp_path):
    es = h5async.EventSet()
    with h5async.File(tmp_path / "f.h5", "w", es=es) as f:
        d = f.create_dataset("x", shape=(200, 8), dtype="i8")
        for i in range(200):
            d[i] = np.full(8, i)           # queued
            got = f["x"][i]                 # synchronous: after the write
            np.testing.assert_array_equal(got, np.full(8, i))
        es.wait()
    es.close()
    with h5async.File(tmp_path / "f.h5", "r") as f:
        np.testing.assert_array_equal(f["x"][:, 0], np.arange(200))


def test_future_result_sees_its_own_write_order(tmp_path):
    es = h5async.EventSet()
    with h5async.File(tmp_path / "f.h5", "w", es=es) as f:
        d = f.create_dataset("x", shape=(100,), dtype="f8")
        for i in range(100):
            d[i] = float(i)
            fut = d.read(np.s_[i])
            assert fut.result() == float(i)
        es.wait()
    es.close()


def test_failure_of_a_helped_task_goes_to_its_event_set(tmp_path):
    # A queued create that fails (the name exists) is run by the
    # synchronous call behind it: that call succeeds, the set reports it.
    es = h5async.EventSet()
    f = h5async.File(tmp_path / "f.h5", "w")
    f.create_dataset("a", data=np.arange(3))
    f.create_dataset("a", data=np.arange(3), es=es)   # fails at execution
    np.testing.assert_array_equal(f["a"][...], np.arange(3))  # synchronous
    with pytest.raises(h5async.EventSetError) as ei:
        es.wait()
    assert len(ei.value.exceptions) == 1
    assert isinstance(ei.value.exceptions[0], (ValueError, OSError))
    es.close()
    f.close()


def test_threads_waiting_on_each_others_work(tmp_path):
    # Several threads, each queueing writes into its own file and waiting
    # in turn through a synchronous read, a Future and its event set;
    # every row must read back.
    n, rows = 4, 150
    errors = []

    def worker(k):
        try:
            es = h5async.EventSet()
            with h5async.File(tmp_path / f"t{k}.h5", "w", es=es) as f:
                d = f.create_dataset("x", shape=(rows, 4), dtype="i4")
                for i in range(rows):
                    d[i] = np.full(4, i * 10 + k)
                    way = i % 3
                    if way == 0:
                        got = f["x"][i]
                    elif way == 1:
                        got = d.read(np.s_[i]).result()
                    else:
                        es.wait()
                        got = f["x"][i]
                    np.testing.assert_array_equal(got, np.full(4, i * 10 + k))
                es.wait()
            es.close()
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    th = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    assert not errors, errors
    for k in range(n):
        with h5async.File(tmp_path / f"t{k}.h5", "r") as f:
            np.testing.assert_array_equal(f["x"][:, 0], np.arange(rows) * 10 + k)
