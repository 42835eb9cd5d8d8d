"""compression="lzf" at create_dataset (issue 13's filters, issue 12's
h5netcdf tests): h5py's lzf filter (32000) with h5py's parameters, alone and
with shuffle, full and partial writes; .compression reads "lzf"; options
are refused with h5py's ValueError.  Written by h5async (sync and async)
and h5py, each read by both."""
from subproc import check_round_trips

SCRIPT = r'''
import sys, numpy as np
L = __import__(sys.argv[1]); mode = sys.argv[2]; path = sys.argv[3]
if mode.startswith("write"):
    es = L.EventSet() if mode == "write-async" else None
    f = L.File(path, "w", **({"es": es} if es else {}))
    f.create_dataset("a", data=np.arange(1000.0).reshape(10, 100), compression="lzf", chunks=(5, 50))
    f.create_dataset("b", data=np.arange(300, dtype="i2"), compression="lzf", shuffle=True)
    d = f.create_dataset("c", (7, 9), dtype="f4", compression="lzf", chunks=(3, 4))
    d[1:6, 2:8] = np.ones((5, 6), "f4") * 2.5
    if es: es.wait(); f.es = None
    f.close()
f = L.File(path, "r")
for k in "abc":
    d = f[k]
    print(k, d.compression, d.compression_opts, d.shuffle, d.chunks, d[...].tolist())
with L.File(path + ".x", "w") as g:
    try:
        g.create_dataset("x", (4,), compression="lzf", compression_opts=3)
    except Exception as e:
        print(type(e).__name__, e)
'''


def test_lzf_datasets_round_trip_with_h5py(tmp_path):
    check_round_trips(SCRIPT, tmp_path)
