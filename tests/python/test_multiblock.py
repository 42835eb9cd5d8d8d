"""MultiBlockSlice: reads compared with the real h5py's on the same file,
writes with numpy's equivalent (h5py 3.16 cannot write through one)."""
import json

import numpy as np
import pytest

import h5async

from subproc import check_ok, run_script

M = h5async.MultiBlockSlice
KEYS = [
    "M(start=1, stride=3, block=2)",
    "(M(start=1, count=2, stride=5, block=4), 3)",
    "(2, M(stride=2))",
    "(M(start=4), M(stride=3, block=2))",
    "(slice(None), M(count=3))",
]

READ = """
import json, sys, h5py
M = h5py.MultiBlockSlice
with h5py.File(sys.argv[1], "r") as f:
    d = f["x"]
    out = {k: d[eval(k)].tolist() for k in %r}
    out["indices"] = M(start=1, stride=3, block=2).indices(10)
print(json.dumps(out))
"""


def test_reads_match_h5py(tmp_path):
    path = tmp_path / "m.h5"
    with h5async.File(path, "w") as f:
        f["x"] = np.arange(100).reshape(10, 10)
    theirs = json.loads(check_ok(run_script(READ % KEYS, path)))
    with h5async.File(path, "r") as f:
        for k in KEYS:
            assert f["x"][eval(k)].tolist() == theirs[k], k
    assert list(M(start=1, stride=3, block=2).indices(10)) == theirs["indices"]


def test_write_as_numpy(tmp_path):
    ref = np.arange(100).reshape(10, 10)
    with h5async.File(tmp_path / "w.h5", "w") as f:
        d = f.create_dataset("x", data=ref)
        d[M(start=0, stride=4, block=2), :2] = -1
        ref[[0, 1, 4, 5, 8, 9], :2] = -1
        np.testing.assert_array_equal(d[...], ref)


@pytest.mark.parametrize("kw", [dict(start=2, count=2, stride=5, block=4),
                                dict(start=8, stride=4, block=3)])
def test_blocks_past_the_extent_raise_valueerror(tmp_path, kw):
    with h5async.File(tmp_path / "e.h5", "w") as f:
        d = f.create_dataset("x", data=np.arange(10))
        with pytest.raises(ValueError):
            d[M(**kw)]


def test_bad_parameters():
    for kw in (dict(block=3), dict(stride=2, block=3), dict(stride=0), dict(start=-1)):
        with pytest.raises(ValueError):
            M(**kw)
