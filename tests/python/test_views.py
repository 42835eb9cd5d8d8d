"""What Dataset.astype(), asstr() and fields() return, and the dataset
itself, as numpy sees them (h5py's tests): shape, ndim, size, len, dtype,
and np.array(view, copy=False) refused with ValueError because a read
always allocates.  The same script under h5py and h5async prints the same."""
from subproc import check_ok, run_script

SCRIPT = r'''
import sys, numpy as np
L = __import__(sys.argv[1])
f = L.File(sys.argv[2], "w")
s = f.create_dataset("s", (5, 6), dtype=L.string_dtype("ascii"), fillvalue=b"fill")
c = f.create_dataset("c", (5, 6), dtype=[("foo", L.string_dtype("ascii")), ("n", "i4")])
for name, view in [("ds", s), ("astype", s.astype(object)), ("asstr", s.asstr()),
                   ("fields", c.fields("foo"))]:
    print(name, view.dtype == np.dtype(object), view.ndim, view.shape, view.size, len(view),
          np.array(view).shape)
    try:
        np.array(view, copy=False)
        print("copied")
    except ValueError as e:
        print("ValueError", "cannot be avoided" in str(e))
'''


def test_views_as_numpy_sees_them_as_h5py(tmp_path):
    out = {lib: check_ok(run_script(SCRIPT, lib, str(tmp_path / f"{lib}.h5")))
           for lib in ("h5py", "h5async")}
    assert out["h5async"] == out["h5py"]
    assert out["h5py"].count("ValueError True") == 4
