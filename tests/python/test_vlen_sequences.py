"""Variable-length sequences (h5py.vlen_dtype) at the top level of datasets
and attributes (issue 11, point 3): numbers, and object references as
netCDF4's DIMENSION_LIST holds them.  Written and read by h5async (sync and
async) and by h5py, each in its own interpreter; all must print the same.
Inside compounds they are refused with TypeError (not misread).
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


COMPOUND = r'''
import sys
import numpy as np
path = sys.argv[2]
if sys.argv[1] == "h5py":
    import h5py
    dt = np.dtype([("s", h5py.vlen_dtype(np.dtype("i4"))), ("x", "f8")])
    with h5py.File(path, "w") as f:
        a = np.empty(1, dtype=dt)
        a[0] = (np.arange(3, dtype="i4"), 1.0)
        f["c"] = a
        f["ok"] = np.arange(3)
else:
    import h5async
    with h5async.File(path, "r") as f:
        try:
            f["c"]
        except TypeError as e:
            print("refused", "sequence" in str(e))
        print(list(f), f["ok"][...].tolist())
'''


def h5py_writes_h5async_reads(script, path):
    """Run `script` (argv: lib, path) with h5py, then h5async; h5async's output."""
    for lib in ("h5py", "h5async"):
        proc = subprocess.run([sys.executable, "-c", script, lib, str(path)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    return proc.stdout.split("\n")


def test_sequences_inside_compounds_are_refused_not_misread(tmp_path):
    out = h5py_writes_h5async_reads(COMPOUND, tmp_path / "c.h5")
    assert out[:2] == ["refused True", "['c', 'ok'] [0, 1, 2]"]


NESTED = r'''
import sys
import numpy as np
path = sys.argv[2]
if sys.argv[1] == "h5py":
    import h5py
    with h5py.File(path, "w") as f:
        f.create_dataset("arr", (2,), dtype=np.dtype((h5py.vlen_dtype(np.dtype("i4")), (2,))))
        t = h5py.h5t.array_create(h5py.h5t.vlen_create(h5py.h5t.NATIVE_INT32), (2,))
        h5py.h5a.create(f.id, b"arr", t, h5py.h5s.create_simple((3,)))
        f["ok"] = np.arange(3)
else:
    import h5async
    with h5async.File(path, "a") as f:
        for what, fn in [("read dataset", lambda: f["arr"][...]),
                         ("read attribute", lambda: f.attrs["arr"]),
                         ("create", lambda: f.create_dataset(
                             "new", (2,), dtype=np.dtype((h5async.vlen_dtype(np.dtype("i4")), (2,)))))]:
            try:
                fn()
                print(what, "returned")
            except TypeError as e:
                print(what, "TypeError")
        for base in (np.uint8, int, float, "f4"):   # any dtype-like, as h5py
            d = f.create_dataset("v%s" % getattr(base, "__name__", base), (1,),
                                 dtype=h5async.vlen_dtype(base))
            d[0] = [1, 2]
            print(d[0].tolist(), end=" ")
        print(f["ok"][...].tolist())
'''


def test_sequences_inside_arrays_are_refused_and_any_base_dtype_like_works(tmp_path):
    # Arrays of sequences crashed (HDF5 lays a sequence out in 16 bytes,
    # numpy in 8): refused at the call now, never read wrong.
    assert h5py_writes_h5async_reads(NESTED, tmp_path / "n.h5")[:4] == [
        "read dataset TypeError", "read attribute TypeError", "create TypeError",
        "[1, 2] [1, 2] [1.0, 2.0] [1.0, 2.0] [0, 1, 2]"]
