"""scaleoffset= at create_dataset, as h5py (h5netcdf passes it): HDF5's
scale-offset filter for integers (bits kept, True/0 automatic) and floats
(decimal digits), alone and with gzip, full and partial writes;
Dataset.scaleoffset reads the factor back; h5py's checks and exception
types for floats given True, negative factors, other dtypes and fletcher32.
Written by h5async (sync and async) and h5py, each read by both."""
from subproc import check_round_trips

SCRIPT = r'''
import sys, numpy as np
L = __import__(sys.argv[1]); mode = sys.argv[2]; path = sys.argv[3]
if mode.startswith("write"):
    es = L.EventSet() if mode == "write-async" else None
    f = L.File(path, "w", **({"es": es} if es else {}))
    f.create_dataset("i", data=np.arange(1000, dtype="i4") * 3, scaleoffset=True)
    f.create_dataset("i8", data=np.arange(100, dtype="u2"), scaleoffset=8)
    f.create_dataset("f", data=np.linspace(0, 1, 50), scaleoffset=2, compression="gzip")
    d = f.create_dataset("p", (20,), dtype="i2", scaleoffset=0, chunks=(5,))
    d[3:9] = np.arange(6, dtype="i2") - 3
    if es: es.wait(); f.es = None
    f.close()
f = L.File(path, "r")
for k in ("i", "i8", "f", "p"):
    d = f[k]
    print(k, d.scaleoffset, d.compression, d.chunks is not None, d[...].tolist())
with L.File(path + ".x", "w") as g:
    for kw in [dict(data=np.arange(3.0), scaleoffset=True), dict(data=np.arange(3), scaleoffset=-1),
               dict(data=np.arange(3.0), scaleoffset=-0.1),
               dict(data=np.array([b"a"]), scaleoffset=1), dict(data=np.arange(3), scaleoffset=1, fletcher32=True)]:
        try:
            g.create_dataset("x", **kw); print("ok")
        except Exception as e:
            print(type(e).__name__, e)
'''


def test_scaleoffset_round_trips_with_h5py(tmp_path):
    check_round_trips(SCRIPT, tmp_path)
