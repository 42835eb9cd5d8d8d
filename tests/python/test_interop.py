"""Interop with h5py: each reads the other's files identically."""
import shutil
import subprocess

import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async

DATASETS = {
    "ints/i1": np.arange(-5, 5, dtype="i1"),
    "ints/u2be": np.arange(6, dtype=">u2").reshape(2, 3),
    "ints/i4": np.arange(12, dtype="i4").reshape(3, 4),
    "ints/u8": np.array([0, 2 ** 64 - 1], dtype="u8"),
    "ints/i8": np.arange(-3, 3, dtype="i8"),
    "floats/f2": np.linspace(0, 1, 5, dtype="f2"),
    "floats/f4": np.linspace(-1, 1, 7, dtype="f4"),
    "floats/f8be": np.array([np.pi, -np.e, np.inf, -0.0], dtype=">f8"),
    "bool": np.array([[True, False], [False, True]]),
    "complex/c8": np.array([1 + 2j, 3 - 4j], dtype="c8"),
    "complex/c16": np.array([[1e300 + 1j, -1j]], dtype="c16"),
    "bytes/S3": np.array([b"ab", b"cde", b""], dtype="S3"),
    "scalar": np.float64(2.5),
}

ATTRS = {
    "text": "héllo wörld",
    "texts": ["x", "yy", "zzz"],
    "int": np.int16(-3),
    "float": 1.25,
    "array": np.arange(4.0).reshape(2, 2),
    "fixed": np.bytes_(b"fix"),
    "flag": np.bool_(True),
}


def _check_attrs(attrs):
    assert sorted(attrs) == sorted(ATTRS)
    assert attrs["text"] == "héllo wörld" and isinstance(attrs["text"], str)
    assert list(attrs["texts"]) == ["x", "yy", "zzz"]
    assert attrs["int"] == -3 and attrs["int"].dtype == np.int16
    assert attrs["float"] == 1.25 and attrs["float"].dtype == np.float64
    assert_array_equal(attrs["array"], ATTRS["array"])
    assert attrs["fixed"] == np.bytes_(b"fix")
    assert attrs["flag"] and attrs["flag"].dtype == np.bool_


def _write(mod, path, es=None):
    kw = {"es": es} if es is not None else {}
    with mod.File(path, "w", **kw) as f:
        for name, data in DATASETS.items():
            f.create_dataset(name, data=data)
        z = f.create_dataset("nested/a/b/z", data=np.arange(10000).reshape(100, 100),
                             chunks=(10, 25), compression="gzip", compression_opts=6,
                             shuffle=True)
        z.attrs["units"] = "m"
        f.create_dataset("grow", data=np.arange(5.0), maxshape=(None,))
        f["grow"].resize((8,))
        f["nested/a"].attrs["depth"] = 1
        for name, value in ATTRS.items():
            f.attrs[name] = value


def _read_and_check(mod, path):
    with mod.File(path, "r") as f:
        for name, data in DATASETS.items():
            d = f[name]
            assert d.dtype == data.dtype, name
            assert d.shape == data.shape, name
            out = d[()]
            assert out.dtype == data.dtype, name
            assert_array_equal(out, data, err_msg=name)
        z = f["nested/a/b/z"]
        assert z.chunks == (10, 25)
        assert z.compression == "gzip" and z.compression_opts == 6 and z.shuffle
        assert_array_equal(z[()], np.arange(10000).reshape(100, 100))
        assert_array_equal(z[3:7, 90:], np.arange(10000).reshape(100, 100)[3:7, 90:])
        assert z.attrs["units"] == "m"
        assert f["grow"].maxshape == (None,)
        assert_array_equal(f["grow"][()], [0, 1, 2, 3, 4, 0, 0, 0])
        assert f["nested/a"].attrs["depth"] == 1
        assert sorted(f) == ["bool", "bytes", "complex", "floats", "grow", "ints",
                             "nested", "scalar"]
        assert sorted(f["ints"]) == ["i1", "i4", "i8", "u2be", "u8"]
        assert list(f["nested/a"]) == ["b"]
        _check_attrs(f.attrs)


def test_h5async_file_read_by_h5py(h5path):
    _write(h5async, h5path)
    _read_and_check(h5py, h5path)


def test_h5async_file_written_asynchronously_read_by_h5py(h5path, es):
    _write(h5async, h5path, es=es)
    assert es.wait() == 0
    assert es.op_counter > len(DATASETS)
    _read_and_check(h5py, h5path)


def test_h5py_file_read_by_h5async(h5path):
    _write(h5py, h5path)
    _read_and_check(h5async, h5path)


def test_h5async_reads_its_own_file(h5path):
    _write(h5async, h5path)
    _read_and_check(h5async, h5path)


def test_h5py_file_appended_by_h5async(h5path):
    with h5py.File(h5path, "w") as p:
        p.create_dataset("d", data=np.arange(6.0), maxshape=(None,), chunks=(4,))
    with h5async.File(h5path, "a") as f:
        d = f["d"]
        d.resize((10,))
        d[6:] = [6.0, 7.0, 8.0, 9.0]
        f.attrs["by"] = "h5async"
    with h5py.File(h5path, "r") as p:
        assert_array_equal(p["d"][()], np.arange(10.0))
        assert p.attrs["by"] == "h5async"


def test_h5py_empty_dataset_read_by_h5async(h5path):
    with h5py.File(h5path, "w") as p:
        p.create_dataset("e", dtype="i2")
    with h5async.File(h5path, "r") as f:
        assert f["e"].shape is None
        assert f["e"].dtype == np.int16
        assert f["e"][()] == h5async.Empty("i2")


def test_h5py_empty_attribute_read_by_h5async(h5path):
    with h5py.File(h5path, "w") as p:
        p.attrs["e"] = h5py.Empty("f4")
    with h5async.File(h5path, "r") as f:
        value = f.attrs["e"]
        assert isinstance(value, h5async.Empty), repr(value)
        assert value == h5async.Empty("f4")


@pytest.mark.skipif(shutil.which("h5dump") is None, reason="h5dump not installed")
def test_h5dump_accepts_h5async_file(h5path):
    _write(h5async, h5path)
    dump = subprocess.run(["h5dump", h5path], capture_output=True, text=True, timeout=120)
    assert dump.returncode == 0, dump.stderr
    for text in ['GROUP "nested"', 'DATASET "z"', 'ATTRIBUTE "text"', "H5T_CSET_UTF8",
                 "H5T_STD_I16LE", "H5T_STD_U16BE", "H5T_IEEE_F64BE"]:
        assert text in dump.stdout, text
