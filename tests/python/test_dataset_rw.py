"""Dataset reading and writing: basic slicing, broadcasting, *_direct with
type conversion and selections, and the copy-at-submit rule of writes."""
import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async


@pytest.fixture
def d2(h5file):
    """A (4, 5) int64 dataset holding 0..19."""
    return h5file.create_dataset("d2", data=np.arange(20).reshape(4, 5))


REF = np.arange(20).reshape(4, 5)


@pytest.mark.parametrize("key", [
    0, 3, -1, -4, np.int64(2),
    (1, 2), (-1, -2), (2, -5),
    slice(None), slice(1, 3), slice(-2, None), slice(None, None, 2), slice(1, None, 3),
    (slice(None, None, 2), slice(1, None, 2)), (slice(0, 4, 3), 4),
    Ellipsis, (Ellipsis, 1), (1, Ellipsis), (Ellipsis, slice(0, 5, 2)),
    (), slice(3, 1), slice(2, 100),
], ids=repr)
def test_read_basic_selection(d2, key):
    out = d2[key]
    expected = REF[key]
    assert np.shape(out) == np.shape(expected)
    assert_array_equal(out, expected)
    assert out.dtype == np.int64


def test_int_index_returns_numpy_scalar(d2):
    v = d2[2, 3]
    assert isinstance(v, np.int64)
    assert v == 13


def test_scalar_dataset_read_and_write(h5file):
    s = h5file.create_dataset("s", data=np.int32(7))
    v = s[()]
    assert isinstance(v, np.int32)
    assert v == 7
    s[()] = 9
    assert s[()] == 9
    s[...] = 10
    assert h5file["s"][()] == 10
    with pytest.raises(ValueError, match="scalar"):
        s[0]


def test_scalar_dataset_ellipsis_returns_0d_array(h5file):
    s = h5file.create_dataset("s", data=np.int32(7))
    out = s[...]
    assert isinstance(out, np.ndarray) and out.shape == () and out == 7


@pytest.mark.parametrize("key,value", [
    (0, [10, 11, 12, 13, 14]),
    (-1, np.array([5, 6, 7, 8, 9]) * 100),
    ((1, -2), 77),
    ((slice(None), 1), 7),                 # broadcast a scalar to a column
    ((slice(None, None, 2), slice(None, None, 3)), [[10, 11], [12, 13]]),
    ((slice(1, 3), Ellipsis), np.ones((2, 5), np.int64)),
    (Ellipsis, 3),                         # broadcast a scalar to everything
    ((Ellipsis, 4), [1, 2, 3, 4]),
    (slice(1, 3), np.array([1, 2, 3, 4, 5])),  # broadcast a row to 2 rows
], ids=repr)
def test_write_basic_selection(d2, key, value):
    expected = REF.copy()
    expected[key] = value
    d2[key] = value
    assert_array_equal(d2[...], expected)
    assert_array_equal(d2.file["d2"][...], expected)


def test_write_with_default_es_then_read(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    d = f.create_dataset("d", (10,), dtype="i8")
    for i in range(10):
        d[i] = i * i
    d[::3] = -1
    assert es.op_counter == 13
    # A read waits for its own task, which runs after every earlier write.
    assert_array_equal(d[...], [-1, 1, 4, -1, 16, 25, -1, 49, 64, -1])
    assert es.wait() == 0
    f.es = None
    f.close()


def test_out_of_range_index_raises_index_error(d2):
    for key in [4, -5, (0, 5), (0, -6)]:
        with pytest.raises(IndexError, match="out of range"):
            d2[key]
        with pytest.raises(IndexError, match="out of range"):
            d2[key] = 1
    assert_array_equal(d2[...], REF)


@pytest.mark.parametrize("key", [slice(None, None, -1), (0, slice(4, 0, -2))], ids=repr)
def test_step_below_one_raises_value_error(d2, key):
    with pytest.raises(ValueError, match="[Ss]tep"):
        d2[key]
    with pytest.raises(ValueError, match="[Ss]tep"):
        d2[key] = 0
    assert_array_equal(d2[...], REF)


def test_zero_step_raises_value_error(d2):
    with pytest.raises(ValueError):
        d2[::0]


def test_wrong_write_shape_raises_type_error_at_the_call(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    d = f.create_dataset("d", data=np.arange(20).reshape(4, 5))
    n = es.op_counter
    with pytest.raises(TypeError, match=r"Can't broadcast \(3, 3\) -> \(2, 5\)"):
        d[0:2] = np.ones((3, 3), np.int64)
    with pytest.raises(TypeError, match="broadcast"):
        d[...] = np.ones(7, np.int64)
    assert es.op_counter == n  # nothing was queued
    assert es.wait() == 0
    assert_array_equal(d[...], REF)
    f.es = None
    f.close()


@pytest.mark.parametrize("src_dtype,dset_dtype", [("f8", "f4"), ("i8", "f4"), ("i8", "i4"),
                                                  ("f8", "i8")])
def test_write_converts_array_dtype(h5file, src_dtype, dset_dtype):
    d = h5file.create_dataset("d", (2, 5), dtype=dset_dtype)
    d[...] = np.arange(10).reshape(2, 5).astype(src_dtype)
    assert_array_equal(d[...], np.arange(10).reshape(2, 5).astype(dset_dtype))


def test_wrong_shape_message_with_converting_dtype(h5file):
    d = h5file.create_dataset("d", (4, 5), dtype="f4")
    with pytest.raises(TypeError, match="broadcast"):
        d[0:2] = np.ones((3, 3))


def test_write_direct_read_direct_with_conversion(h5file):
    d = h5file.create_dataset("d", (10, 20), dtype="f4")
    src = np.arange(200, dtype=np.int64).reshape(10, 20)
    d.write_direct(src)
    assert d.dtype == np.float32
    assert_array_equal(d[...], src.astype(np.float32))
    out = np.empty((10, 20), dtype=np.int64)
    d.read_direct(out)
    assert out.dtype == np.int64
    assert_array_equal(out, src)


def test_write_direct_with_selections(h5file):
    d = h5file.create_dataset("d", data=np.zeros((4, 5), np.float32))
    src = np.arange(20, dtype=np.int64).reshape(4, 5) * 10
    d.write_direct(src, source_sel=np.s_[0:2, 0:2], dest_sel=np.s_[2:4, 3:5])
    expected = np.zeros((4, 5), np.float32)
    expected[2:4, 3:5] = src[0:2, 0:2]
    assert_array_equal(d[...], expected)
    d.write_direct(src[0], dest_sel=np.s_[0, :])  # a row of 5 into the first row
    expected[0] = src[0]
    assert_array_equal(d[...], expected)


def test_read_direct_with_selections(h5file):
    d = h5file.create_dataset("d", data=np.arange(20, dtype=np.float32).reshape(4, 5))
    out = np.full((6, 6), -1, np.int64)
    d.read_direct(out, source_sel=np.s_[2:4, 3:5], dest_sel=np.s_[1:3, 4:6])
    expected = np.full((6, 6), -1, np.int64)
    expected[1:3, 4:6] = [[13, 14], [18, 19]]
    assert_array_equal(out, expected)
    col = np.zeros(4, np.int32)
    d.read_direct(col, source_sel=np.s_[:, 1])
    assert_array_equal(col, [1, 6, 11, 16])
    stepped = np.zeros((2, 3))
    d.read_direct(stepped, source_sel=np.s_[::2, ::2])
    assert_array_equal(stepped, [[0, 2, 4], [10, 12, 14]])


def test_direct_selection_mismatch_raises_type_error(h5file):
    d = h5file.create_dataset("d", data=np.arange(20).reshape(4, 5))
    with pytest.raises(TypeError, match="broadcast"):
        d.read_direct(np.zeros((3, 3), np.int64), source_sel=np.s_[0:2, 0:2],
                      dest_sel=np.s_[0:3, 0:3])
    with pytest.raises(TypeError, match="broadcast"):
        d.write_direct(np.ones((3, 3), np.int64), dest_sel=np.s_[0:2, 0:2])
    assert_array_equal(d[...], REF)


def test_read_direct_with_es_fills_later(h5path, es, io_blocker):
    with h5async.File(h5path, "w") as f:
        f["d"] = np.arange(100.0)
    f = h5async.File(h5path, "r")
    d = f["d"]
    out = np.zeros(100, np.int64)
    blk = io_blocker()
    d.read_direct(out, es=es)
    assert es.num_in_progress == 1
    assert_array_equal(out, np.zeros(100))  # not filled: the I/O thread is held
    blk.release()
    assert es.wait() == 0
    assert_array_equal(out, np.arange(100))
    f.close()


def test_async_write_copies_data_at_submit(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    d = f.create_dataset("d", (1000,), dtype="f8")
    src = np.arange(1000.0)
    d[...] = src
    src[:] = -1  # reuse the buffer at once
    direct = np.arange(1000.0) * 2
    d2 = f.create_dataset("d2", (1000,), dtype="f8")
    d2.write_direct(direct)
    direct[:] = -2
    assert es.wait() == 0
    assert_array_equal(d[...], np.arange(1000.0))
    assert_array_equal(d2[...], np.arange(1000.0) * 2)
    f.es = None
    f.close()


def test_async_write_copies_data_while_queued(h5path, es, io_blocker):
    f = h5async.File(h5path, "w")
    d = f.create_dataset("d", (4, 250), dtype="i8")
    f.es = es
    blk = io_blocker()
    src = np.arange(1000).reshape(4, 250)
    d[...] = src
    row = np.full(250, 5)
    d.write_direct(row, dest_sel=np.s_[3])
    src[...] = -1
    row[...] = -1
    assert blk.pending and es.num_in_progress == 2  # both writes still queued
    blk.release()
    assert es.wait() == 0
    expected = np.arange(1000).reshape(4, 250)
    expected[3] = 5
    assert_array_equal(d[...], expected)
    f.es = None
    f.close()
    with h5py.File(h5path, "r") as p:
        assert_array_equal(p["d"][()], expected)


def test_metadata_is_cached_while_io_is_busy(h5path, es, io_blocker):
    f = h5async.File(h5path, "w")
    d = f.create_dataset("d", (10, 20), dtype="i2", maxshape=(None, 60))
    f.es = es
    blk = io_blocker()
    d.resize((30, 20))
    info = (d.shape, d.dtype, d.maxshape, d.chunks, d.ndim, d.size, len(d))
    assert blk.pending  # none of the above waited for the I/O thread
    blk.release()
    assert es.wait() == 0
    assert info == ((30, 20), np.dtype("i2"), (None, 60), d.chunks, 2, 600, 30)
    assert f["d"].shape == (30, 20)
    f.es = None
    f.close()


def test_iteration_and_array_protocol(h5file):
    d = h5file.create_dataset("d", data=np.arange(6).reshape(3, 2))
    rows = list(d)
    assert len(rows) == 3
    assert_array_equal(rows[2], [4, 5])
    assert_array_equal(np.asarray(d), np.arange(6).reshape(3, 2))
