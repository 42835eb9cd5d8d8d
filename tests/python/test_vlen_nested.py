"""Variable-length strings inside other types (issue 11, point 1): compound
members, arrays of strings as members, nested compounds, attributes, 0-d
datasets; written by h5py and read by h5async, and the reverse, in sync and
async mode.  These used to crash (reading) or store pointers (writing).

Both libraries run in interpreters of their own (h5py may link another
HDF5, and a regression here crashes): the two sides compare the repr of
what they read, which shows values, bytes/str and dtypes.
"""
import subprocess
import sys
import textwrap

import pytest

TYPES = """
import numpy as np
def types(sd):
    dt = np.dtype([("name", sd()), ("x", "f8")])
    nested = np.dtype([("a", dt), ("tags", sd(), (2,)), ("b", "S3")])
    return dt, nested
def write(lib, f, sd):
    dt, nested = types(sd)
    f["d"] = np.array([("alpha", 1.0), ("", 2.0), ("\\u03b3\\u03b4", 3.0)], dtype=dt)
    f.create_dataset("n", data=np.array([(("x", 1.0), ("t1", "t2"), b"abc")] * 3, dtype=nested))
    f.attrs["a"] = np.array([("beta", 4.0)], dtype=dt)
    f.create_dataset("z", data=np.array(("zero", 0.5), dtype=dt))
    e = f.create_dataset("e", (3,), dtype=dt)
    e[0] = np.array(("one", 1.5), dtype=dt)
    e.write_direct(np.array([("two", 2.5), ("three", 3.5)], dtype=dt), dest_sel=np.s_[1:3])
def read(f):
    out = [repr(f["d"][...]), repr(f["n"][...]), repr(f["n"][1:]), repr(f.attrs["a"]),
           repr(f["z"][()]), repr(f["e"][...]), repr(f["d"]["name"]), repr(f["d"][2])]
    return "\\n".join(out)
"""

H5PY_WRITE = TYPES + """
import sys, h5py
with h5py.File(sys.argv[1], "w") as f:
    write(h5py, f, h5py.string_dtype)
"""

H5PY_READ = TYPES + """
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    print(read(f))
"""

H5ASYNC_READ = TYPES + """
import sys, h5async
with h5async.File(sys.argv[1], "r") as f:
    print(read(f))
"""

H5ASYNC_WRITE = TYPES + """
import sys, h5async
es = h5async.EventSet() if sys.argv[2] == "async" else None
f = h5async.File(sys.argv[1], "w", es=es)
write(h5async, f, h5async.string_dtype)
if es:
    assert es.wait() == 0
    f.es = None
print(read(f))                 # reading our own file, before the close
f.close()
"""


def run(code, *args):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr}"
    return proc.stdout.strip()


def test_h5async_reads_what_h5py_wrote(tmp_path):
    path = tmp_path / "h5py.h5"
    run(H5PY_WRITE, path)
    assert run(H5ASYNC_READ, path) == run(H5PY_READ, path)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_h5py_reads_what_h5async_wrote(tmp_path, mode):
    ref = tmp_path / "ref.h5"
    run(H5PY_WRITE, ref)
    expect = run(H5PY_READ, ref)
    path = tmp_path / "ours.h5"
    assert run(H5ASYNC_WRITE, path, mode) == expect
    assert run(H5PY_READ, path) == expect


REFUSED = """
import sys
import numpy as np
import h5async
path = sys.argv[1]
dt = np.dtype([("name", h5async.string_dtype()), ("x", "f8")])
cases = [("a\\x00b", ValueError), (None, TypeError), (5, TypeError)]
with h5async.File(path, "w") as f:
    d = f.create_dataset("e", (1,), dtype=dt)
    for i, (value, exc) in enumerate(cases):
        for how in ("create", "write"):
            try:
                if how == "create":
                    f.create_dataset("d%d" % i, data=np.array([(value, 1.0)], dtype=dt))
                else:
                    d[0] = np.array((value, 1.0), dtype=dt)
            except exc:
                pass
            else:
                raise AssertionError((value, how, "not refused"))
    assert d[0]["x"] == 0.0 and list(f) == ["e"]      # nothing was written
    # A fill value has no room for the strings its members would point at:
    # refused rather than stored wrong.
    try:
        f.create_dataset("f", (2,), dtype=dt, fillvalue=np.array(("f", 1.0), dtype=dt))
    except TypeError:
        pass
    else:
        raise AssertionError("fillvalue not refused")
    assert "f" not in f
print("OK")
"""


def test_values_a_string_member_cannot_hold_are_refused(tmp_path):
    assert run(REFUSED, tmp_path / "bad.h5") == "OK"
