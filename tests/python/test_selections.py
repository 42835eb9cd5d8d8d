"""numpy-style selections beyond slices: index lists and boolean masks,
compared with numpy on the same array and with h5py on the same file."""
import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal


A = np.arange(6 * 10 * 4, dtype="i4").reshape(6, 10, 4)


@pytest.fixture
def dset(h5file):
    return h5file.create_dataset("a", data=A)


@pytest.mark.parametrize("key", [
    np.s_[[0, 2, 5]],
    np.s_[:, [1, 3, 9]],
    np.s_[1, [0, 4], ::2],
    np.s_[[-6, -1], 2:5],
    np.s_[..., [0, 3]],
    np.s_[np.array([1, 4]), :, 1],
    np.s_[[True, False, True, False, False, True]],
    np.s_[:, np.arange(10) % 3 == 0, 0],
])
def test_list_reads_match_numpy(dset, key):
    assert_array_equal(dset[key], A[key])


def test_whole_mask_reads_and_writes_points(dset):
    mask = A % 7 == 0
    assert_array_equal(dset[mask], A[mask])
    expect = A.copy()
    expect[mask] = -1
    dset[mask] = -1
    assert_array_equal(dset[...], expect)


def test_list_writes_broadcast(h5file, h5path):
    d = h5file.create_dataset("w", data=A)
    d[[1, 4], :, 0] = 99                     # scalar broadcast
    d[:, [2, 5]] = np.full((6, 2, 4), 7)    # array of the selection's shape
    expect = A.copy()
    expect[[1, 4], :, 0] = 99
    expect[:, [2, 5]] = 7
    assert_array_equal(d[...], expect)
    h5file.close()
    with h5py.File(h5path, "r") as f:        # h5py sees the same values
        assert_array_equal(f["w"][...], expect)


def test_list_selection_is_async(h5file, es):
    d = h5file.create_dataset("x", data=A)
    fut = d.read(np.s_[[0, 5], 3], es=es)
    d.write_direct(np.zeros((2, 4), "i4"), dest_sel=np.s_[[1, 2], 0], es=es)
    assert es.wait() == 0
    assert_array_equal(fut.result(), A[[0, 5], 3])
    expect = A.copy()
    expect[[1, 2], 0] = 0
    assert_array_equal(d[...], expect)


@pytest.mark.parametrize("key,exc", [
    (np.s_[[3, 1]], TypeError),              # not increasing
    (np.s_[[1, 1]], TypeError),              # duplicate
    (np.s_[[0, 6]], IndexError),             # out of range
    (np.s_[[0, 1], [0, 1]], TypeError),      # two lists
    (np.s_[[0.5, 1]], TypeError),            # not integers
    (np.s_[np.ones((6, 10), bool)], TypeError),  # mask of the wrong shape
])
def test_bad_lists_raise_at_the_call(dset, key, exc):
    with pytest.raises(exc):
        dset[key]
    with pytest.raises(exc):
        dset[key] = 0
    assert_array_equal(dset[...], A)          # nothing was written


def test_empty_list_reads_nothing(dset):
    out = dset[[], :]
    assert out.shape == (0, 10, 4) and out.dtype == A.dtype
