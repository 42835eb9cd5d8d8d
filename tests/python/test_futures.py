"""Futures of asynchronous reads: d.read(sel, es=), read_direct(dest, es=)
and attrs.read(name, es=) (issue 4, point 1).

"Still queued" is made deterministic in two ways: ``hold`` parks the single
I/O thread in open(2) of a FIFO until released, and ``slow_storage`` makes
every dataset transfer sleep on the I/O thread (h5async.emulate_storage),
so that an operation submitted behind a slow one stays queued.  No test
asserts a duration.
"""
import concurrent.futures
import contextlib
import gc
import sys
import threading
import time
import weakref

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async

FAILSAFE = 60.0


# ---------------------------------------------------------------- helpers

@contextlib.contextmanager
def slow_storage(latency=0.5, bandwidth=0.0):
    h5async.emulate_storage(bandwidth=bandwidth, latency=latency)
    try:
        yield
    finally:
        h5async.emulate_storage()


def wait_until(pred, what):
    """Poll `pred` (a state, not a duration); fail after the failsafe."""
    deadline = time.monotonic() + FAILSAFE
    while not pred():
        if time.monotonic() > deadline:
            pytest.fail(f"never became true: {what}")
        time.sleep(0.001)




DATA = np.arange(2000, dtype="f8").reshape(100, 20)


@pytest.fixture
def dfile(tmp_path):
    """A file (no default event set) holding /x = DATA, /s strings, attrs."""
    f = h5async.File(str(tmp_path / "fut.h5"), "w")
    f.create_dataset("x", data=DATA)
    f.create_dataset("s", data=np.array([b"alpha", b"be", b"gamma!"], dtype=object),
                     dtype=h5async.string_dtype("ascii"))
    f.attrs["scalar"] = 7
    f.attrs["vec"] = np.arange(6, dtype="i2").reshape(2, 3)
    f.attrs["text"] = "hello"
    f["x"].attrs["units"] = "m/s"
    yield f
    if f:
        f.es = None
        with contextlib.suppress(h5async.EventSetError):
            f.close()


def python_thread_idents():
    return {t.ident for t in threading.enumerate()
            if not isinstance(t, threading._DummyThread)}


# ---------------------------------------------------------------- results

def test_read_returns_a_future_with_the_data(dfile, es):
    d = dfile["x"]
    fut = d.read(np.s_[10:20, 3:7], es=es)
    assert isinstance(fut, h5async.Future)
    assert_array_equal(fut.result(timeout=FAILSAFE), DATA[10:20, 3:7])
    assert fut.done() is True
    assert fut.running() is False
    assert fut.cancelled() is False
    assert fut.exception() is None
    assert fut.exception(timeout=0) is None
    # A finished future keeps its result.
    assert_array_equal(fut.result(), DATA[10:20, 3:7])
    assert es.wait() == 0
    assert es.op_counter == 1


@pytest.mark.parametrize("key", [
    (), Ellipsis, np.s_[:], np.s_[5], np.s_[5, 7], np.s_[::3, 1::4], np.s_[[1, 4, 9], :],
    np.s_[:, [0, 19]], np.s_[DATA[:, 0] % 3 == 0], np.s_[-1], np.s_[2:2],
])
def test_read_future_matches_numpy_for_each_selection(dfile, es, key):
    d = dfile["x"]
    expected = DATA[key]
    got = d.read(key, es=es).result()
    assert np.shape(got) == np.shape(expected)
    assert_array_equal(got, expected)
    assert_array_equal(got, d[key])  # same as the synchronous read
    es.wait()


def test_read_without_key_reads_everything(dfile, es):
    assert_array_equal(dfile["x"].read(es=es).result(), DATA)


def test_point_read_gives_a_numpy_scalar_like_getitem(dfile, es):
    d = dfile["x"]
    r = d.read(np.s_[3, 4], es=es).result()
    assert r == DATA[3, 4]
    assert type(r) is type(d[3, 4]) is np.float64


def test_string_read_future_can_be_asked_twice(dfile, es):
    fut = dfile["s"].read(es=es)
    first = fut.result()
    second = fut.result()
    assert list(first) == [b"alpha", b"be", b"gamma!"]
    assert list(second) == list(first)
    assert dfile["s"].read(2, es=es).result() == b"gamma!"


def test_read_uses_the_files_default_eventset(tmp_path):
    es = h5async.EventSet()
    f = h5async.File(str(tmp_path / "dflt.h5"), "w", es=es)
    d = f.create_dataset("x", data=DATA)
    before = es.op_counter
    fut = d.read(np.s_[0:3])
    assert es.op_counter == before + 1
    assert_array_equal(fut.result(), DATA[0:3])
    f.close()
    assert es.wait() == 0
    es.close()


def test_read_with_es_none_is_still_a_future(dfile):
    fut = dfile["x"].read(np.s_[1], es=None)
    assert isinstance(fut, h5async.Future)
    assert_array_equal(fut.result(), DATA[1])


def test_many_outstanding_futures_each_get_their_own_rows(dfile, es):
    d = dfile["x"]
    futs = [d.read(np.s_[i], es=es) for i in range(100)]
    for i, fut in enumerate(futs):
        assert_array_equal(fut.result(), DATA[i])
    assert es.wait() == 0
    assert es.op_counter == 100


def test_read_sees_every_write_submitted_before_it(dfile, es, hold):
    d = dfile["x"]
    h = hold()
    d.write_direct(np.full((1, 20), -5.0), dest_sel=np.s_[7:8], es=es)
    fut = d.read(np.s_[7], es=es)
    d.write_direct(np.full((1, 20), 9.0), dest_sel=np.s_[7:8], es=es)
    later = d.read(np.s_[7], es=es)
    assert h.held and not fut.done()
    h.release()
    assert_array_equal(fut.result(), np.full(20, -5.0))
    assert_array_equal(later.result(), np.full(20, 9.0))
    es.wait()


def test_pending_future_state_and_timeout(dfile, es, hold):
    d = dfile["x"]
    h = hold()
    fut = d.read(np.s_[0:2], es=es)
    assert fut.done() is False
    assert fut.running() is False
    assert fut.cancelled() is False
    with pytest.raises(TimeoutError):
        fut.result(timeout=0.05)
    with pytest.raises(TimeoutError):
        fut.exception(timeout=0)
    assert "pending" in repr(fut)
    h.release()
    assert_array_equal(fut.result(timeout=FAILSAFE), DATA[0:2])
    assert "finished" in repr(fut)
    es.wait()


def test_future_outlives_its_dataset_and_file_objects(tmp_path, es):
    path = str(tmp_path / "gone.h5")
    f = h5async.File(path, "w", es=es)
    f.create_dataset("x", data=DATA)
    fut = f["x"].read(np.s_[50:60], es=es)
    f.close(es=es)
    del f
    gc.collect()
    assert_array_equal(fut.result(), DATA[50:60])
    assert es.wait() == 0


def test_dropping_a_pending_future_is_safe(dfile, es, hold):
    d = dfile["x"]
    h = hold()
    fut = d.read(es=es)
    del fut
    gc.collect()
    h.release()
    assert es.wait() == 0
    gc.collect()
    assert_array_equal(d.read(np.s_[99], es=es).result(), DATA[99])


# ---------------------------------------------------------------- failures

def test_failed_read_future_holds_the_dependency_error(tmp_path, es):
    f = h5async.File(str(tmp_path / "dep.h5"), "w", es=es)
    f.create_dataset("x", shape=(4,), dtype="i4")
    dup = f.create_dataset("x", shape=(4,), dtype="i4")  # fails on the I/O thread
    fut = dup.read(es=es)
    exc = fut.exception(timeout=FAILSAFE)
    assert type(exc) is h5async.DependencyError
    assert type(exc.__cause__) is ValueError
    assert "already exists" in str(exc.__cause__)
    with pytest.raises(h5async.DependencyError):
        fut.result()
    assert fut.done() and not fut.cancelled()
    # The read's failure was seen through the future: the event set raises
    # only the root failure, once.
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    assert [type(e) for e in info.value.exceptions] == [ValueError]
    assert info.value.exceptions[0].operation == "create_dataset"
    assert es.wait() == 0
    f.close(es=None)


def test_missing_attribute_future_raises_key_error(dfile, es):
    fut = dfile.attrs.read("nope", es=es)
    assert type(fut.exception()) is KeyError
    with pytest.raises(KeyError):
        fut.result()
    assert es.wait() == 0  # retrieved through the future


# ---------------------------------------------------------------- cancel

def test_cancel_while_queued_behind_a_slow_read(dfile, es):
    d = dfile["x"]
    with slow_storage(latency=0.5):
        slow = d.read(es=es)  # the I/O thread sleeps 0.5 s in this one
        queued = d.read(np.s_[0:5], es=es)
        assert queued.cancel() is True
    assert queued.cancelled() is True
    assert queued.done() is True
    assert queued.running() is False
    assert "cancelled" in repr(queued)
    with pytest.raises(concurrent.futures.CancelledError):
        queued.result()
    with pytest.raises(concurrent.futures.CancelledError):
        queued.exception()
    assert queued.cancel() is True  # still cancelled
    # The slow one is unaffected, and a cancellation is not a failure.
    assert_array_equal(slow.result(), DATA)
    assert es.wait() == 0
    assert es.op_failed is False
    assert_array_equal(d.read(np.s_[0:5], es=es).result(), DATA[0:5])


def test_cancel_queued_with_engine_held(dfile, es, hold):
    d = dfile["x"]
    h = hold()
    futs = [d.read(np.s_[i], es=es) for i in range(10)]
    assert all(futs[i].cancel() for i in range(0, 10, 2))
    h.release()
    es.wait()
    for i, fut in enumerate(futs):
        if i % 2 == 0:
            assert fut.cancelled()
        else:
            assert not fut.cancelled()
            assert_array_equal(fut.result(), DATA[i])


def test_cancel_of_a_running_read_fails_and_it_completes(dfile, es):
    d = dfile["x"]
    with slow_storage(latency=0.5):
        fut = d.read(np.s_[40:45], es=es)
        wait_until(fut.running, "the read started")
        assert fut.cancel() is False
    assert fut.cancelled() is False
    assert_array_equal(fut.result(), DATA[40:45])
    es.wait()


def test_cancel_after_completion_returns_false(dfile, es):
    fut = dfile["x"].read(np.s_[1], es=es)
    fut.result()
    assert fut.cancel() is False
    assert fut.cancelled() is False
    assert_array_equal(fut.result(), DATA[1])


# ---------------------------------------------------------------- callbacks

def test_done_callback_fires_once_on_the_thread_calling_result(dfile, es, hold):
    d = dfile["x"]
    h = hold()
    calls = []
    fut = d.read(np.s_[3], es=es)
    fut.add_done_callback(lambda f: calls.append((threading.get_ident(), f)))
    assert calls == []  # not while queued
    h.release()
    assert_array_equal(fut.result(), DATA[3])
    assert calls == [(threading.get_ident(), fut)]
    es.wait()
    fut.result()
    assert len(calls) == 1


def test_done_callback_fires_in_eventset_wait_even_if_the_future_is_dropped(dfile, es, hold):
    d = dfile["x"]
    h = hold()
    seen = []

    def cb(f):
        seen.append((threading.get_ident(), f.done(), f.result().copy()))

    fut = d.read(np.s_[8:10], es=es)
    fut.add_done_callback(cb)
    del fut
    gc.collect()
    h.release()
    assert es.wait() == 0
    assert len(seen) == 1
    ident, done, data = seen[0]
    assert ident == threading.get_ident()
    assert done is True
    assert_array_equal(data, DATA[8:10])


def test_done_callback_runs_on_the_waiting_python_thread(dfile, es, hold):
    d = dfile["x"]
    h = hold()
    seen = []
    fut = d.read(np.s_[0], es=es)
    fut.add_done_callback(lambda f: seen.append(threading.get_ident()))
    waiter = threading.Thread(target=es.wait)
    waiter.start()
    h.release()
    waiter.join(FAILSAFE)
    assert not waiter.is_alive()
    assert seen == [waiter.ident]
    assert seen[0] in python_thread_idents() or seen[0] == waiter.ident
    assert_array_equal(fut.result(), DATA[0])


def test_callbacks_run_in_order_and_late_ones_run_at_once(dfile, es):
    d = dfile["x"]
    order = []
    fut = d.read(np.s_[0], es=es)
    for k in range(3):
        fut.add_done_callback(lambda f, k=k: order.append(k))
    fut.result()
    assert order == [0, 1, 2]
    fut.add_done_callback(lambda f: order.append("late"))
    assert order == [0, 1, 2, "late"]
    assert threading.get_ident() in python_thread_idents()


def test_callback_of_a_cancelled_future_fires(dfile, es, hold):
    d = dfile["x"]
    h = hold()
    states = []
    fut = d.read(es=es)
    fut.add_done_callback(lambda f: states.append(f.cancelled()))
    assert fut.cancel()
    assert states == [True]  # cancel() reaps at once
    h.release()
    es.wait()
    assert states == [True]


def test_raising_callback_is_reported_and_does_not_stop_the_others(dfile, es, monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_type))
    d = dfile["x"]
    ok = []

    def bad(f):
        raise ZeroDivisionError("from a callback")

    fut = d.read(np.s_[0], es=es)
    fut.add_done_callback(bad)
    fut.add_done_callback(lambda f: ok.append(True))
    assert_array_equal(fut.result(), DATA[0])
    assert ok == [True]
    assert reported == [ZeroDivisionError]


def test_add_done_callback_rejects_non_callables(dfile, es):
    fut = dfile["x"].read(np.s_[0], es=es)
    with pytest.raises(TypeError):
        fut.add_done_callback(42)
    fut.result()


def test_callback_never_runs_on_the_io_thread(dfile, es):
    d = dfile["x"]
    threads = []
    futs = [d.read(np.s_[i], es=es) for i in range(50)]
    for fut in futs:
        fut.add_done_callback(lambda f: threads.append(threading.get_ident()))
    es.wait()
    for fut in futs:
        fut.result()
    assert len(threads) == 50
    assert set(threads) <= python_thread_idents()


# ---------------------------------------------------------------- read_direct

def test_read_direct_with_es_fills_the_buffer_later(dfile, es, hold):
    d = dfile["x"]
    dest = np.zeros((10, 20))
    h = hold()
    d.read_direct(dest, np.s_[20:30], es=es)
    assert es.num_in_progress == 1
    assert not dest.any()  # nothing yet: the engine is held
    h.release()
    assert es.wait() == 0
    assert_array_equal(dest, DATA[20:30])


def test_read_direct_selections(dfile, es):
    d = dfile["x"]
    dest = np.full((4, 30), -1.0)
    d.read_direct(dest, source_sel=np.s_[0:2, 0:20], dest_sel=np.s_[1:3, 5:25], es=es)
    es.wait()
    expected = np.full((4, 30), -1.0)
    expected[1:3, 5:25] = DATA[0:2]
    assert_array_equal(dest, expected)


def test_read_direct_keeps_a_dropped_destination_alive(dfile, es):
    d = dfile["x"]
    with slow_storage(latency=0.5):
        d.read(es=es)  # slow, ahead of it
        dest = np.zeros_like(DATA)
        ref = weakref.ref(dest)
        d.read_direct(dest, es=es)
        del dest
        gc.collect()
        assert ref() is not None  # held by the task
        assert es.num_in_progress >= 1
    assert es.wait() == 0
    gc.collect()
    assert ref() is None  # let go once filled and reaped
    # Nothing was corrupted: the engine and the data are fine.
    assert_array_equal(d.read(np.s_[60:70], es=es).result(), DATA[60:70])
    after = np.empty_like(DATA)
    d.read_direct(after)
    assert_array_equal(after, DATA)


def test_read_direct_into_a_view_keeps_the_base_alive(dfile, es, hold):
    d = dfile["x"]
    base = np.zeros((200, 20))
    keep = base[150:]  # a second view: lets us look at the memory afterwards
    base_ref = weakref.ref(base)
    view = base[50:150]  # C-contiguous view
    h = hold()
    d.read_direct(view, es=es)
    del base, view
    gc.collect()
    assert base_ref() is not None
    h.release()
    es.wait()
    full = keep.base
    assert full is base_ref()
    assert_array_equal(full[50:150], DATA)
    assert not full[:50].any() and not full[150:].any()
    del full, keep
    gc.collect()
    assert base_ref() is None


def test_read_direct_buffer_is_released_after_completion(dfile, es, hold):
    d = dfile["x"]
    dest = np.zeros_like(DATA)
    ref = weakref.ref(dest)
    h = hold()
    d.read_direct(dest, es=es)
    del dest
    gc.collect()
    assert ref() is not None
    h.release()
    es.wait()
    gc.collect()
    assert ref() is None
    assert_array_equal(d.read(np.s_[5], es=es).result(), DATA[5])


# ---------------------------------------------------------------- attributes

def test_attribute_read_future(dfile, es):
    fut = dfile.attrs.read("vec", es=es)
    assert isinstance(fut, h5async.Future)
    got = fut.result(timeout=FAILSAFE)
    assert_array_equal(got, np.arange(6, dtype="i2").reshape(2, 3))
    assert got.dtype == np.dtype("i2")
    assert fut.done() and fut.exception() is None
    assert dfile.attrs.read("scalar", es=es).result() == 7
    assert dfile.attrs.read("text", es=es).result() == "hello"
    assert dfile["x"].attrs.read("units", es=es).result() == "m/s"
    assert es.wait() == 0
    assert es.op_counter == 4


def test_attribute_read_future_sees_earlier_queued_writes(dfile, es, hold):
    h = hold()
    dfile.attrs.create("late", np.arange(3.0), es=es)
    fut = dfile.attrs.read("late", es=es)
    assert not fut.done()
    h.release()
    assert_array_equal(fut.result(), np.arange(3.0))
    es.wait()


@pytest.mark.parametrize("value", [np.int64(7), np.float64(2.5), np.bytes_(b"xy")])
def test_attribute_read_future_matches_getitem_type(dfile, es, value):
    dfile.attrs["v"] = value
    got = dfile.attrs.read("v", es=es).result()
    assert got == dfile.attrs["v"] == value
    assert type(got) is type(dfile.attrs["v"])
