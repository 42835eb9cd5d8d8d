"""fill_time= and track_times= at create_dataset, as h5py: HDF5's fill
times ('alloc', 'never', 'ifset') read back through
get_create_plist().get_fill_time(), unwritten elements read as h5py reads
them (zeros where HDF5 writes nothing), h5py's errors for bad values."""
from subproc import check_ok, run_script

SCRIPT = r'''
import sys, numpy as np
if sys.argv[1] == "h5async":
    import h5async; h5async.install_as_h5py()
import h5py
with h5py.File(sys.argv[2], "w") as f:
    for ft in (None, "never", "alloc", "ifset"):
        kw = {} if ft is None else {"fill_time": ft}
        d = f.create_dataset(f"d{ft}", (10,), "f4", fillvalue=4.0, **kw)
        g = f.create_dataset(f"c{ft}", (10,), "f4", fillvalue=4.0, chunks=(2,), **kw)
        print(ft, d.id.get_create_plist().get_fill_time(), g.id.get_create_plist().get_fill_time(),
              d[0] == 4.0, g[7] == 4.0)
    for bad in ("fill_bad", 2):
        try: f.create_dataset(f"x{bad}", (10,), "f4", fill_time=bad)
        except Exception as e: print(type(e).__name__, e)
    for tt in (True, False, None, "null"):
        try:
            d = f.create_dataset(f"t{tt}", data=np.arange(3), track_times=tt); print(tt, "ok")
        except Exception as e: print(type(e).__name__, e)
    d = f.create_dataset("r", (5,), "f4", maxshape=(10,), chunks=(5,))
    d.resize((10,)); print(d[...].tolist())
'''


def test_fill_time_and_track_times_as_h5py(tmp_path):
    out = {lib: check_ok(run_script(SCRIPT, lib, str(tmp_path / f"{lib}.h5")))
           for lib in ("h5py", "h5async")}
    assert out["h5async"] == out["h5py"]
    assert "never 1 1 False False" in out["h5py"]
