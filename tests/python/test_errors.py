"""Errors: h5py's exception types, raised synchronously when the arguments
already show them (and then nothing is queued), or by the failing call."""
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async


@pytest.fixture
def afile(h5path, es):
    """A file with a default event set, holding a (4, 5) dataset 'd'."""
    f = h5async.File(h5path, "w", es=es)
    f.create_dataset("d", data=np.arange(20).reshape(4, 5))
    f.attrs["a"] = 1
    es.wait()
    yield f
    f.es = None
    f.close()


def test_missing_object_raises_key_error(h5file):
    h5file.create_group("g")
    with pytest.raises(KeyError, match="missing"):
        h5file["missing"]
    with pytest.raises(KeyError, match="g/missing/deeper"):
        h5file["g/missing/deeper"]
    assert list(h5file) == ["g"]


def test_missing_object_with_default_es_is_still_synchronous(afile, es):
    n = es.op_counter
    with pytest.raises(KeyError):
        afile["missing"]
    assert es.op_counter == n
    assert es.wait() == 0


def test_existing_name_raises_value_error_synchronously(h5file):
    h5file.create_group("g")
    h5file.create_dataset("d", data=[1])
    with pytest.raises(ValueError, match="already exists"):
        h5file.create_group("g")
    with pytest.raises(ValueError, match="already exists"):
        h5file.create_dataset("d", data=[2])
    with pytest.raises(ValueError, match="already exists"):
        h5file.create_group("d")
    assert_array_equal(h5file["d"][...], [1])


def test_missing_attribute_and_link_deletion_raise_key_error(h5file):
    with pytest.raises(KeyError):
        h5file.attrs["nothing"]
    with pytest.raises(KeyError):
        del h5file.attrs["nothing"]
    with pytest.raises(KeyError):
        del h5file["nothing"]
    assert len(h5file) == 0 and len(h5file.attrs) == 0


@pytest.mark.parametrize("call,exc,match", [
    (lambda d: d[4], IndexError, "out of range"),
    (lambda d: d.__setitem__((0, -6), 1), IndexError, "out of range"),
    (lambda d: d[::-1], ValueError, "[Ss]tep"),
    (lambda d: d[..., ...], ValueError, "ellipsis"),
    (lambda d: d[1.5], TypeError, None),
    (lambda d: d.__setitem__(slice(0, 2), np.ones((3, 3))), TypeError, "broadcast"),
    (lambda d: d.write_direct(np.ones(7)), TypeError, "broadcast"),
    (lambda d: d.read_direct(np.zeros((3, 3))), TypeError, "broadcast"),
    (lambda d: d.read_direct(np.zeros((5, 4)).T), TypeError, "C-contiguous"),
    (lambda d: d.resize((8, 5)), TypeError, "chunked"),
    (lambda d: d.attrs.modify("a", 1, es=3), TypeError, "EventSet"),
], ids=["index", "neg-index-write", "neg-step", "two-ellipses", "float-index",
        "write-shape", "write_direct-shape", "read_direct-shape", "read_direct-layout",
        "resize-contiguous", "es-type"])
def test_argument_errors_raise_at_the_call(afile, es, call, exc, match):
    d = afile["d"]
    n = es.op_counter
    with pytest.raises(exc, match=match):
        call(d)
    assert es.op_counter == n  # nothing was queued
    assert es.wait() == 0
    assert_array_equal(d[...], np.arange(20).reshape(4, 5))


def test_too_many_indices_raise_value_error(afile):
    with pytest.raises(ValueError):
        afile["d"][1, 2, 3]


@pytest.mark.parametrize("kwargs,exc,match", [
    ({}, TypeError, "One of data, shape or dtype"),
    ({"shape": (10,), "dtype": "f4", "maxshape": (5,)}, ValueError, None),
    ({"shape": (10,), "dtype": "f4", "maxshape": (5, 5)}, ValueError, None),
    ({"shape": (10,), "dtype": "f4", "chunks": (20,)}, ValueError, "[Cc]hunk shape"),
    ({"shape": (10,), "dtype": "f4", "chunks": (2, 2)}, ValueError, None),
    ({"shape": (), "dtype": "f4", "chunks": True}, TypeError, "Scalar"),
    ({"shape": (10,), "dtype": "f4", "chunks": False, "maxshape": (None,)}, ValueError,
     "Chunked format required"),
    ({"shape": (10,), "dtype": "f4", "compression": "nope"}, ValueError, "unavailable"),
    ({"shape": (10,), "dtype": "f4", "compression": "gzip", "compression_opts": 12},
     ValueError, "GZIP"),
    ({"shape": (3,), "data": np.arange(5)}, ValueError, "incompatible"),
    ({"shape": (3,), "dtype": "nope"}, TypeError, "not understood"),
    ({"data": np.array([object(), object()])}, TypeError, None),
], ids=["nothing", "maxshape-small", "maxshape-rank", "chunks-big", "chunks-rank",
        "chunks-scalar", "chunks-false", "compression", "gzip-level", "shape-vs-data",
        "dtype", "object-dtype"])
def test_create_dataset_argument_errors(afile, es, kwargs, exc, match):
    n = es.op_counter
    with pytest.raises(exc, match=match):
        afile.create_dataset("new", **kwargs)
    assert es.op_counter == n
    assert es.wait() == 0
    assert "new" not in afile


def test_name_errors(h5file):
    with pytest.raises(TypeError, match="bytes or str"):
        h5file[1]
    with pytest.raises(ValueError):
        h5file.create_group("")
    assert len(h5file) == 0


def test_file_argument_errors(h5path):
    with pytest.raises(ValueError, match="[Ii]nvalid mode"):
        h5async.File(h5path, "rw")
    with pytest.raises(TypeError, match="EventSet"):
        h5async.File(h5path, "w", es=3)
    with pytest.raises(ValueError, match="driver"):
        h5async.File(h5path, "w", driver="nope")
    with h5async.File(h5path, "w") as f:  # none of the above created it
        assert len(f) == 0


@pytest.mark.parametrize("call", [
    lambda f: f.create_group("g"),
    lambda f: f.create_dataset("x", data=[1]),
    lambda f: f.__setitem__("y", [1]),
], ids=["create_group", "create_dataset", "setitem"])
def test_writing_readonly_file_raises_value_error_at_once(h5path, es, call):
    with h5async.File(h5path, "w") as f:
        f["d"] = np.arange(3)
    f = h5async.File(h5path, "r", es=es)
    n = es.op_counter
    with pytest.raises(ValueError, match="no write intent"):
        call(f)
    assert es.op_counter == n
    assert es.wait() == 0
    assert list(f) == ["d"]
    f.es = None
    f.close()


@pytest.mark.parametrize("call", [
    lambda f: f["d"].__setitem__(0, 1),
    lambda f: f["d"].write_direct(np.zeros(3, np.int64)),
    lambda f: f.attrs.__setitem__("a", 2),
    lambda f: f.attrs.modify("a", 2),
], ids=["setitem", "write_direct", "attr-set", "attr-modify"])
def test_writing_readonly_data_raises_os_error(h5path, call):
    with h5async.File(h5path, "w") as f:
        f["d"] = np.arange(3)
        f.attrs["a"] = 1
    with h5async.File(h5path, "r") as f:
        with pytest.raises(OSError, match="no write intent"):
            call(f)
        assert_array_equal(f["d"][...], np.arange(3))
        assert f.attrs["a"] == 1


def test_closed_eventset_rejected(h5path):
    es = h5async.EventSet()
    es.close()
    with pytest.raises(ValueError, match="closed"):
        h5async.File(h5path, "w", es=es)
    with h5async.File(h5path, "w") as f:
        with pytest.raises(ValueError, match="closed"):
            f.create_group("g", es=es)
        with pytest.raises(ValueError, match="closed"):
            f.es = es
        assert len(f) == 0 and f.es is None


def test_async_failure_does_not_stop_later_operations(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    f.create_group("g")
    f.create_group("g")
    d = f.create_dataset("ok", data=np.zeros(3))
    d[1] = 5
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    assert len(info.value.exceptions) == 1
    assert_array_equal(d[...], [0, 5, 0])
    f.es = None
    f.close()
