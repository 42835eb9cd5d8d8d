"""Object references (issue 11, point 3): obj.ref, g[ref], ref_dtype in
datasets, attributes (a scalar and a list, as netCDF4 files carry them) and
compound members; null references are false and raise ValueError when
opened.  Written and read by h5async (sync and async) and by h5py, each
side in its own interpreter; every combination must print the same.
"""
from subproc import check_round_trips

SCRIPT = r'''
import sys
import numpy as np
lib, mode, path = sys.argv[1], sys.argv[2], sys.argv[3]
L = __import__(lib)
if mode in ("write", "write-async"):
    es = L.EventSet() if mode == "write-async" else None
    f = L.File(path, "w", **({"es": es} if es else {}))
    g = f.create_group("grp")
    d = g.create_dataset("data", data=np.arange(5))
    if es:
        es.wait()
    refs = f.create_dataset("refs", (3,), dtype=L.ref_dtype)
    refs[0] = g.ref
    refs[1] = d.ref
    f.attrs["r"] = d.ref
    f.attrs.create("rl", [g.ref, d.ref], dtype=L.ref_dtype)
    dt = np.dtype([("obj", L.ref_dtype), ("x", "i4")])
    f["comp"] = np.array([(d.ref, 7)], dtype=dt)
    if es:
        es.wait()
        f.es = None
    f.close()
f = L.File(path, "r")
r = f["refs"][...]
print(f["refs"].dtype, L.check_ref_dtype(f["refs"].dtype) is L.Reference)
print([bool(x) for x in r], f[r[0]].name, f[r[1]].name, list(f[r[1]][...]))
print(f[f.attrs["r"]].name, [f[x].name for x in f.attrs["rl"]])
c = f["comp"][...]
print(f[c[0]["obj"]].name, c[0]["x"], bool(f["refs"][2]))
try:
    f[f["refs"][2]]
except Exception as e:
    print("null deref", type(e).__name__)
'''



def test_references_round_trip_with_h5py(tmp_path):
    check_round_trips(SCRIPT, tmp_path)

