"""create_dataset: dtype and shape rules, cached metadata, chunk guessing
(compared with what h5py chooses), resize."""
import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async


def test_default_dtype_is_float32(h5file):
    # deprecated in h5py 3.16, with its warning class
    with pytest.warns(h5async._compat.h5py_warnings.H5pyDeprecationWarning, match="dtype"):
        d = h5file.create_dataset("d", (3, 4))
    assert d.dtype == np.float32
    assert d.shape == (3, 4)
    out = d[...]
    assert out.dtype == np.float32
    assert_array_equal(out, np.zeros((3, 4), np.float32))


def test_shape_as_int(h5file):
    d = h5file.create_dataset("d", 5, dtype="i2")
    assert d.shape == (5,)
    assert_array_equal(d[...], np.zeros(5, "i2"))


def test_dtype_only_gives_empty_dataset(h5file):
    d = h5file.create_dataset("e", dtype="i4")
    assert d.shape is None
    assert d.maxshape is None
    assert d.chunks is None
    assert d.ndim == 0
    assert d.dtype == np.dtype("i4")
    assert d[()] == h5async.Empty("i4")
    assert h5file["e"].shape is None
    assert h5file["e"][...] == h5async.Empty("i4")


def test_empty_dataset_size_is_none(h5file):
    assert h5file.create_dataset("e", dtype="i4").size is None


def test_data_from_list(h5file):
    d = h5file.create_dataset("l", data=[[1, 2, 3], [4, 5, 6]])
    assert d.dtype == np.int64
    assert d.shape == (2, 3)
    assert_array_equal(d[...], [[1, 2, 3], [4, 5, 6]])
    f = h5file.create_dataset("f", data=[1.5, 2.5])
    assert f.dtype == np.float64
    assert_array_equal(f[...], [1.5, 2.5])


@pytest.mark.parametrize("dtype", ["i1", "u2", ">i4", "u8", "f2", "f4", ">f8", "c8",
                                   "c16", "?", "S5"])
def test_data_from_array_keeps_dtype(h5file, dtype):
    src = np.arange(12).reshape(3, 4).astype(dtype)
    d = h5file.create_dataset("a", data=src)
    assert d.dtype == np.dtype(dtype)
    assert d.shape == (3, 4)
    out = d[...]
    assert out.dtype == np.dtype(dtype)
    assert_array_equal(out, src)


def test_data_with_matching_dtype_and_shape(h5file):
    d = h5file.create_dataset("a", (2, 2), dtype="i8", data=np.array([[1, 2], [3, 4]]))
    assert_array_equal(d[...], [[1, 2], [3, 4]])


def test_data_converted_to_given_dtype(h5file):
    d = h5file.create_dataset("a", dtype="f4", data=np.arange(4))
    assert d.dtype == np.float32
    assert_array_equal(d[...], np.arange(4, dtype="f4"))


def test_data_reshaped_to_shape(h5file):
    d = h5file.create_dataset("a", shape=(2, 3), data=np.arange(6))
    assert_array_equal(d[...], np.arange(6).reshape(2, 3))


def test_metadata_properties(h5file):
    d = h5file.create_dataset("d", (10, 20), dtype="i2", maxshape=(None, 60))
    assert d.shape == (10, 20)
    assert d.dtype == np.int16
    assert d.maxshape == (None, 60)
    assert d.chunks is not None and len(d.chunks) == 2
    assert d.ndim == 2
    assert d.size == 200
    assert len(d) == 10
    c = h5file.create_dataset("c", (7,), dtype="f8")
    assert c.maxshape == (7,)
    assert c.chunks is None
    s = h5file.create_dataset("s", data=1.5)
    assert (s.shape, s.ndim, s.size, s.maxshape) == ((), 0, 1, ())
    # Reopened: the same metadata, read from the file.
    r = h5file["d"]
    assert (r.shape, r.dtype, r.maxshape, r.chunks) == (d.shape, d.dtype, d.maxshape, d.chunks)


CHUNK_CASES = [
    ((10, 20), (20, 60), "f4"),
    ((1000, 200), (None, None), "f8"),
    ((5,), (None,), "i8"),
    ((0,), (None,), "f4"),
    ((100, 100, 100), (None, 100, 100), "f4"),
    ((10 ** 6,), (None,), "f8"),
    ((3, 4, 5, 6), (None, None, None, None), "i2"),
    ((1000, 1000), (None, None), "c16"),
]


@pytest.mark.parametrize("shape,maxshape,dtype", CHUNK_CASES)
def test_maxshape_implies_chunks_guessed_like_h5py(tmp_path, shape, maxshape, dtype):
    with h5py.File(str(tmp_path / "ref.h5"), "w") as p:
        expected = p.create_dataset("d", shape, dtype=dtype, maxshape=maxshape).chunks
    with h5async.File(str(tmp_path / "ours.h5"), "w") as f:
        d = f.create_dataset("d", shape, dtype=dtype, maxshape=maxshape)
        assert d.chunks == expected
        assert d.maxshape == maxshape
    with h5py.File(str(tmp_path / "ours.h5"), "r") as p:
        assert p["d"].chunks == expected
        assert p["d"].maxshape == maxshape


@pytest.mark.parametrize("kw", [{"chunks": True}, {"compression": "gzip"},
                                {"shuffle": True}, {"fletcher32": True}])
def test_chunk_guess_for_filters_matches_h5py(tmp_path, kw):
    shape = (300, 70)
    with h5py.File(str(tmp_path / "ref.h5"), "w") as p:
        expected = p.create_dataset("d", shape, dtype="f8", **kw).chunks
    with h5async.File(str(tmp_path / "ours.h5"), "w") as f:
        d = f.create_dataset("d", shape, dtype="f8", **kw)
        assert d.chunks == expected
        d[...] = np.ones(shape)
    with h5py.File(str(tmp_path / "ours.h5"), "r") as p:
        assert p["d"].chunks == expected
        assert_array_equal(p["d"][()], np.ones(shape))


def test_explicit_chunks(h5file):
    d = h5file.create_dataset("d", (100, 100), dtype="i8", chunks=(10, 25))
    assert d.chunks == (10, 25)
    d[...] = np.arange(10000).reshape(100, 100)
    assert h5file["d"].chunks == (10, 25)
    assert_array_equal(h5file["d"][...], np.arange(10000).reshape(100, 100))


def test_resize_whole_shape(h5file):
    d = h5file.create_dataset("d", data=np.arange(12).reshape(3, 4), maxshape=(None, 8))
    d.resize((5, 6))
    assert d.shape == (5, 6)
    expected = np.zeros((5, 6), np.int64)
    expected[:3, :4] = np.arange(12).reshape(3, 4)
    assert_array_equal(d[...], expected)
    assert h5file["d"].shape == (5, 6)
    d.resize((2, 6))
    assert_array_equal(d[...], expected[:2])


def test_resize_one_axis(h5file):
    d = h5file.create_dataset("d", data=np.arange(6).reshape(2, 3), maxshape=(None, None))
    d.resize(4, axis=0)
    assert d.shape == (4, 3)
    d.resize(1, axis=1)
    assert d.shape == (4, 1)
    assert_array_equal(d[...], [[0], [3], [0], [0]])


def test_resize_with_es_updates_shape_at_once(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    d = f.create_dataset("d", (10, 20), maxshape=(20, 60), dtype="i8")
    d.resize((20, 50), es=es)
    assert d.shape == (20, 50)
    d[15:20, 40:50] = 7
    assert es.wait() == 0
    assert f["d"].shape == (20, 50)
    assert_array_equal(d[15:20, 40:50], np.full((5, 10), 7))
    assert_array_equal(d[:15], np.zeros((15, 50)))
    f.es = None
    f.close()


def test_resize_errors(h5file):
    d = h5file.create_dataset("d", (5,), maxshape=(6,), dtype="i4")
    with pytest.raises(RuntimeError, match="maximal|max"):  # as h5py
        d.resize((7,))
    with pytest.raises(TypeError):
        d.resize((3, 3))
    with pytest.raises(ValueError, match="axis"):
        d.resize(3, axis=1)
    c = h5file.create_dataset("c", (5,), dtype="i4")
    with pytest.raises(TypeError, match="chunked"):
        c.resize((6,))
    assert d.shape == (5,) and c.shape == (5,)
    assert h5file["d"].shape == (5,)
