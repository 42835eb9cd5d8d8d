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
    h5py.h5p.get_driver
except AttributeError as e:
    print(e)
"""))
    assert "h5py.h5p.get_driver is not supported by h5async" in out


def test_class_modules_change_only_when_installed():
    assert h5async.Dataset.__module__ == "h5async._hl"
    out = check_ok(run_script("""
import h5async
h5async.install_as_h5py()
import h5py, h5py._hl.datatype
print(h5py.Datatype.__module__, h5py._hl.datatype.Datatype is h5async.Datatype)
"""))
    assert out.split() == ["h5py._hl.datatype", "True"]


# h5netcdf's own low-level writes (h5netcdf/utils.py): an enum ordered by
# value, datasets and attributes of it and of null-terminated strings.
WRITE_LOWLEVEL = r"""
import sys
import numpy as np
lib, path = sys.argv[1:3]
if lib == "h5async":
    import h5async
    h5async.install_as_h5py()
import h5py
from h5py import h5a, h5d, h5p, h5s, h5t

with h5py.File(path, "w") as f:
    g = f.create_group("g")
    tid = h5t.enum_create(h5t.py_create(np.dtype("u1")))
    for name, val in sorted({"b": 2, "a": 1, "c": 0}.items(), key=lambda kv: kv[1]):
        tid.enum_insert(name.encode(), val)
    tid.commit(g.id, b"enum_t")
    tid.close()
    et = g["enum_t"].id.copy()
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_fill_value(np.array(2, dtype=g["enum_t"].dtype))
    h5d.create(g.id, b"e", et, h5s.create_simple((3,)), dcpl=dcpl)
    aid = h5a.create(g["e"].id, b"e_attr", et, h5s.create_simple((1,)))
    aid.write(np.array([1], dtype="u1"), mtype=aid.get_type())

    s = h5t.C_S1.copy()
    s.set_size(4)
    s.set_strpad(h5t.STR_NULLTERM)
    s.set_cset(h5t.CSET_UTF8)
    for i in range(2):  # the second replaces the first, as h5netcdf does
        if h5a.exists(f.id, b"title"):
            h5a.delete(f.id, b"title")
        aid = h5a.create(f.id, b"title", s, h5s.create(h5s.SCALAR))
        aid.write(np.array(b"ab\xc3\xa9" if i else b"wxyz"), mtype=aid.get_type())
    c1 = h5t.C_S1.copy()
    c1.set_size(1)
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_chunk((2,))
    did = h5d.create(f.id, b"chars", c1, h5s.create_simple((3,), (h5s.UNLIMITED,)), dcpl=dcpl)
    did.write(h5s.ALL, h5s.ALL, np.array([b"a", b"b", b"c"]), mtype=did.get_type())
"""

READ_WITH_H5PY = r"""
import json, sys
import h5py
out = {}
with h5py.File(sys.argv[1], "r") as f:
    t = f["g/enum_t"]
    out["enum"] = list(h5py.check_enum_dtype(t.dtype).items())
    out["enum order"] = [t.id.get_member_name(i).decode() for i in range(t.id.get_nmembers())]
    e = f["g/e"]
    out["e"] = [e[()].tolist(), e.fillvalue.item(), e.id.get_type().get_class(),
                list(h5py.check_enum_dtype(e.dtype).items()), e.attrs["e_attr"].tolist(),
                e.id.get_type() == t.id]
    at = f.attrs.get_id("title").get_type()
    out["title"] = [f.attrs["title"].decode("utf-8"), at.get_size(), at.get_strpad(),
                    at.get_cset()]
    ch = f["chars"]
    ct = ch.id.get_type()
    out["chars"] = [[c.decode() for c in ch[()]], ch.maxshape, ch.chunks, ct.get_size(), ct.get_strpad()]
print(json.dumps(out))
"""


def test_lowlevel_writes_read_back_as_h5pys(tmp_path):
    for lib in ("h5py", "h5async"):
        check_ok(run_script(WRITE_LOWLEVEL, lib, tmp_path / f"{lib}.h5"))
    expected = json.loads(check_ok(run_script(READ_WITH_H5PY, tmp_path / "h5py.h5")))
    assert expected["enum order"] == ["c", "a", "b"]
    assert json.loads(check_ok(run_script(READ_WITH_H5PY, tmp_path / "h5async.h5"))) == expected


def test_lowlevel_unsupported_names_raise():
    out = check_ok(run_script("""
import h5async
h5async.install_as_h5py()
import numpy as np
from h5py import h5a, h5d, h5p, h5s, h5t
for call in (lambda: h5p.create(h5p.PropClassID("FILE_ACCESS")),
             lambda: h5s.create(h5s.SIMPLE),
             lambda: h5t.C_S1.copy().set_strpad(h5t.STR_SPACEPAD),
             lambda: h5a.delete(None, index=0)):
    try:
        call()
    except NotImplementedError as e:
        print(e)
for mod, name in ((h5d, "open"), (h5s, "select_all"), (h5t, "TypeCompoundID")):
    try:
        getattr(mod, name)
    except AttributeError as e:
        print(e)
print(h5t.py_create(np.dtype("<f8")).get_class() == h5t.FLOAT)
"""))
    assert out.splitlines() == [
        "h5py.h5p.create(<h5py.h5p.FILE_ACCESS>) is not supported by h5async (only "
        "DATASET_CREATE)",
        "h5py.h5s.create(SIMPLE) is not supported by h5async: use "
        "h5py.h5s.create_simple(shape)",
        "h5py.h5t.STR_SPACEPAD is not supported by h5async",
        "h5py.h5a.delete by index is not supported by h5async",
        "h5py.h5d.open is not supported by h5async",
        "h5py.h5s.select_all is not supported by h5async",
        "h5py.h5t.TypeCompoundID is not supported by h5async",
        "True"]


def test_committing_an_existing_name_raises_keyerror_as_h5py(tmp_path):
    code = """
import sys
import numpy as np
if sys.argv[1] == "h5async":
    import h5async
    h5async.install_as_h5py()
import h5py
with h5py.File(sys.argv[2], "w") as f:
    f["t"] = np.dtype("u1")
    for commit in (lambda: f.__setitem__("t", np.dtype("i2")),
                   lambda: h5py.h5t.py_create(np.dtype("u1")).copy().commit(f.id, b"t")
                   if sys.argv[1] == "h5py" else
                   h5py.h5t.C_S1.copy().commit(f.id, b"t")):
        try:
            commit()
        except Exception as e:
            print(type(e).__name__, "name already exists" in str(e))
    print(f["t"].dtype)
"""
    outs = [check_ok(run_script(code, lib, tmp_path / f"{lib}.h5")) for lib in ("h5py", "h5async")]
    assert outs[0] == outs[1] == "KeyError True\nKeyError True\nuint8\n"


# h5netcdf's NETCDF4_CLASSIC string writes: DatasetID.write(ALL, ALL, arr,
# mtype=...), and a 0-d fixed-length UTF-8 attribute read back through
# attrs.get_id: the same output under h5py and h5async.
CLASSIC = r"""
import sys, numpy as np
if sys.argv[1] == "h5async":
    import h5async; h5async.install_as_h5py()
import h5py
with h5py.File(sys.argv[2], "w") as f:
    d = f.create_dataset("s", (3,), dtype="S4")
    d.id.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([b"ab", b"cdef", b"g"], "S4"),
               mtype=d.id.get_type())
    e = f.create_dataset("e", (2,), dtype="i2")
    e.id.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([7, -1], "i2"))
    dt = h5py.string_dtype("utf-8", 5)
    f.attrs["z"] = np.array(np.bytes_("h\u00e9\u00e9".encode()), dtype=dt)
with h5py.File(sys.argv[2], "r") as f:
    print(f["s"][...].tolist(), f["e"][...].tolist(), f.attrs["z"],
          h5py.check_string_dtype(f.attrs.get_id("z").dtype))
"""


def test_lowlevel_whole_dataset_write_and_0d_string_attribute_as_h5py(tmp_path):
    out = {lib: check_ok(run_script(CLASSIC, lib, str(tmp_path / f"{lib}.h5")))
           for lib in ("h5py", "h5async")}
    assert out["h5async"] == out["h5py"]
    assert "string_info(encoding='utf-8', length=5)" in out["h5py"]


BOOL = r"""
import sys, numpy as np
L = __import__(sys.argv[1])
f = L.File(sys.argv[2], "w"); d = f.create_dataset("d", data=np.arange(3)); g = f.create_group("g")
print(bool(f.id), bool(d.id), bool(g.id), bool(f), bool(d))
f.close()
print(bool(f.id), bool(d.id), bool(g.id), bool(f), bool(d))
"""


def test_bool_of_an_id_is_whether_it_is_open_as_h5py(tmp_path):
    # anndata reopens its backing file when bool(file.id) is False
    out = {lib: check_ok(run_script(BOOL, lib, str(tmp_path / f"{lib}.h5")))
           for lib in ("h5py", "h5async")}
    assert out["h5async"] == out["h5py"] == "True True True True True\nFalse False False False False\n"


FILTERS = r"""
import sys
if sys.argv[1] == "h5async":
    import h5async; h5async.install_as_h5py()
import h5py
z = h5py.h5z
for fid in (z.FILTER_DEFLATE, z.FILTER_SHUFFLE, z.FILTER_FLETCHER32, z.FILTER_SCALEOFFSET,
            z.FILTER_NBIT, 32013, 31999):
    print(fid, z.filter_avail(fid), z.get_filter_info(fid) if z.filter_avail(fid) else 0)
"""


def test_filter_avail_and_info_as_h5py(tmp_path):
    # HDF5's own filters, one nobody provides here (zfp, 32013) and an unknown id
    out = {lib: check_ok(run_script(FILTERS, lib)) for lib in ("h5py", "h5async")}
    assert out["h5async"] == out["h5py"]
    assert out["h5py"].startswith("1 True 3\n")
