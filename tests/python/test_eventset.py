"""EventSet: wait/timeouts, counters, errors as an ExceptionGroup of h5py's
types, dependency failures, close and the context manager."""
import errno
import gc
import sys
import threading

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async


def test_eventset_alias_and_fresh_state():
    assert h5async.Eventset is h5async.EventSet
    es = h5async.Eventset()
    assert es.num_in_progress == 0
    assert es.op_counter == 0
    assert es.op_failed is False
    assert es.errors == []
    assert es.wait() == 0
    assert es.wait(0) == 0
    assert es.closed is False
    es.close()
    assert es.closed is True


def test_eventset_takes_no_arguments():
    with pytest.raises(TypeError):
        h5async.EventSet(3)


def test_wait_with_timeout_returns_number_in_progress(h5path, es, io_blocker):
    blk = io_blocker()
    f = h5async.File(h5path, "w", es=es)
    f.create_group("g")
    f.attrs["a"] = 1
    assert es.wait(0.05) == 3  # the I/O thread is held: nothing can finish
    assert es.wait(0) == 3
    assert es.num_in_progress == 3
    assert es.op_counter == 3
    assert es.op_failed is False
    blk.release()
    assert es.wait(1000000) == 0
    assert es.num_in_progress == 0
    assert es.op_counter == 3
    assert "g" in f and f.attrs["a"] == 1
    f.es = None
    f.close()


@pytest.mark.parametrize("timeout", [sys.maxsize, 1000000, 1e300, float("inf"), None],
                         ids=["maxsize", "1e6", "1e300", "inf", "None"])
def test_huge_timeout_waits_until_done(h5path, es, io_blocker, timeout):
    blk = io_blocker()
    f = h5async.File(h5path, "w", es=es)
    f["d"] = np.arange(10)
    # Released from another thread while wait() is (normally) blocked.
    threading.Timer(0.1, blk.release).start()
    assert es.wait(timeout) == 0
    assert es.num_in_progress == 0
    f.es = None
    assert_array_equal(f["d"][...], np.arange(10))
    f.close()


@pytest.mark.parametrize("bad,exc", [(-1, ValueError), (float("nan"), ValueError),
                                     ("soon", TypeError)])
def test_wait_rejects_bad_timeouts(es, bad, exc):
    with pytest.raises(exc):
        es.wait(bad)
    assert es.wait(0) == 0


def test_op_counter_counts_submissions_not_reads(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    d = f.create_dataset("d", (5,), dtype="i8")
    d[...] = np.arange(5)
    f.attrs["x"] = 1
    assert es.op_counter == 4
    assert_array_equal(d[...], np.arange(5))
    assert f.attrs["x"] == 1
    assert "d" in f and list(f) == ["d"] and list(f.attrs) == ["x"]
    assert es.op_counter == 4
    fut = d.read(es=es)  # an explicit asynchronous read is tracked
    assert es.op_counter == 5
    assert es.wait() == 0
    assert_array_equal(fut.result(), np.arange(5))
    f.es = None
    f.close()


def test_failed_create_group_is_a_value_error_in_the_group(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    f.create_group("g")
    f.create_group("g")
    with pytest.raises(h5async.EventSetError) as info:
        es.wait(1000000)
    group = info.value
    assert isinstance(group, ExceptionGroup)
    assert len(group.exceptions) == 1
    exc = group.exceptions[0]
    assert type(exc) is ValueError
    assert "already exists" in str(exc)
    assert exc.operation == "create_group"
    assert exc.object_path == "/g"
    assert isinstance(exc.hdf5_stack, str) and "H5Gcreate" in exc.hdf5_stack
    # Raising handed the errors over: they are not raised twice.
    assert es.op_failed is False
    assert es.wait() == 0
    assert list(f) == ["g"]
    f.es = None
    f.close()


def test_missing_file_with_es_is_file_not_found_in_the_group(tmp_path, es):
    name = str(tmp_path / "missing.h5")
    f = h5async.File(name, "r", es=es)  # returns at once
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    (exc,) = info.value.exceptions
    assert isinstance(exc, FileNotFoundError)
    assert exc.errno == errno.ENOENT
    assert exc.operation == "open_file"
    assert exc.object_path == name
    assert "H5Fopen" in exc.hdf5_stack
    f.es = None
    f.close()
    assert not (tmp_path / "missing.h5").exists()


def test_except_star_selects_by_type(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    f.create_group("g")
    f.create_group("g")
    caught = []
    try:
        es.wait()
    except* ValueError as eg:
        caught.extend(eg.exceptions)
    assert [e.object_path for e in caught] == ["/g"]
    f.es = None
    f.close()


def test_later_tasks_fail_with_dependency_error(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    f.create_group("g")
    g = f.create_group("g")  # fails on the I/O thread
    d = g.create_dataset("d", data=np.arange(5))
    d[0:2] = 5
    g.attrs["a"] = 1
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    excs = info.value.exceptions
    assert [type(e) for e in excs] == [ValueError] + [h5async.DependencyError] * 3
    root = excs[0]
    assert [e.operation for e in excs[1:]] == ["create_dataset", "write", "write_attribute"]
    assert [e.object_path for e in excs[1:3]] == ["/g/d", "/g/d"]
    for dep in excs[1:]:
        assert isinstance(dep.__cause__, ValueError)
        assert dep.__cause__.operation == root.operation == "create_group"
        assert dep.__cause__.object_path == "/g"
        assert "create_group '/g'" in str(dep)
    assert list(f) == ["g"] and len(f["g"]) == 0  # the first group is untouched
    f.es = None
    f.close()


def test_synchronous_use_of_failed_object_raises_dependency_error(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    f.create_group("g")
    g = f.create_group("g")
    with pytest.raises(h5async.DependencyError) as info:
        g.attrs["x"]
    assert isinstance(info.value.__cause__, ValueError)
    assert info.value.__cause__.object_path == "/g"
    with pytest.raises(h5async.EventSetError):
        es.wait()
    f.es = None
    f.close()


def test_errors_property_takes_the_failures(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    f.create_group("g")
    f.create_group("g")
    f.create_group("h")
    h5async.drain()
    assert es.num_in_progress == 0
    assert es.op_failed is True
    errs = es.errors
    assert [(type(e), e.operation, e.object_path) for e in errs] == [
        (ValueError, "create_group", "/g")]
    assert es.op_failed is False
    assert es.errors == []
    assert es.wait() == 0
    assert sorted(f) == ["g", "h"]
    f.es = None
    f.close()


def test_close_waits_then_closes(h5path):
    es = h5async.EventSet()
    f = h5async.File(h5path, "w", es=es)
    f["d"] = np.arange(100)
    f.es = None
    es.close()
    assert es.closed
    assert_array_equal(f["d"][...], np.arange(100))  # done before close returned
    with pytest.raises(ValueError, match="closed"):
        es.wait()
    with pytest.raises(ValueError, match="closed"):
        es.op_counter
    with pytest.raises(ValueError, match="closed"):
        f.create_group("g", es=es)
    es.close()  # twice is fine
    f.close()


def test_close_raises_failures():
    es = h5async.EventSet()
    f = h5async.File("/nonexistent-dir/x.h5", "r", es=es)
    with pytest.raises(h5async.EventSetError) as info:
        es.close()
    assert isinstance(info.value.exceptions[0], FileNotFoundError)
    es.close()
    assert es.closed
    f.es = None
    f.close()


def test_context_manager_waits_and_closes(h5path):
    with h5async.EventSet() as es:
        f = h5async.File(h5path, "w", es=es)
        f["d"] = np.arange(10)
        f.attrs["a"] = "b"
        f.close(es=es)
    assert es.closed
    with h5async.File(h5path, "r") as f:
        assert_array_equal(f["d"][...], np.arange(10))
        assert f.attrs["a"] == "b"


def test_context_manager_raises_failures(h5path):
    with pytest.raises(h5async.EventSetError) as info:
        with h5async.EventSet() as es:
            f = h5async.File(h5path, "w", es=es)
            f.create_group("g")
            f.create_group("g")
            f.close(es=es)
    assert [type(e) for e in info.value.exceptions] == [ValueError]
    with h5async.File(h5path, "r") as f:
        assert list(f) == ["g"]


def test_file_close_raises_unretrieved_failures(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    f.create_group("g")
    f.create_group("g")
    f.es = None
    with pytest.raises(h5async.EventSetError) as info:
        f.close()
    assert [e.object_path for e in info.value.exceptions] == ["/g"]
    assert not f
    assert es.wait() == 0  # already retrieved: not raised twice


def test_unretrieved_failures_warn_when_eventset_is_collected(h5path):
    es = h5async.EventSet()
    f = h5async.File(h5path, "w")
    f.create_group("g")
    f.create_group("g", es=es)
    h5async.drain()
    assert es.op_failed
    with pytest.warns(RuntimeWarning, match="nobody retrieved"):
        del es
        gc.collect()
    assert list(f) == ["g"]
    # The file still holds the failure: its close reports it too.
    with pytest.raises(h5async.EventSetError) as info:
        f.close()
    assert [type(e) for e in info.value.exceptions] == [ValueError]
