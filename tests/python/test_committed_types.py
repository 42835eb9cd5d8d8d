"""Committed (named) datatypes (issue 11 point 3, issue 12 point 2):
g[name] = np.dtype(...) stores one (queued like any write), g[name] gives
an h5async.Datatype with its dtype, create_dataset(dtype=Datatype) uses its
dtype, get(getclass=True) is Datatype.  Written and read by h5async (sync
and async) and by h5py, each in its own interpreter; all print the same.
"""
from subproc import check_round_trips

SCRIPT = r'''
import sys, numpy as np
L = __import__(sys.argv[1]); mode = sys.argv[2]; path = sys.argv[3]
if mode.startswith("write"):
    es = L.EventSet() if mode == "write-async" else None
    f = L.File(path, "w", **({"es": es} if es else {}))
    f["t"] = np.dtype([("a", "i4"), ("b", "f8")])
    f["g/e"] = L.enum_dtype({"RED": 0, "BLUE": 1}, basetype="i1")
    if es: es.wait()
    d = f.create_dataset("d", (2,), dtype=f["t"])
    d[0] = (1, 2.5)
    if es: es.wait(); f.es = None
    f.close()
f = L.File(path, "r")
t = f["t"]
print(type(t).__name__, t.dtype, sorted(L.check_enum_dtype(f["g/e"].dtype).items()), f["d"][...].tolist(), f.get("t", getclass=True).__name__, t.name)
'''



def test_committed_types_round_trip_with_h5py(tmp_path):
    check_round_trips(SCRIPT, tmp_path)

