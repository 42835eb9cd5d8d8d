"""Dataset region references (issue 11, point 3), as h5py has them:
dset.regionref[sel] for slices, steps, index lists, boolean masks and
scalars; RegionReference values in datasets, attributes and compounds;
f[ref] opens the dataset, dset[ref] reads the selection in the shape h5py
guesses, obj.regionref.shape/selection describe it; null references, a
reference into another dataset, a group's regionref[...] fail as in h5py.
Written by h5async (sync and async) and h5py, each read by both."""
from subproc import check_round_trips

SCRIPT = r'''
import sys, numpy as np
L = __import__(sys.argv[1]); mode = sys.argv[2]; path = sys.argv[3]
if mode.startswith("write"):
    es = L.EventSet() if mode == "write-async" else None
    f = L.File(path, "w", **({"es": es} if es else {}))
    d = f.create_dataset("d", data=np.arange(100).reshape(10, 10))
    s = f.create_dataset("s", data=np.arange(6.0))
    f.create_dataset("sc", data=5)
    if es: es.wait()
    refs = [d.regionref[2:4, 3:7], d.regionref[1, ::3], d.regionref[...], s.regionref[[0, 2, 5]],
            s.regionref[s[...] > 3], d.regionref[:, 4], f["sc"].regionref[()]]
    r = f.create_dataset("refs", (len(refs) + 1,), dtype=L.regionref_dtype)
    for i, x in enumerate(refs):
        r[i] = x
    f.attrs["one"] = refs[0]
    f.attrs.create("many", refs[:3], dtype=L.regionref_dtype)
    cdt = np.dtype([("r", L.regionref_dtype), ("x", "i4")])
    c = np.empty(2, cdt); c["r"] = [refs[1], refs[3]]; c["x"] = [1, 2]
    f["c"] = c
    if es: es.wait(); f.es = None
    f.close()
f = L.File(path, "r")
refs = f["refs"][...]
print(f["refs"].dtype.metadata["ref"].__name__, [bool(x) for x in refs], type(refs[0]).__name__)
print(isinstance(refs[0], L.Reference), repr(refs[0]), repr(refs[-1]))
for x in refs[:-1]:
    ds = f[x]
    print(ds.name, f.regionref.shape(x), ds.regionref.selection(x), ds[x].tolist())
print(f[f.attrs["one"]].name, f["d"][f.attrs["one"]].tolist())
print([f["d"].regionref.selection(x) for x in f.attrs["many"]])
c = f["c"][...]
print([f[x].name for x in c["r"]], c["x"].tolist(), f["s"][c["r"][1]].tolist())
for bad in (lambda: f["s"][refs[0]], lambda: f[refs[-1]], lambda: f.regionref[0], lambda: f["d"][L.RegionReference()]):
    try:
        bad(); print("no error")
    except Exception as e:
        print(type(e).__name__)
print(L.check_ref_dtype(L.regionref_dtype).__name__, L.special_dtype(ref=L.RegionReference) == L.regionref_dtype)
'''


def test_region_references_round_trip_with_h5py(tmp_path):
    check_round_trips(SCRIPT, tmp_path)
