"""Variable-length sequences (h5py.vlen_dtype) at the top level of datasets
and attributes (issue 11, point 3): numbers, and object references as
netCDF4's DIMENSION_LIST holds them.  Written and read by h5async (sync and
async) and by h5py, each in its own interpreter; all must print the same.
Nested inside compounds and subarrays, and of compounds, strings and
sequences, they round-trip both ways too.
"""
import subprocess
import sys

from subproc import check_round_trips

SCRIPT = r'''
import sys, numpy as np
L = __import__(sys.argv[1]); mode = sys.argv[2]; path = sys.argv[3]
if mode.startswith("write"):
    es = L.EventSet() if mode == "write-async" else None
    f = L.File(path, "w", **({"es": es} if es else {}))
    dt = L.vlen_dtype(np.dtype("i4"))
    d = f.create_dataset("v", (3,), dtype=dt)
    d[0] = np.arange(3)
    d[1] = [7]
    d[2] = np.array([], dtype="i4")
    f.create_dataset("vf", data=np.array([np.arange(2.0), np.arange(4.0)], dtype=object), dtype=L.vlen_dtype(np.dtype("f8")))
    g = f.create_group("g")
    if es: es.wait()
    dl = np.empty(1, dtype=L.vlen_dtype(L.ref_dtype))
    dl[0] = np.array([g.ref, g.ref], dtype=L.ref_dtype)
    f.attrs.create("dl", dl, dtype=L.vlen_dtype(L.ref_dtype))
    f.attrs.create("ints", np.array([np.array([1, 2]), np.array([3])], dtype=object), dtype=L.vlen_dtype(np.dtype("i2")))
    if es: es.wait(); f.es = None
    f.close()
f = L.File(path, "r")
v = f["v"][...]
print(f["v"].dtype, L.check_vlen_dtype(f["v"].dtype), [x.tolist() for x in v], [x.dtype.str for x in v])
print([x.tolist() for x in f["vf"][...]], f["v"][1].tolist())
dl = f.attrs["dl"]
print(type(dl).__name__, len(dl), [f[r].name for r in dl[0]])
print([x.tolist() for x in f.attrs["ints"]])
'''



def test_sequences_round_trip_with_h5py(tmp_path):
    check_round_trips(SCRIPT, tmp_path)


NESTED = r"""
import sys, numpy as np
L = __import__(sys.argv[1]); mode = sys.argv[2]; path = sys.argv[3]
vl = L.vlen_dtype
# Sequences inside compounds (packed and padded), inside subarrays, of
# compounds, of strings and of sequences; HDF5 lays each out in 16 bytes
# where numpy has 8, so every offset after one moves.
cdt = np.dtype([("a", "i1"), ("s", vl(np.dtype("i4"))), ("x", "f8")])
adt = np.dtype([("v", vl(np.dtype("f8")), (2,)), ("z", "u2")])
sdt = vl(np.dtype([("x", "i4"), ("y", "f4")]))
strs = vl(L.string_dtype("ascii"))
if mode.startswith("write"):
    es = L.EventSet() if mode == "write-async" else None
    f = L.File(path, "w", **({"es": es} if es else {}))
    c = np.empty(3, cdt)
    c["a"] = [1, 2, 3]; c["x"] = [0.5, 1.5, 2.5]
    # exact dtypes: h5py 3.16 crashes on a list or an int64 array here
    c["s"][0] = np.arange(3, dtype="i4"); c["s"][1] = np.array([], "i4"); c["s"][2] = np.array([9], "i4")
    f["c"] = c
    d = f.create_dataset("c2", (2,), dtype=cdt)
    d[1] = (4, np.arange(4, dtype="i4"), 8.0)
    a = np.zeros(2, adt); a["z"] = [7, 8]
    a["v"][0, 0] = np.array([1.0]); a["v"][0, 1] = np.arange(3.0); a["v"][1, 0] = np.array([], "f8"); a["v"][1, 1] = np.array([5.0])
    f["a"] = a
    s = np.empty(2, sdt); s[0] = np.array([(1, 2.0), (3, 4.0)], sdt.metadata["vlen"]); s[1] = np.zeros(0, sdt.metadata["vlen"])
    f["s"] = s
    t = np.empty(2, strs); t[0] = np.array([b"ab", b""], object); t[1] = np.array([b"xyz"], object)
    f.create_dataset("t", data=t, dtype=strs)
    vv = np.empty(2, vl(vl(np.dtype("i2"))))
    o = np.empty(2, object); o[0] = np.arange(2, dtype="i2"); o[1] = np.arange(3, dtype="i2"); vv[0] = o
    o = np.empty(1, object); o[0] = np.array([], "i2"); vv[1] = o
    f["vv"] = vv
    f.attrs["c"] = c
    f.attrs.create("a", a)
    if es: es.wait(); f.es = None
    f.close()
f = L.File(path, "r")
def show(x):
    if isinstance(x, np.ndarray) and x.dtype.names:
        return [show(r) for r in x.tolist()] if x.ndim else show(x.item())
    if isinstance(x, np.ndarray):
        return [show(v) for v in x.tolist()] if x.dtype == object else x.tolist()
    if isinstance(x, (list, tuple)):
        return [show(v) for v in x]
    return x
def layout(dt):
    if not dt.names:
        return str(L.check_vlen_dtype(dt) or dt)
    return [(n, dt.fields[n][1], dt[n].shape, layout(dt[n].base)) for n in dt.names] + [dt.itemsize]
for k in ("c", "c2", "a", "s", "t", "vv"):
    v = f[k][...]
    print(k, layout(v.dtype), show(v))
print(show(f.attrs["c"]), show(f.attrs["a"]))
print(show(f["c"][1:]), show(f["c"]["s"]), show(f["a"][0]))
"""


def test_nested_sequences_round_trip_with_h5py(tmp_path):
    check_round_trips(NESTED, tmp_path)


ANYBASE = r"""
import sys
import numpy as np
import h5async
with h5async.File(sys.argv[1], "w") as f:
    for base in (np.uint8, int, float, "f4"):   # any dtype-like, as h5py
        d = f.create_dataset("v%s" % getattr(base, "__name__", base), (1,),
                             dtype=h5async.vlen_dtype(base))
        d[0] = [1, 2]
        print(d[0].tolist(), end=" ")
"""


def test_any_base_dtype_like(tmp_path):
    proc = subprocess.run([sys.executable, "-c", ANYBASE, str(tmp_path / "b.h5")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "[1, 2] [1, 2] [1.0, 2.0] [1.0, 2.0] "
