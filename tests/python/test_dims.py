"""Dimension scales (issue 12, section 2): d.dims, make_scale, is_scale and
h5py.h5ds, writing the attributes HDF5's H5DS library writes.  A
netCDF-like file (variables sharing dimensions, labels, a detached scale)
is written by h5async (sync and async) and by h5py, each in its own
interpreter, and read back by both; every combination must print the same.
"""
import shutil
import subprocess

import pytest

from subproc import check_ok, run_script

WRITE_AND_READ = r'''
import sys
import numpy as np
lib, mode, path = sys.argv[1], sys.argv[2], sys.argv[3]
L = __import__(lib)
if mode in ("write", "write-async"):
    es = L.EventSet() if mode == "write-async" else None
    f = L.File(path, "w", **({"es": es} if es else {}))
    time = f.create_dataset("time", data=np.arange(4.0))
    lat = f.create_dataset("lat", data=np.linspace(-10, 10, 3))
    lon = f.create_dataset("lon", data=np.arange(5.0))
    unused = f.create_dataset("nv", data=np.zeros(2))
    time.make_scale("time")
    lat.make_scale("lat")
    lon.make_scale()                                   # NAME ""
    L.h5ds.set_scale(unused.id, b"This is a netCDF dimension but not a netCDF variable.")
    temp = f.create_dataset("temp", data=np.ones((4, 3, 5)))
    rain = f.create_dataset("rain", data=np.zeros((4, 5)))
    both = f.create_dataset("both", data=np.zeros((3,)))
    for var, names in ((temp, ("time", "lat", "lon")), (rain, ("time", "lon"))):
        for i, name in enumerate(names):
            var.dims[i].attach_scale(f[name])
            var.dims[i].label = name.upper()
    both.dims[0].attach_scale(lat)
    both.dims[0].attach_scale(unused)                  # two scales on one axis
    both.dims[0].detach_scale(unused)
    both.dims[0].attach_scale(unused)
    plain = f.create_dataset("plain", data=np.zeros((2, 2)))
    plain.dims[1].label = "only one"                   # a label, no scales
    auto = f.create_dataset("auto", data=np.zeros(5))  # attached without make_scale
    gone = f.create_dataset("gone", data=np.zeros(5))
    rain.dims[1].attach_scale(auto)
    gone.dims[0].attach_scale(auto)
    gone.dims[0].detach_scale(auto)                    # empty lists are deleted
    if es:
        es.wait()
        f.es = None
    f.close()

f = L.File(path, "r")
h5ds = L.h5ds

def name(obj):
    return obj.name

for key in ("time", "lat", "lon", "nv", "auto", "temp", "rain", "both", "plain", "gone"):
    d = f[key]
    print(key, "is_scale", d.is_scale, h5ds.is_scale(d.id), sorted(d.attrs.keys()))
    if d.is_scale:
        print("  scale name", h5ds.get_scale_name(d.id))
        rl = d.attrs["REFERENCE_LIST"] if "REFERENCE_LIST" in d.attrs else []
        print("  referenced by", sorted((f[ref].name, int(dim)) for ref, dim in rl))
    print("  ndims", len(d.dims), [len(dim) for dim in d.dims])
    for i, dim in enumerate(d.dims):
        print("  dim", i, repr(dim.label), h5ds.get_label(d.id, i), dim.keys(),
              [name(v) for v in dim.values()], [(k, name(v)) for k, v in dim.items()],
              list(dim), h5ds.get_num_scales(d.id, i))
        if len(dim):
            print("   [0]", dim[0].name, "[-1]", dim[-1].name, "by name", dim[dim.keys()[0]].name)
            for s in dim.values():
                print("   attached", s.name, h5ds.is_attached(d.id, s.id, i))
            print("   iterate", h5ds.iterate(d.id, i, lambda sid: L.Dataset(sid).name
                                             if lib == "h5py" else f[sid.path].name, 0))
    if "DIMENSION_LIST" in d.attrs:
        print("  DIMENSION_LIST", [[f[r].name for r in refs] for refs in d.attrs["DIMENSION_LIST"]])
for key, other, i in (("temp", "lat", 0), ("temp", "lat", 1), ("rain", "lat", 0)):
    print("is_attached", key, other, i, h5ds.is_attached(f[key].id, f[other].id, i))
'''

CASES = [("h5py", "write", "h5py"), ("h5async", "write", "h5async"),
         ("h5async", "write-async", "h5async"), ("h5py", "write", "h5async"),
         ("h5async", "write", "h5py"), ("h5async", "write-async", "h5py")]

# h5py's H5DSis_scale requires CLASS to be a null-terminated string: the
# dtype conversion honours the h5async_strpad metadata h5ds.fixed_ascii() sets.


def _run(lib, mode, path):
    return check_ok(run_script(WRITE_AND_READ, lib, mode, path))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    return _run("h5py", "write", tmp_path_factory.mktemp("dims") / "h5py.h5")


@pytest.mark.parametrize("writer,mode,reader", CASES)
def test_same_as_h5py(tmp_path, baseline, writer, mode, reader):
    path = tmp_path / "dims.h5"
    out = _run(writer, mode, path)
    if reader != writer:
        out = _run(reader, "read", path)
    assert out == baseline


def test_baseline_says_what_we_expect(baseline):
    lines = baseline.splitlines()
    assert "time is_scale True True ['CLASS', 'NAME', 'REFERENCE_LIST']" in lines
    assert "  referenced by [('/rain', 0), ('/temp', 0)]" in lines
    assert "  scale name b''" in lines                     # lon: make_scale()
    assert "auto is_scale True True ['CLASS', 'REFERENCE_LIST']" in lines
    assert "gone is_scale False False []" in lines
    assert any(l.startswith("  dim 1 'LAT' b'LAT' ['lat'] ['/lat']") for l in lines)
    assert "  DIMENSION_LIST [['/lat', '/nv']]" in lines
    assert "  dim 1 'only one' b'only one' [] [] [] [] 0" in lines


def _dump(path):
    return subprocess.run(["h5dump", "-H", str(path)], capture_output=True, text=True,
                          check=True).stdout


def _attr_block(dump, obj, attr):
    part = dump.split(f'DATASET "{obj}"', 1)[1]
    return part.split(f'ATTRIBUTE "{attr}"', 1)[1].split("DATASPACE", 2)[:2]


needs_h5dump = pytest.mark.skipif(shutil.which("h5dump") is None, reason="no h5dump")


@needs_h5dump
def test_types_are_h5ds_types(tmp_path):
    """The HDF5 types of what we write, as h5dump shows them: those of
    libhdf5_hl's H5DS (REFERENCE_LIST's index unsigned, as HDF5 1.14.5 on,
    and so h5py, write it, whatever HDF5 we link)."""
    path = tmp_path / "ours.h5"
    _run("h5async", "write", path)
    dump = _dump(path)
    index = "H5T_STD_U32LE"
    dtype, space = _attr_block(dump, "lat", "REFERENCE_LIST")
    assert dtype.split() == ["{", "DATATYPE", "H5T_COMPOUND", "{", "H5T_REFERENCE", "{",
                             "H5T_STD_REF_OBJECT", "}", '"dataset";', index, '"dimension";', "}"]
    assert "SIMPLE { ( 2 ) / ( 2 ) }" in space  # temp (dim 1) and both (dim 0)
    dtype, space = _attr_block(dump, "temp", "DIMENSION_LIST")
    assert "H5T_VLEN { H5T_REFERENCE { H5T_STD_REF_OBJECT }}" in dtype
    assert "SIMPLE { ( 3 ) / ( 3 ) }" in space
    dtype, space = _attr_block(dump, "temp", "DIMENSION_LABELS")
    assert dtype.split()[2:] == ["H5T_STRING", "{", "STRSIZE", "H5T_VARIABLE;", "STRPAD",
                                 "H5T_STR_NULLTERM;", "CSET", "H5T_CSET_ASCII;", "CTYPE",
                                 "H5T_C_S1;", "}"]
    for obj, attr, size in (("lat", "CLASS", 16), ("lat", "NAME", 4), ("lon", "NAME", 1)):
        dtype, space = _attr_block(dump, obj, attr)
        assert f"STRSIZE {size};" in dtype and "H5T_CSET_ASCII" in dtype
        assert "SCALAR" in space


@needs_h5dump
def test_class_and_name_are_null_terminated(tmp_path):
    path = tmp_path / "ours.h5"
    _run("h5async", "write", path)
    dump = _dump(path)
    for obj, attr in (("lat", "CLASS"), ("lat", "NAME")):
        assert "STRPAD H5T_STR_NULLTERM;" in _attr_block(dump, obj, attr)[0]


def test_errors_and_edges(tmp_path):
    """What H5DS refuses raises RuntimeError at the call, as in h5py."""
    out = check_ok(run_script(r'''
import sys, warnings
import numpy as np
import h5async as h5py
f = h5py.File(sys.argv[1], "w")
x = f.create_dataset("x", data=np.arange(3.0))
d = f.create_dataset("d", data=np.zeros((3, 4)))
s = f.create_dataset("s", data=1.0)
g = f.create_group("g")
def t(label, fn):
    try:
        print(label, "->", fn())
    except Exception as e:
        print(label, "EXC", type(e).__name__)
t("self", lambda: d.dims[0].attach_scale(d))
t("dims[2]", lambda: d.dims[2])
t("dims[-1]", lambda: d.dims[-1])
t("h5ds oob", lambda: h5py.h5ds.attach_scale(d.id, x.id, 2))
t("detach unattached", lambda: d.dims[0].detach_scale(x))
t("no scales [0]", lambda: d.dims[0][0])
t("no scales keys", lambda: d.dims[0].keys())
t("label unset", lambda: repr(d.dims[0].label))
t("name of non-scale", lambda: h5py.h5ds.get_scale_name(d.id))
t("group", lambda: h5py.h5ds.is_scale(g.id))
t("scalar", lambda: len(s.dims))
d.dims[0].attach_scale(x)
t("scale of scale", lambda: x.dims[0].attach_scale(d))
t("make_scale with dims", lambda: d.make_scale("d"))
t("missing key", lambda: d.dims[0]["nope"])
t("past last", lambda: d.dims[0][1])
d.dims[0].attach_scale(x)  # again: nothing changes (H5DS adds a second REFERENCE_LIST row)
print("attached twice", len(x.attrs["REFERENCE_LIST"]), d.dims[0].keys())
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    d.dims.create_scale(f.create_dataset("y", data=np.arange(4.0)), "yy")
print("create_scale", f["y"].is_scale, f["y"].dims is not None, w[0].category.__name__)
x.make_scale("renamed")
print("renamed", h5py.h5ds.get_scale_name(x.id), d.dims[0].keys())
d.dims[1].label = "é"
print("utf-8 label", d.dims[1].label, h5py.h5ds.get_label(d.id, 1))
print(repr(d.dims[0]).startswith('<"" dimension 0'), d.dims[0] == d.dims[0], d.dims[0] == d.dims[1])
''', tmp_path / "e.h5"))
    assert out.splitlines() == [
        "self EXC RuntimeError", "dims[2] EXC IndexError", "dims[-1] EXC IndexError",
        "h5ds oob EXC RuntimeError", "detach unattached EXC RuntimeError",
        "no scales [0] EXC RuntimeError", "no scales keys -> []", "label unset -> ''",
        "name of non-scale EXC RuntimeError", "group EXC TypeError", "scalar -> 0",
        "scale of scale EXC RuntimeError", "make_scale with dims EXC RuntimeError",
        "missing key EXC KeyError", "past last EXC IndexError", "attached twice 1 ['']",
        "create_scale True True H5pyDeprecationWarning",
        "renamed b'renamed' ['renamed']",
        "utf-8 label é b'\\xc3\\xa9'", "True True False"]


def test_async_writes_are_queued(tmp_path):
    """attach, detach and labels with es= go on the event set; reads after
    them see them (FIFO), and nothing of it is lost at close."""
    out = check_ok(run_script(r'''
import sys
import numpy as np
import h5async
es = h5async.EventSet()
f = h5async.File(sys.argv[1], "w", es=es)
x = f.create_dataset("x", data=np.arange(3.0))
d = f.create_dataset("d", data=np.zeros((3, 2)))
before = es.op_counter
other = h5async.EventSet()
x.make_scale("x", es=other)
d.dims[0].attach_scale(x, es=other)
d.dims[1].set_label("second", es=other)
print("queued on other", other.op_counter > 0, "default untouched", es.op_counter == before)
print("read sees them", d.dims[0].keys(), d.dims[1].label, x.is_scale)
other.wait()
d.dims[0].label = "first"              # the file's default event set
print("default used", es.op_counter > before)
es.wait()
f.es = None
f.close()
other.close()
es.close()
f = h5async.File(sys.argv[1], "r")
print([d.label for d in f["d"].dims], f["d"].dims[0]["x"].name)
''', tmp_path / "a.h5"))
    assert out.splitlines() == [
        "queued on other True default untouched True",
        "read sees them ['x'] second True", "default used True",
        "['first', 'second'] /x"]


def test_h5netcdf_calls_through_install_as_h5py(tmp_path):
    """The calls h5netcdf makes, with h5async installed as h5py."""
    out = check_ok(run_script(r'''
import sys
import numpy as np
import h5async
h5async.install_as_h5py()
import h5py
import h5py.h5ds
from h5py._hl.dims import DimensionManager
with h5py.File(sys.argv[1], "w") as f:
    x = f.create_dataset("x", shape=(3,), dtype=">f4", maxshape=(None,))
    v = f.create_dataset("v", data=np.zeros((3,)))
    print(h5py.h5ds.is_scale(x.id))
    x.make_scale(b"This is a netCDF dimension but not a netCDF variable.         3")
    print(h5py.h5ds.is_scale(x.id), type(v.dims) is DimensionManager)
    v.dims[0].attach_scale(x)
    print(x.attrs.get("CLASS") == b"DIMENSION_SCALE", list(x.attrs.get("REFERENCE_LIST", []))[0][1])
    print([len(j) for j in v.dims], v.dims[0][0].name.split("/")[-1])
    print(f[v.attrs["DIMENSION_LIST"][0][-1]].name)
    for ref, axis in list(x.attrs.get("REFERENCE_LIST", [])):
        f["/"][ref].dims[axis].detach_scale(x)
    print(x.attrs.get("REFERENCE_LIST", None), "DIMENSION_LIST" in v.attrs)
''', tmp_path / "n.h5"))
    assert out.splitlines() == ["False", "True True", "True 0", "[1] x", "/x", "None False"]
