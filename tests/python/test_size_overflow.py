"""Sizes that overflow 64 bits are refused, not wrapped (issue 10, point 7).

Every product of extents, selection counts and byte sizes is checked
(desc.h: ha_count_of, ha_bytes_of).  Where h5py raises, we raise its
exception type; h5py runs in a subprocess (real h5py and h5async are never
imported into one process).

One deliberate difference: h5py lets HDF5 create a dataset whose element
count does not fit in 64 bits, because HDF5 wraps the count too, and the
dataset it makes cannot be written (the test shows it).  HDF5 counts
elements in a signed 64-bit hssize_t, so we refuse, in create_dataset and
resize, any shape of more than 2**63 - 1 elements, with ValueError, the
type h5py raises for its neighbours (a storage size that overflows, a
dimension of 2**63).  Such a dataset written elsewhere still opens: `size`
is exact, small selections read, and what cannot become an array raises as
in h5py.
"""
import inspect
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async

BIG = (2 ** 32, 2 ** 32, 2)  # 2**65 elements: wrapped to 0
WRAPS_TO_8 = (2 ** 61 + 1, 8)  # 2**64 + 8 elements: wrapped to 8
WIDE = "S1048577"  # 2**44 of these are 2**64 + 2**44 bytes: wrapped to 16 TiB


def outcome(fn):
    try:
        value = fn()
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, bytes):
        value = value.decode()
    return ["ok", value]


def cases(h5, f, np):
    """The same operations on a file made by h5py; h5 is h5py or h5async
    (new datasets get its name, as both sides use the same file)."""
    new = h5.__name__ + "_"
    d, w8, e = f["big"], f["wraps_to_8"], f["wide"]
    return {
        "size": lambda: int(d.size),
        "read_all": lambda: d[...],
        "read_plane": lambda: d[:, :, 0],
        "read_2_63": lambda: d[0:2 ** 32, 0:2 ** 31, 0],
        "read_small": lambda: d[0:2, 0:2, :],
        "write_direct_8": lambda: d.write_direct(np.zeros(8, "i1")),
        "read_direct_8": lambda: d.read_direct(np.zeros(8, "i1")),
        "write_all": lambda: d.__setitem__(Ellipsis, 0),
        "w8_size": lambda: int(w8.size),
        "w8_read_direct_8": lambda: w8.read_direct(np.zeros(8, "i1")),
        "wide_size": lambda: int(e.size),
        "wide_read_all": lambda: e[...],
        "wide_read_3": lambda: e[3],
        "create_storage": lambda: f.create_dataset(new + "c1", (2 ** 31, 2 ** 31), dtype="i8"),
        "create_2_62_i8": lambda: f.create_dataset(new + "c2", (2 ** 62,), dtype="i8"),
        "create_wide_storage": lambda: f.create_dataset(new + "c3", (2 ** 44,), dtype=WIDE),
        "create_dim_2_63": lambda: f.create_dataset(new + "c4", (2 ** 63,), dtype="i1"),
        "create_dim_2_64": lambda: f.create_dataset(new + "c5", (2 ** 64,), dtype="i1"),
        "create_data_mismatch": lambda: f.create_dataset(new + "c6", BIG, data=np.zeros(8)),
        "maxshape_2_63": lambda: f.create_dataset(new + "c8", (1,), maxshape=(2 ** 63,),
                                                  dtype="i1").maxshape,
        "maxshape_2_64_2": lambda: f.create_dataset(new + "c9", (1,), maxshape=(2 ** 64 - 2,),
                                                    dtype="i1").maxshape,
        "select_2_63": lambda: f["sel63"][...],
        "select_2_63_small": lambda: f["sel63"][2 ** 32 - 1, 0:3],
    }


H5PY_SIDE = """
import json, sys
import h5py, numpy as np
{helpers}
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("big", BIG, dtype="i1", chunks=(1, 1, 2))
    f.create_dataset("wraps_to_8", WRAPS_TO_8, dtype="i1", chunks=(1, 8))
    f.create_dataset("wide", (2 ** 44,), dtype=WIDE, chunks=(1,))
    f.create_dataset("sel63", (2 ** 32, 2 ** 31), dtype="i1", chunks=(1, 1024))
    f["wide"][3] = b"hello"
with h5py.File(sys.argv[1], "a") as f:
    got = {{k: outcome(fn) for k, fn in cases(h5py, f, np).items()}}
with h5py.File(sys.argv[1], "a") as f:
    # What h5py's wrapped dataset is good for: it cannot be written.
    d = f.create_dataset("wrapped", BIG, dtype="i1", chunks=(1, 1, 2))
    got["h5py_write_wrapped"] = outcome(lambda: d.__setitem__((0, 0), [1, 2]))
print(json.dumps(got))
"""


@pytest.fixture(scope="module")
def h5py_file(tmp_path_factory):
    """A file made by h5py, and what h5py's operations on it gave."""
    path = tmp_path_factory.mktemp("overflow") / "h5py.h5"
    helpers = "\n".join([f"BIG, WRAPS_TO_8, WIDE = {BIG!r}, {WRAPS_TO_8!r}, {WIDE!r}",
                         inspect.getsource(outcome), inspect.getsource(cases)])
    code = textwrap.dedent(H5PY_SIDE).format(helpers=helpers)
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return path, json.loads(proc.stdout)


def test_operations_on_a_file_from_h5py_raise_as_h5py_does(h5py_file):
    path, expected = h5py_file
    with h5async.File(str(path), "a") as f:
        got = {k: outcome(fn) for k, fn in cases(h5async, f, np).items()}
    h5py_wrapped = expected.pop("h5py_write_wrapped")
    assert got == expected
    # The values behind the comparison, spelled out.
    assert got["size"] == ["ok", 2 ** 65]             # was 0
    assert got["w8_size"] == ["ok", 2 ** 64 + 8]      # was 8
    assert got["w8_read_direct_8"] == "TypeError"     # was accepted
    assert got["read_small"] == ["ok", [[[0, 0], [0, 0]], [[0, 0], [0, 0]]]]
    assert got["wide_read_3"] == ["ok", "hello"]
    assert got["create_storage"] == got["create_2_62_i8"] == "ValueError"  # was OSError
    assert got["create_dim_2_63"] == "ValueError"     # was OverflowError
    assert got["create_dim_2_64"] == "OverflowError"
    assert got["select_2_63"] == "ValueError"
    assert got["select_2_63_small"] == ["ok", [0, 0, 0]]
    # Why we refuse to create a dataset whose count wraps: h5py makes one
    # that HDF5 cannot write.
    assert h5py_wrapped != "ok"


@pytest.fixture
def f(tmp_path):
    with h5async.File(str(tmp_path / "o.h5"), "w") as fh:
        yield fh


@pytest.mark.parametrize("kwds", [{}, {"chunks": (1, 1, 2)}, {"maxshape": (None,) * 3}])
def test_create_refuses_a_shape_whose_count_wraps(f, kwds):
    for shape in (BIG, WRAPS_TO_8 + (1,), (2 ** 32, 2 ** 31, 1)):
        with pytest.raises(ValueError, match=r"more than 2\*\*63 - 1 elements"):
            f.create_dataset("a", shape, dtype="i1", **kwds)
    assert "a" not in f
    # Just under the limit is fine (chunked: only what is written is stored).
    d = f.create_dataset("a", (2 ** 32, 2 ** 31 - 1, 1), dtype="i1", chunks=(1, 4, 1))
    assert d.size == 2 ** 63 - 2 ** 32
    d[5, 0:4, 0] = [1, 2, 3, 4]
    assert_array_equal(d[5, 0:6, 0], [1, 2, 3, 4, 0, 0])


def test_create_with_data_and_a_wrapping_shape(f):
    # The count wraps to 8, which the data's size would have matched.
    with pytest.raises(ValueError):
        f.create_dataset("a", WRAPS_TO_8, data=np.arange(8, dtype="i1"))
    assert "a" not in f


def test_a_huge_maxshape_is_a_bound_not_a_size(f):
    d = f.create_dataset("m", (1, 1, 1), maxshape=BIG, dtype="i4", chunks=(1, 2, 2))
    assert d.maxshape == BIG
    d.resize((2, 2, 2))
    d[...] = np.arange(8).reshape(2, 2, 2)
    assert_array_equal(d[...], np.arange(8).reshape(2, 2, 2))
    with pytest.raises(ValueError, match="Unable to set extent"):
        d.resize(BIG)  # within maxshape, but more than HDF5 can count
    assert d.shape == (2, 2, 2)


@pytest.mark.parametrize("new", [BIG, WRAPS_TO_8 + (1,)])
def test_resize_refuses_a_shape_whose_count_wraps(f, new):
    d = f.create_dataset("r", (2, 2, 1), maxshape=(None, None, None), dtype="i4",
                         chunks=(1, 2, 1))
    d[...] = [[[1], [2]], [[3], [4]]]
    with pytest.raises(ValueError, match=r"more than 2\*\*63 - 1 elements"):
        d.resize(new)
    assert d.shape == (2, 2, 1) and d.size == 4        # was size 0 or 8
    assert_array_equal(d[...].ravel(), [1, 2, 3, 4])
    d.resize((2 ** 32, 2 ** 31 - 1, 1))                # just under the limit
    assert d.size == 2 ** 63 - 2 ** 32
    d[0, 2, 0] = 9
    assert_array_equal(d[0:2, 0:3, 0], [[1, 2, 9], [3, 4, 0]])


def test_a_chunk_whose_bytes_overflow_is_refused(f):
    with pytest.raises(ValueError, match="chunk"):
        f.create_dataset("c", (1, 1, 1), maxshape=(None,) * 3, dtype="i8",
                         chunks=(2 ** 32 - 1, 2 ** 32 - 1, 2))
    assert "c" not in f
    d = f.create_dataset("c", (1, 1, 1), maxshape=(None,) * 3, dtype="i8",
                         chunks=(64, 64, 2))
    d[0, 0, 0] = 7
    assert d[0, 0, 0] == 7


def test_a_selection_too_large_for_an_array_on_every_path(h5py_file):
    """The queued forms refuse at the call as the synchronous ones do, and
    queue nothing (h5py has no queued forms to compare with)."""
    path, _ = h5py_file
    with h5async.File(str(path), "a") as fh:
        d, w8 = fh["big"], fh["wraps_to_8"]
        es = h5async.EventSet()
        for key in (Ellipsis, np.s_[:, :, 0], np.s_[0:2 ** 32, 0:2 ** 31, 0]):
            with pytest.raises(ValueError, match="too large for an array"):
                d.read(key, es=es)
            with pytest.raises(ValueError, match="too large for an array"):
                d.write(key, 1, es=es)
        # h5py hangs here: HDF5 wraps the count to 8 and walks 2**61 chunks.
        with pytest.raises(TypeError, match="broadcast"):
            w8.write_direct(np.arange(8, dtype="i1"), es=es)
        with pytest.raises(TypeError, match="broadcast"):
            d.read_direct(np.zeros(8, "i1"), es=es)
        assert es.op_counter == 0
        small = d.read(np.s_[0:2, 0, :], es=es)
        assert es.wait() == 0
        assert_array_equal(small.result(), np.zeros((2, 2), "i1"))
        es.close()


def test_itemsize_times_count_overflowing_size_t(f):
    # 2**44 elements of 2**20 + 1 bytes: the count fits, the bytes do not.
    e = f.create_dataset("w", (2 ** 44,), dtype=WIDE, chunks=(1,))
    assert e.size == 2 ** 44
    e[3] = b"hello"
    with pytest.raises(ValueError):
        e[...]
    with pytest.raises(ValueError, match="too large to stage"):  # was MemoryError
        e[...] = b"x"
    es = h5async.EventSet()
    with pytest.raises(ValueError, match="too large to stage"):
        e.write(Ellipsis, b"x", es=es)
    assert es.wait() == 0
    es.close()
    assert e[3] == b"hello" and e[4] == b""
