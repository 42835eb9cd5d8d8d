"""Eight Python threads submitting at once (issue 4, point 6): to separate
files, to one file (distinct datasets), mixing synchronous and asynchronous
calls, and waiting on each other's work."""
import threading

import h5py
import numpy as np
from numpy.testing import assert_array_equal

import h5async

N_THREADS = 8
TIMEOUT = 120.0


def run_threads(target, n=N_THREADS):
    """Run target(i, barrier) in n threads started together; re-raise the
    first failure."""
    barrier = threading.Barrier(n)
    errors = []

    def wrap(i):
        try:
            target(i, barrier)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=wrap, args=(i,), name=f"worker{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    if errors:
        raise errors[0]


def block(i, j, n=64):
    return np.arange(n, dtype="i8") + 1_000_000 * i + 1000 * j


def test_eight_threads_eight_files(tmp_path):
    steps = 50

    def work(i, barrier):
        es = h5async.EventSet()
        f = h5async.File(str(tmp_path / f"t{i}.h5"), "w", es=es)
        d = f.create_dataset("x", shape=(steps, 64), dtype="i8")
        barrier.wait()
        futs = []
        for j in range(steps):
            d[j] = block(i, j)
            f.attrs[f"a{j}"] = i * 100 + j
            futs.append(d.read(np.s_[j], es=es))
        for j, fut in enumerate(futs):
            assert_array_equal(fut.result(timeout=TIMEOUT), block(i, j))
        f.close()
        assert es.wait() == 0
        es.close()

    run_threads(work)
    for i in range(N_THREADS):
        with h5py.File(tmp_path / f"t{i}.h5", "r") as h:
            for j in range(steps):
                assert_array_equal(h["x"][j], block(i, j))
                assert h.attrs[f"a{j}"] == i * 100 + j


def test_eight_threads_one_file_distinct_datasets(tmp_path):
    path = str(tmp_path / "shared.h5")
    steps = 50
    shared_es = h5async.EventSet()
    f = h5async.File(path, "w", es=shared_es)
    groups = [f.create_group(f"g{i}") for i in range(N_THREADS)]
    shared_es.wait()

    def work(i, barrier):
        es = h5async.EventSet()  # each thread its own event set
        g = groups[i]
        barrier.wait()
        d = g.create_dataset("x", shape=(steps, 64), dtype="i8", es=es)
        e = f.create_dataset(f"top{i}", shape=(0,), maxshape=(None,), chunks=(16,),
                             dtype="f4", es=es)
        for j in range(steps):
            d.write_direct(block(i, j), dest_sel=np.s_[j], es=es)
            e.resize((j + 1,), es=es)
            e.write_direct(np.array([i + j / 100], dtype="f4"), dest_sel=np.s_[j:j + 1], es=es)
        g.attrs.create("owner", i, es=es)
        assert es.wait(timeout=TIMEOUT) == 0
        got = d.read(es=es).result(timeout=TIMEOUT)
        assert_array_equal(got, np.stack([block(i, j) for j in range(steps)]))
        es.close()

    run_threads(work)
    f.close()
    assert shared_es.wait() == 0
    shared_es.close()
    with h5py.File(path, "r") as h:
        for i in range(N_THREADS):
            assert_array_equal(h[f"g{i}/x"][...], np.stack([block(i, j) for j in range(steps)]))
            assert h[f"g{i}"].attrs["owner"] == i
            assert_array_equal(h[f"top{i}"][...],
                               np.array([i + j / 100 for j in range(steps)], dtype="f4"))


def test_eight_threads_one_file_with_its_default_eventset(tmp_path):
    """Plain h5py-style code in every thread, all on one default event set."""
    path = str(tmp_path / "default.h5")
    es = h5async.EventSet()
    f = h5async.File(path, "w", es=es)
    es.wait()

    def work(i, barrier):
        barrier.wait()
        for j in range(20):
            f[f"t{i}/d{j}"] = block(i, j, 16)
        f[f"t{i}"].attrs["done"] = True

    run_threads(work)
    assert es.wait() == 0
    f.close()
    es.wait()
    es.close()
    with h5py.File(path, "r") as h:
        for i in range(N_THREADS):
            assert h[f"t{i}"].attrs["done"]
            for j in range(20):
                assert_array_equal(h[f"t{i}/d{j}"][...], block(i, j, 16))


def test_threads_mixing_synchronous_and_asynchronous_calls(tmp_path):
    path = str(tmp_path / "mixed.h5")
    f = h5async.File(path, "w")
    datasets = [f.create_dataset(f"x{i}", shape=(40, 64), dtype="i8") for i in range(N_THREADS)]

    def work(i, barrier):
        d = datasets[i]
        es = h5async.EventSet()
        barrier.wait()
        for j in range(40):
            if (i + j) % 2:
                d[j] = block(i, j)                       # synchronous (no default es)
                assert_array_equal(d[j], block(i, j))    # synchronous read sees it
            else:
                d.write_direct(block(i, j), dest_sel=np.s_[j], es=es)
                dest = np.empty(64, "i8")
                d.read_direct(dest, np.s_[j], es=es)
                es.wait(timeout=TIMEOUT)
                assert_array_equal(dest, block(i, j))
        assert es.wait() == 0
        es.close()

    run_threads(work)
    for i, d in enumerate(datasets):
        assert_array_equal(d[...], np.stack([block(i, j) for j in range(40)]))
    f.close()


def test_futures_resolved_from_other_threads(tmp_path):
    """One thread submits, eight threads wait on and take the results."""
    f = h5async.File(str(tmp_path / "fan.h5"), "w")
    data = np.arange(8 * 1000, dtype="f8").reshape(8, 1000)
    d = f.create_dataset("x", data=data)
    es = h5async.EventSet()
    h5async.emulate_storage(latency=0.01)
    try:
        futs = [d.read(np.s_[i], es=es) for i in range(N_THREADS)]
        fired = []
        for fut in futs:
            fut.add_done_callback(lambda fu: fired.append(threading.get_ident()))

        workers = set()

        def work(i, barrier):
            workers.add(threading.get_ident())
            barrier.wait()
            assert_array_equal(futs[i].result(timeout=TIMEOUT), data[i])
            es.wait(timeout=TIMEOUT)

        run_threads(work)
    finally:
        h5async.emulate_storage()
    assert es.wait() == 0
    assert len(fired) == N_THREADS
    # Callbacks ran on the Python threads that waited, never on the I/O thread.
    assert set(fired) <= workers | {threading.get_ident()}
    es.close()
    f.close()


def test_many_threads_waiting_on_one_eventset(tmp_path):
    f = h5async.File(str(tmp_path / "waiters.h5"), "w")
    d = f.create_dataset("x", shape=(100, 100), dtype="i4")
    es = h5async.EventSet()
    results = []
    h5async.emulate_storage(latency=0.005)
    try:
        for i in range(100):
            d.write_direct(np.full(100, i, "i4"), dest_sel=np.s_[i], es=es)

        def work(i, barrier):
            barrier.wait()
            results.append(es.wait(timeout=TIMEOUT))

        run_threads(work)
    finally:
        h5async.emulate_storage()
    assert results == [0] * N_THREADS
    assert es.num_in_progress == 0
    assert_array_equal(d[...], np.repeat(np.arange(100, dtype="i4"), 100).reshape(100, 100))
    es.close()
    f.close()


def test_threads_creating_and_closing_files_while_others_write(tmp_path):
    path = str(tmp_path / "long.h5")
    f = h5async.File(path, "w")
    d = f.create_dataset("x", shape=(4 * 200,), dtype="i8")

    def work(i, barrier):
        barrier.wait()
        if i < 4:
            es = h5async.EventSet()
            for j in range(200):
                d.write_direct(np.array([i * 1000 + j]), dest_sel=np.s_[i * 200 + j:i * 200 + j + 1],
                               es=es)
            assert es.wait(timeout=TIMEOUT) == 0
            es.close()
        else:
            for k in range(20):
                p = str(tmp_path / f"churn{i}_{k}.h5")
                with h5async.File(p, "w") as g:
                    g["v"] = np.arange(k + 1)
                with h5async.File(p, "r") as g:
                    assert_array_equal(g["v"][...], np.arange(k + 1))

    run_threads(work)
    expected = np.concatenate([i * 1000 + np.arange(200) for i in range(4)])
    assert_array_equal(d[...], expected)
    f.close()
    with h5py.File(path, "r") as h:
        assert_array_equal(h["x"][...], expected)
