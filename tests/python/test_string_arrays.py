"""numpy's StringDType ('T') and object arrays of str or bytes, as h5py
takes them (issue 11, point 3): 'T' datasets are variable-length UTF-8
strings, astype('T') reads str in that dtype, 'T' values write into
variable- and fixed-length datasets; an object array all of bytes (or all
of str) becomes variable-length ASCII (UTF-8) strings; astype(object) reads
the strings; variable- to fixed-length reads truncate as numpy does.  The
same script under h5py and h5async must print the same."""
import numpy as np
import pytest

from subproc import check_ok, run_script

pytestmark = pytest.mark.skipif(int(np.__version__.split(".")[0]) < 2,
                                reason="StringDType needs numpy 2")

SCRIPT = r'''
import sys, numpy as np
L = __import__(sys.argv[1])
f = L.File(sys.argv[2], "w")
def show(x):
    return (type(x).__name__, getattr(x, "dtype", None) and str(x.dtype), repr(x.tolist() if hasattr(x, "tolist") else x))
d = f.create_dataset("t", (2, 2), dtype="T")
d[:] = [["foo", "bar"], ["h\u00e9llo", ""]]
print(show(d.dtype), L.check_string_dtype(d.dtype), show(d[...]), show(d.asstr()[...]))
a = d.astype("T")
print(a.dtype.kind, show(a[...]), show(a[0, 1]))
x = f.create_dataset("x", data=np.array(["", "a", "b"], dtype="T"))
x[:2] = np.array(["c", ""], dtype="T")
print(show(x[...]), show(x.astype("T")[...]), x.fillvalue)
s = f.create_dataset("s", data=["foo", "longer than 8"], dtype=L.string_dtype(length=20))
s[0] = np.asarray("1234", dtype="T")
print(show(s[...]), show(s.astype("T")[...]))
v = f.create_dataset("v", data=["foo", "longer than 8 bytes"], dtype="T")
print(show(v.astype("S20")[...]), show(v.astype("S3")[...]), show(v.astype(object)[...]))
fv = f.create_dataset("fv", (2,), dtype="T", fillvalue="foo")
print(repr(fv.fillvalue), show(fv[...]))
f["ob"] = np.array([b"a", b"bc"], dtype=object)
f["os"] = np.array(["a", "\u00e9"], dtype=object)
print(L.check_string_dtype(f["ob"].dtype), show(f["ob"][...]), L.check_string_dtype(f["os"].dtype), show(f["os"][...]))
try:
    f.create_dataset("i", (2,), dtype="i8").astype("T")
except TypeError as e:
    print("TypeError", "HDF5 string datatype" in str(e))
try:
    f["mixed"] = np.array([b"a", "b"], dtype=object)
except TypeError as e:
    print("mixed TypeError")
'''


def test_string_arrays_as_h5py(tmp_path):
    out = {lib: check_ok(run_script(SCRIPT, lib, str(tmp_path / f"{lib}.h5")))
           for lib in ("h5py", "h5async")}
    assert out["h5async"] == out["h5py"]
