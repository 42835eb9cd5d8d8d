"""File: modes, the default event set, close/flush, context manager."""
import pathlib

import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async


def _write_sample(path):
    with h5async.File(path, "w") as f:
        f["data"] = np.arange(6, dtype="i4")
        f.attrs["tag"] = "sample"


def test_mode_w_creates_file_readable_by_h5py(h5path):
    f = h5async.File(h5path, "w")
    assert f.mode == "r+"
    f["x"] = np.arange(4)
    f.close()
    with h5py.File(h5path, "r") as p:
        assert_array_equal(p["x"][()], np.arange(4))


def test_mode_w_truncates_existing(h5path):
    _write_sample(h5path)
    with h5async.File(h5path, "w") as f:
        assert list(f.keys()) == []
        assert len(f.attrs) == 0


def test_mode_r_reads_and_reports_mode(h5path):
    _write_sample(h5path)
    with h5async.File(h5path, "r") as f:
        assert f.mode == "r"
        assert_array_equal(f["data"][...], np.arange(6, dtype="i4"))
        assert f.attrs["tag"] == "sample"


def test_mode_r_is_default(h5path):
    _write_sample(h5path)
    with h5async.File(h5path) as f:
        assert f.mode == "r"
        assert list(f) == ["data"]


def test_mode_r_plus_modifies_existing(h5path):
    _write_sample(h5path)
    with h5async.File(h5path, "r+") as f:
        assert f.mode == "r+"
        f["data"][0] = 42
        f.create_group("new")
    with h5py.File(h5path, "r") as p:
        assert_array_equal(p["data"][()], [42, 1, 2, 3, 4, 5])
        assert sorted(p) == ["data", "new"]


@pytest.mark.parametrize("mode", ["r", "r+"])
def test_missing_file_raises_file_not_found(tmp_path, mode):
    missing = tmp_path / "missing.h5"
    with pytest.raises(FileNotFoundError, match="missing.h5"):
        h5async.File(str(missing), mode)
    assert not missing.exists()


@pytest.mark.parametrize("mode", ["w-", "x"])
def test_exclusive_modes_create_new_file(h5path, mode):
    with h5async.File(h5path, mode) as f:
        assert f.mode == "r+"
        f["v"] = [1, 2, 3]
    with h5py.File(h5path, "r") as p:
        assert_array_equal(p["v"][()], [1, 2, 3])


@pytest.mark.parametrize("mode", ["w-", "x"])
def test_exclusive_modes_fail_on_existing_file(h5path, mode):
    _write_sample(h5path)
    with pytest.raises(FileExistsError, match="[Ff]ile exists"):
        h5async.File(h5path, mode)
    # The existing file is untouched.
    with h5py.File(h5path, "r") as p:
        assert_array_equal(p["data"][()], np.arange(6))


def test_mode_a_creates_then_appends(h5path):
    with h5async.File(h5path, "a") as f:
        assert f.mode == "r+"
        f.create_group("first")
    with h5async.File(h5path, "a") as f:
        assert list(f) == ["first"]
        f.create_group("second")
    with h5py.File(h5path, "r") as p:
        assert sorted(p) == ["first", "second"]


def test_invalid_mode_raises_value_error(h5path):
    with pytest.raises(ValueError, match="[Ii]nvalid mode"):
        h5async.File(h5path, "rw")


def test_filename_from_str_and_pathlib(h5path):
    with h5async.File(h5path, "w") as f:
        assert f.filename == h5path
    with h5async.File(pathlib.Path(h5path), "r") as f:
        assert f.filename == h5path
        assert f.file == f


def test_es_makes_open_async_and_is_the_default(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    assert f.es is es
    assert f.es_id is es
    assert es.op_counter == 1  # the open itself
    f.attrs["a"] = 1
    assert es.op_counter == 2
    f.es = None
    assert f.es is None and f.es_id is None
    f.attrs["b"] = 2  # synchronous now: not counted
    assert es.op_counter == 2
    assert es.wait() == 0
    assert f.attrs["a"] == 1 and f.attrs["b"] == 2
    f.close()


def test_es_id_setter_is_an_alias(h5path, es):
    f = h5async.File(h5path, "w")
    assert f.es is None
    f.es_id = es
    assert f.es is es
    f["d"] = np.arange(3)
    assert es.op_counter == 1
    f.es_id = None
    f.close()
    assert es.wait() == 0
    with h5py.File(h5path, "r") as p:
        assert_array_equal(p["d"][()], np.arange(3))


def test_default_es_reaches_objects_of_the_file(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    g = f.create_group("g")
    d = g.create_dataset("d", (4,), dtype="i8")
    d[...] = np.arange(4)
    g.attrs["x"] = 5
    assert es.op_counter == 5
    f.es = None
    d[0] = 10  # synchronous: not counted
    assert es.op_counter == 5
    es.wait()
    assert_array_equal(d[...], [10, 1, 2, 3])
    assert g.attrs["x"] == 5
    f.close()


def test_close_with_es_is_async_and_writes_everything(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    d = f.create_dataset("d", data=np.zeros(1000))
    d[...] = np.arange(1000.0)
    f.attrs["done"] = True
    counted = es.op_counter
    f.close(es=es)
    assert es.op_counter == counted + 1
    assert not f  # unusable at once
    assert es.wait(1000000) == 0
    with h5py.File(h5path, "r") as p:
        assert_array_equal(p["d"][()], np.arange(1000.0))
        assert p.attrs["done"]


def test_flush_with_es_makes_data_visible(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    f["d"] = np.arange(5)
    f.attrs["a"] = 3
    before = es.op_counter
    f.flush(es=es)
    assert es.op_counter == before + 1
    assert es.wait() == 0
    # The file is still open for writing; read it past the lock.
    with h5py.File(h5path, "r", locking=False) as p:
        assert_array_equal(p["d"][()], np.arange(5))
        assert p.attrs["a"] == 3
    f.es = None
    f.close()


def test_context_manager_closes(h5path):
    with h5async.File(h5path, "w") as f:
        f["x"] = np.arange(3)
        assert f
    assert not f
    with h5py.File(h5path, "r") as p:
        assert_array_equal(p["x"][()], np.arange(3))


def test_context_manager_with_es(h5path, es):
    with h5async.File(h5path, "w", es=es) as f:
        f["x"] = np.arange(3)
        f.attrs["y"] = "z"
    assert not f
    assert es.wait() == 0
    with h5py.File(h5path, "r") as p:
        assert_array_equal(p["x"][()], np.arange(3))
        assert p.attrs["y"] == "z"


def test_bool_false_after_close_and_close_twice(h5path):
    f = h5async.File(h5path, "w")
    g = f.create_group("g")
    assert f and g
    f.close()
    assert not f and not g
    f.close()  # allowed, as in h5py
    assert not f
    assert repr(f) == "<Closed HDF5 file>"


@pytest.mark.parametrize("async_close", [False, True])
def test_objects_of_closed_file_raise_value_error(h5path, es, async_close):
    f = h5async.File(h5path, "w")
    g = f.create_group("g")
    d = g.create_dataset("d", data=np.arange(3))
    f.close(es=es) if async_close else f.close()
    uses = [
        lambda: d[0],
        lambda: d.__setitem__(0, 1),
        lambda: g.create_group("x"),
        lambda: g.create_dataset("y", data=[1]),
        lambda: g.attrs["a"],
        lambda: g.attrs.__setitem__("a", 1),
        lambda: list(f.keys()),
        lambda: f["g"],
    ]
    for use in uses:
        with pytest.raises(ValueError, match="closed|[Nn]ot a valid"):
            use()
    assert d.shape == (3,)  # cached metadata stays readable
    assert "d" not in g  # as h5py: a closed group contains nothing
    assert es.wait() == 0
    with h5py.File(h5path, "r") as p:
        assert_array_equal(p["g/d"][()], np.arange(3))


def test_create_group_on_readonly_file_raises_at_once(h5path, es):
    _write_sample(h5path)
    f = h5async.File(h5path, "r", es=es)
    submitted = es.op_counter
    with pytest.raises(ValueError, match="no write intent"):
        f.create_group("g")
    assert es.op_counter == submitted  # nothing was queued
    assert es.wait() == 0
    assert "g" not in f
    f.es = None
    f.close()
