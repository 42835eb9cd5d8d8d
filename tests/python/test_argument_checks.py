"""Arguments h5py refuses, refused the same way (exception type, and the
message where clients match it): a Dataset or Group made from another
object's id, chunking or maxshape for an Empty dataset, a plain number as a
compound's fill value, a RegionReference stored as an object reference
(its bytes are no object address: it was stored wrong before)."""
from subproc import check_ok, run_script

SCRIPT = r'''
import sys, numpy as np
L = __import__(sys.argv[1])
f = L.File(sys.argv[2], "w")
d = f.create_dataset("d", [1], "f4")
for label, fn in [("ds(group id)", lambda: L.Dataset(f["/"].id)), ("group(ds id)", lambda: L.Group(d.id)),
                  ("chunks empty", lambda: f.create_dataset("e", dtype="S100", chunks=True)),
                  ("maxshape empty", lambda: f.create_dataset("e2", dtype="S100", maxshape=20)),
                  ("fill compound 42", lambda: f.create_dataset("c", (10,), dtype=[("a", "i"), ("b", "f")], fillvalue=42)),
                  ("regionref into ref", lambda: f.create_dataset("r", (1,), dtype=L.ref_dtype).__setitem__(0, d.regionref[:]))]:
    try:
        fn(); print(label, "ok")
    except Exception as e:
        print(label, type(e).__name__, str(e)[:80].split(" object at ")[0].replace("h5async._h5async.ObjectID","ID").replace("h5py.h5g.GroupID","ID").replace("h5py.h5d.DatasetID","ID"))
'''


def test_refusals_as_h5py(tmp_path):
    out = {lib: check_ok(run_script(SCRIPT, lib, str(tmp_path / f"{lib}.h5")))
           for lib in ("h5py", "h5async")}
    strip = lambda s: [ln.split(" ")[0:3] for ln in s.splitlines()]
    assert strip(out["h5async"]) == strip(out["h5py"])
    assert "regionref into ref TypeError Can't convert dataset region reference" in out["h5async"]


MORE = r'''
import sys, numpy as np
L = __import__(sys.argv[1])
path = sys.argv[2]
f = L.File(path, "w", userblock_size=512)
f.create_group("x/y/z"); f["d"] = 1; f["t"] = np.dtype("i4")
print([n in f for n in ["/", "//", ".///", "./x", "x/./y", "x//y/", ".", "", "x/.", "x/..",
                        "./d", "../x", b"./x"]])
for label, fn in [("datatype(group id)", lambda: L.Datatype(f["x"].id)),
                  ("datatype(type id)", lambda: L.Datatype(f["t"].id).dtype)]:
    try:
        print(label, fn())
    except Exception as e:
        print(label, type(e).__name__)
f.close()
for ub in (1024, 512):
    try:
        g = L.File(path, "a", userblock_size=ub)
        print(ub, "opened", g.userblock_size)
        g.close()
    except ValueError as e:
        print(ub, "ValueError", str(e))
'''


def test_paths_ids_and_userblock_as_h5py(tmp_path):
    out = {lib: check_ok(run_script(MORE, lib, str(tmp_path / f"{lib}.h5")))
           for lib in ("h5py", "h5async")}
    assert out["h5async"] == out["h5py"]


SUBARRAY = r'''
import sys, numpy as np
L = __import__(sys.argv[1])
f = L.File(sys.argv[2], "w")
dt = np.dtype("(3,)i")
d = f.create_dataset("a", (10,), dtype=dt)
for label, fn in [("fill 42", lambda: d.__setitem__(Ellipsis, 42)),
                  ("elem", lambda: (d.__setitem__(0, np.arange(3)), d[0].tolist())[1]),
                  ("rows", lambda: (d.__setitem__(slice(1, 3), np.ones((2, 3))), d[1:3].tolist())[1]),
                  ("attr ok", lambda: (f.attrs.create("ok", data=np.arange(3, dtype="i"), dtype=dt), f.attrs["ok"].tolist())[1]),
                  ("attr bad", lambda: f.attrs.create("x", data=np.arange(4, dtype="i"), dtype=dt)),
                  ("attr shape", lambda: f.attrs.create("y", data=np.arange(4, dtype="i"), shape=(5,), dtype=np.dtype("()i"))),
                  ("backing", lambda: L.File(sys.argv[2] + "b", "w", backing_store=True))]:
    try:
        print(label, fn())
    except Exception as e:
        print(label, type(e).__name__)
'''


def test_subarray_dtypes_and_driver_keywords_as_h5py(tmp_path):
    # a scalar into array-typed elements and data not ending in the
    # subarray's shape are refused; backing_store without driver='core' too
    out = {lib: check_ok(run_script(SUBARRAY, lib, str(tmp_path / f"{lib}.h5")))
           for lib in ("h5py", "h5async")}
    assert out["h5async"] == out["h5py"]


def test_drivers_h5async_lacks_are_named(tmp_path):
    # h5py has them; h5async says so instead of calling them unknown
    import pytest
    import h5async
    for driver in ("family", "split", "ros3", "direct", "fileobj"):
        with pytest.raises(NotImplementedError, match=driver):
            h5async.File(tmp_path / f"{driver}.h5", "w", driver=driver)
        assert not (tmp_path / f"{driver}.h5").exists()
    with pytest.raises(ValueError, match="Unknown driver"):
        h5async.File(tmp_path / "x.h5", "w", driver="nonsense")
