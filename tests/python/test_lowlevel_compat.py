"""The corner of h5py's low-level API that h5netcdf and xarray use through
`.id`, and h5py's class module names, compared with the real h5py.

Each scenario runs in its own interpreter, once with the real h5py and once
with h5async installed as h5py, on files each library wrote and on the
other's: every value printed must be the same.
"""
import json
import subprocess
import sys

import numpy as np
import pytest

import h5async

from subproc import check_ok, run_script

# argv: lib ("h5py" or "h5async"), mode ("write" or "read"), path.  Prints
# one JSON document of what the low-level calls return.
SCRIPT = r"""
import json, sys
import numpy as np
lib, mode, path = sys.argv[1:4]
if lib == "h5async":
    import h5async
    h5async.install_as_h5py()
import h5py
from h5py.h5p import CRT_ORDER_INDEXED, CRT_ORDER_TRACKED

DTYPES = {
    "i2": np.dtype("<i2"), "u8": np.dtype(">u8"), "f4": np.dtype("f4"),
    "bool": np.dtype(bool), "c16": np.dtype("c16"), "S5": np.dtype("S5"),
    "vstr": h5py.string_dtype(), "vbytes": h5py.string_dtype("ascii"),
    "cmpd": np.dtype([("a", "i4"), ("b", "f8")]),
    "enum": h5py.enum_dtype({"RED": 0, "GREEN": 1}, basetype="u1"),
    "arr": np.dtype(("f4", (2, 3))),
    "vlen": h5py.vlen_dtype(np.dtype("i4")),
    "ref": h5py.ref_dtype,
}

if mode == "write":
    with h5py.File(path, "w", track_order=True) as f:
        f.create_group("plain")
        f.create_group("tracked", track_order=True)
        f["plain"].create_group("inner", track_order=True)
        f.create_dataset("d_tracked", (2,), "i4", track_order=True)
        for name, dt in DTYPES.items():
            f.create_dataset("t_" + name, (2,), dtype=dt)
        for name in ("cmpd", "enum", "vlen"):
            f["T_" + name] = DTYPES[name]
            f.create_dataset("n_" + name, (2,), dtype=f["T_" + name])

out = {}
with h5py.File(path, "r") as f:
    for name in ("/", "plain", "tracked", "plain/inner", "d_tracked", "t_i2"):
        pl = f[name].id.get_create_plist()
        row = [type(pl).__name__, pl.get_attr_creation_order()]
        if hasattr(pl, "get_link_creation_order"):
            row.append(pl.get_link_creation_order())
        out["plist " + name] = row
    fpl = f.id.get_create_plist()
    out["plist file"] = [fpl.get_link_creation_order() & CRT_ORDER_TRACKED,
                         fpl.get_attr_creation_order() & CRT_ORDER_INDEXED]
    types = {}
    for name in DTYPES:
        tid = f["t_" + name].id.get_type()
        types[name] = tid
        out["class " + name] = tid.get_class()
        if name not in ("vstr", "vbytes", "vlen", "ref"):
            out["size " + name] = tid.get_size()
    for name in ("cmpd", "enum", "vlen"):
        named = f["T_" + name]
        out["named class " + name] = named.id.get_class()
        out["named module " + name] = type(named).__module__
        # h5netcdf's user-type lookup: a variable's type == the named type
        out["eq " + name] = [f["n_" + name].id.get_type() == named.id,
                             types[name] == named.id,
                             f["n_" + name].id.get_type() == types[name],
                             types["i2"] == named.id,
                             f["n_" + name].id.get_type() != named.id]
    out["eq copies"] = [types[a] == types[b] for a in DTYPES for b in ("i2", "S5", "cmpd")]
    out["modules"] = [type(f).__module__, type(f["plain"]).__module__,
                      type(f["t_i2"]).__module__, type(f.attrs).__module__]
print(json.dumps(out, sort_keys=True))
"""


def run(lib, mode, path):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, lib, mode, str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr}"
    return json.loads(proc.stdout)


def test_lowlevel_calls_match_h5py_both_ways(tmp_path):
    expected = run("h5py", "write", tmp_path / "h5py.h5")
    assert expected["plist tracked"] == ["PropGCID", 3, 3]  # the script checks something
    assert run("h5async", "read", tmp_path / "h5py.h5") == expected
    assert run("h5async", "write", tmp_path / "ours.h5") == expected
    assert run("h5py", "read", tmp_path / "ours.h5") == expected


def test_get_create_plist_reads_the_file_once_written(tmp_path):
    # Asynchronous creation, then the question: FIFO order answers it.
    es = h5async.EventSet()
    with h5async.File(tmp_path / "a.h5", "w", es=es) as f:
        g = f.create_group("g", track_order=True)
        assert g.id.get_create_plist().get_link_creation_order() == 3
        assert f.create_group("h").id.get_create_plist().get_attr_creation_order() == 0
    es.wait()
    es.close()


def test_lowlevel_errors_name_what_is_missing(tmp_path):
    with h5async.File(tmp_path / "a.h5", "w") as f:
        g = f.create_group("g")
        d = f.create_dataset("d", (1,), "i4")
        with pytest.raises(TypeError, match="get_type"):
            g.id.get_type()
        with pytest.raises(TypeError, match="get_class"):
            d.id.get_class()
        tid = d.id.get_type()
        assert tid.dtype == np.dtype("i4") and tid.copy() == tid
        with pytest.raises(TypeError):
            hash(tid)
    with pytest.raises(ValueError):
        g.id.get_create_plist()
    out = check_ok(run_script("""
import h5async
h5async.install_as_h5py()
import h5py.h5p
try:
    h5py.h5p.create
except AttributeError as e:
    print(e)
"""))
    assert "h5py.h5p.create is not supported by h5async" in out


def test_class_modules_change_only_when_installed():
    assert h5async.Dataset.__module__ == "h5async._hl"
    out = check_ok(run_script("""
import h5async
h5async.install_as_h5py()
import h5py, h5py._hl.datatype
print(h5py.Datatype.__module__, h5py._hl.datatype.Datatype is h5async.Datatype)
"""))
    assert out.split() == ["h5py._hl.datatype", "True"]
