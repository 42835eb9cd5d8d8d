"""Asynchronous close and flush (issue 4, point 3), and File.close()
raising the file's unretrieved failures exactly once (point 4)."""
import contextlib
import gc
import shutil

import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async






@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "close.h5")


@contextlib.contextmanager
def slow_storage(latency=0.5):
    h5async.emulate_storage(latency=latency)
    try:
        yield
    finally:
        h5async.emulate_storage()


# ---------------------------------------------------------------- returns at once

def test_close_with_es_returns_at_once_behind_slow_io(path, es):
    f = h5async.File(path, "w", es=es)
    d = f.create_dataset("x", shape=(4, 100), dtype="i4")
    with slow_storage(0.5):
        for i in range(4):
            d[i] = np.full(100, i)
        f.close(es=es)
        assert es.num_in_progress > 0  # the close is still queued behind them
        assert not f and not d
    assert es.wait() == 0
    with h5py.File(path, "r") as h:
        assert_array_equal(h["x"][...], np.repeat(np.arange(4), 100).reshape(4, 100))


def test_close_and_flush_with_es_are_queued_while_the_engine_is_held(path, es, hold):
    f = h5async.File(path, "w", es=es)
    f.create_dataset("x", data=np.arange(10))
    es.wait()
    h = hold()
    before = es.num_in_progress
    f.flush(es=es)
    assert es.num_in_progress == before + 1
    f.close(es=es)
    assert es.num_in_progress == before + 2
    assert h.held
    h.release()
    assert es.wait() == 0
    with h5py.File(path, "r") as hf:
        assert_array_equal(hf["x"][...], np.arange(10))


def test_close_with_the_default_eventset_is_asynchronous(path, hold):
    es = h5async.EventSet()
    f = h5async.File(path, "w", es=es)
    f["x"] = np.arange(3)
    h = hold()
    f.close()  # the file's default event set: queued
    assert h.held and es.num_in_progress >= 1
    h.release()
    assert es.wait() == 0
    es.close()
    with h5py.File(path, "r") as hf:
        assert_array_equal(hf["x"][...], np.arange(3))


def test_flush_with_es_makes_data_durable_while_open(path, es, tmp_path):
    f = h5async.File(path, "w", es=es)
    d = f.create_dataset("x", shape=(50,), dtype="f8")
    d[...] = np.linspace(0, 1, 50)
    f.attrs["note"] = "flushed"
    f.flush(es=es)
    assert es.wait() == 0
    snapshot = str(tmp_path / "snapshot.h5")
    shutil.copyfile(path, snapshot)  # the file as it is on disk, still open here
    with h5py.File(snapshot, "r") as h:
        assert_array_equal(h["x"][...], np.linspace(0, 1, 50))
        assert h.attrs["note"] == "flushed"
    # The file stays usable after a flush.
    d[0] = -1.0
    assert d[0] == -1.0
    f.close()
    es.wait()


def test_synchronous_flush(path):
    f = h5async.File(path, "w")
    f["x"] = np.arange(7)
    f.flush()
    f.flush(es=None)
    assert_array_equal(f["x"][...], np.arange(7))
    f.close()


# ---------------------------------------------------------------- closed objects

def closed_uses(f, d, g):
    es = h5async.EventSet()
    return {
        "dataset read": lambda: d[0:2],
        "dataset write": lambda: d.__setitem__(0, 1),
        "dataset read future": lambda: d.read(es=es),
        "dataset read_direct": lambda: d.read_direct(np.zeros(10, "i8"), es=es),
        "dataset write_direct": lambda: d.write_direct(np.zeros(10, "i8"), es=es),
        "dataset resize": lambda: d.resize((20,), es=es),
        "dataset attrs set": lambda: d.attrs.__setitem__("a", 1),
        "dataset attrs get": lambda: d.attrs["u"],
        "dataset attrs read future": lambda: d.attrs.read("u", es=es),
        "group create_group": lambda: g.create_group("y", es=es),
        "group create_dataset": lambda: g.create_dataset("y", data=[1], es=es),
        "group keys": lambda: list(g.keys()),
        "group getitem": lambda: g["sub"],
        "file getitem": lambda: f["x"],
        "file attrs": lambda: f.attrs["a"],
        "file flush": lambda: f.flush(es=es),
        "file flush sync": lambda: f.flush(es=None),
    }


USES = list(closed_uses(None, None, None))


@pytest.mark.parametrize("use", USES)
@pytest.mark.parametrize("how", ["async close", "sync close"])
def test_objects_of_a_closed_file_raise_value_error(path, use, how):
    es = h5async.EventSet()
    f = h5async.File(path, "w", es=es)
    d = f.create_dataset("x", shape=(10,), maxshape=(None,), chunks=(5,), dtype="i8")
    d.attrs["u"] = 1
    g = f.create_group("g")
    g.create_group("sub")
    f.attrs["a"] = 2
    if how == "async close":
        f.close(es=es)  # unusable at once, before the close has run
    else:
        es.wait()
        f.es = None
        f.close()
    call = closed_uses(f, d, g)[use]
    gc.disable()  # no object may be released (and its close queued) meanwhile
    try:
        submitted = h5async.stats()["submitted"]
        with pytest.raises(ValueError):
            call()
        assert h5async.stats()["submitted"] == submitted  # nothing was queued
    finally:
        gc.enable()
    assert es.wait() == 0
    es.close()
    assert not f and not d and not g
    assert "sub" not in g  # as h5py: a closed group contains nothing
    assert repr(f) == "<Closed HDF5 file>"
    assert repr(d) == "<Closed HDF5 dataset>"
    with h5py.File(path, "r") as h:  # and the file itself is complete
        assert h["x"].attrs["u"] == 1 and h.attrs["a"] == 2 and "sub" in h["g"]


def test_close_twice_is_allowed(path, es):
    f = h5async.File(path, "w", es=es)
    f.close(es=es)
    f.close(es=es)
    f.close()
    assert es.wait() == 0


# ---------------------------------------------------------------- in flight

def test_closing_with_writes_in_flight_keeps_their_data(path, es):
    f = h5async.File(path, "w", es=es)
    d = f.create_dataset("x", shape=(8, 64), dtype="f4")
    g = f.create_group("g")
    with slow_storage(0.1):
        for i in range(8):
            d[i] = np.full(64, i, dtype="f4")
            g.attrs[f"a{i}"] = i
        e = g.create_dataset("e", data=np.arange(5))
        f.close(es=es)
    del d, g, e
    gc.collect()
    assert es.wait() == 0
    with h5py.File(path, "r") as h:
        for i in range(8):
            assert_array_equal(h["x"][i], np.full(64, i, dtype="f4"))
            assert h["g"].attrs[f"a{i}"] == i
        assert_array_equal(h["g/e"][...], np.arange(5))


def test_close_with_reads_in_flight_still_delivers_them(path, es):
    f = h5async.File(path, "w", es=es)
    d = f.create_dataset("x", data=np.arange(1000.0))
    dest = np.zeros(100)
    with slow_storage(0.1):
        futs = [d.read(np.s_[i * 100:(i + 1) * 100], es=es) for i in range(5)]
        d.read_direct(dest, np.s_[900:1000], es=es)
        fa = f.attrs.read("missing", es=es)
        f.close(es=es)
    for i, fut in enumerate(futs):
        assert_array_equal(fut.result(), np.arange(i * 100, (i + 1) * 100.0))
    assert type(fa.exception()) is KeyError
    assert es.wait() == 0
    assert_array_equal(dest, np.arange(900, 1000.0))


def test_children_are_closed_before_the_file(path, es):
    """Python still references datasets, groups and attributes of the file,
    yet after its close completes the file is really closed: it can be
    truncated, which HDF5 refuses for a file that is still open."""
    f = h5async.File(path, "w", es=es)
    d = f.create_dataset("x", data=np.arange(5))
    g = f.create_group("g")
    sub = g.create_dataset("y", data=np.ones(3))
    attrs = d.attrs
    attrs["k"] = "v"
    f.close(es=es)
    assert es.wait() == 0
    with h5py.File(path, "r") as h:  # no lock held by h5async any more
        assert_array_equal(h["x"][...], np.arange(5))
        assert_array_equal(h["g/y"][...], np.ones(3))
        assert h["x"].attrs["k"] == "v"
    again = h5async.File(path, "w")  # truncation needs the file closed
    again["z"] = np.arange(2)
    again.close()
    assert not d and not g and not sub
    with h5py.File(path, "r") as h:
        assert list(h) == ["z"]


def test_reopen_queued_right_after_an_async_close(path, es):
    f = h5async.File(path, "w", es=es)
    f.create_dataset("x", data=np.arange(20))
    f.close(es=es)
    es2 = h5async.EventSet()
    f2 = h5async.File(path, "r", es=es2)  # runs after the close: FIFO
    fut = f2["x"].read(np.s_[5:10], es=es2)
    assert_array_equal(fut.result(), np.arange(5, 10))
    f2.close()
    assert es.wait() == 0 and es2.wait() == 0
    es2.close()


def test_context_manager_with_default_eventset(path):
    es = h5async.EventSet()
    with h5async.File(path, "w", es=es) as f:
        f["x"] = np.arange(4)
    assert not f
    assert es.wait() == 0
    es.close()
    with h5py.File(path, "r") as h:
        assert_array_equal(h["x"][...], np.arange(4))


# ---------------------------------------------------------------- close raises

def test_sync_close_raises_the_files_unretrieved_failures_once(path, es):
    es2 = h5async.EventSet()
    f = h5async.File(path, "w", es=es)
    f.create_dataset("x", data=np.arange(3))
    f.create_dataset("x", data=np.arange(3))        # fails: exists
    f.create_group("g", es=es2)
    f.create_group("g", es=es2)                     # fails: exists, other event set
    f.es = None
    with pytest.raises(h5async.EventSetError) as info:
        f.close()
    errs = info.value.exceptions
    assert sorted((type(e), e.operation, e.object_path) for e in errs) == sorted([
        (ValueError, "create_dataset", "/x"), (ValueError, "create_group", "/g")])
    for e in errs:
        assert "already exists" in str(e)
        assert isinstance(e.hdf5_stack, str)
    # Raised once: the event sets do not raise them again.
    assert es.wait() == 0 and es.op_failed is False
    assert es2.wait() == 0 and es2.op_failed is False
    es2.close()
    assert not f
    with h5py.File(path, "r") as h:  # the successful work is there
        assert_array_equal(h["x"][...], np.arange(3))
        assert "g" in h


def test_sync_close_with_es_none_argument_raises_too(path, es):
    f = h5async.File(path, "w", es=es)
    f.create_group("g")
    f.create_group("g")
    with pytest.raises(h5async.EventSetError) as info:
        f.close(es=None)
    assert [type(e) for e in info.value.exceptions] == [ValueError]
    assert es.wait() == 0


def test_failures_retrieved_by_wait_are_not_raised_by_close(path, es):
    f = h5async.File(path, "w", es=es)
    f.create_group("g")
    f.create_group("g")
    with pytest.raises(h5async.EventSetError):
        es.wait()
    f.es = None
    f.close()  # nothing left to raise
    assert not f


def test_failures_taken_through_errors_are_not_raised_by_close(path, es):
    f = h5async.File(path, "w", es=es)
    f.create_group("g")
    f.create_group("g")
    h5async.drain()  # done, without retrieving the failure
    assert es.op_failed is True
    errs = es.errors
    assert [type(e) for e in errs] == [ValueError]
    f.close(es=None)
    assert es.wait() == 0


def test_close_raises_only_its_own_files_failures(tmp_path, es):
    f = h5async.File(str(tmp_path / "mine.h5"), "w", es=es)
    other = h5async.File(str(tmp_path / "other.h5"), "w", es=es)
    f.create_group("a")
    f.create_group("a")
    other.create_group("b")
    other.create_group("b")
    with pytest.raises(h5async.EventSetError) as info:
        f.close(es=None)
    assert [(type(e), e.object_path) for e in info.value.exceptions] == [(ValueError, "/a")]
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    assert [(type(e), e.object_path) for e in info.value.exceptions] == [(ValueError, "/b")]
    other.close(es=None)


def test_async_close_failures_of_the_file_reach_the_eventset(path, es):
    f = h5async.File(path, "w", es=es)
    f.create_group("g")
    f.create_group("g")
    f.close(es=es)
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    assert [type(e) for e in info.value.exceptions] == [ValueError]
    assert es.wait() == 0


def test_a_queued_close_is_not_cancelled(path, es, hold):
    f = h5async.File(path, "w", es=es)
    f.create_dataset("x", data=np.arange(5))
    es.wait()
    h = hold()
    f.close(es=es)
    # A close is never cancelled (the file's objects are unusable from the
    # call on): cancel() reports it as the one it could not cancel.
    assert es.cancel() == 1
    h.release()
    assert es.wait() == 0
    f.close()  # whatever state the file is in, this must leave it closed
    with h5py.File(path, "r") as hf:
        assert_array_equal(hf["x"][...], np.arange(5))
    again = h5async.File(path, "w")
    again.close()
