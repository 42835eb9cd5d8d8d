"""install_as_h5py(), the h5py-shaped submodules and `h5async.version`.

Everything that installs h5async as h5py runs in a fresh interpreter: this
suite imports the real h5py in other files, and install_as_h5py() is never
automatic.  Comparisons with the real h5py also run in their own process.
"""
import json
import sys

import numpy as np
import pytest

import h5async
from h5async import _h5async

from subproc import check_ok, run_script

INSTALL = """
import sys, json
import numpy as np
import h5async
h5async.install_as_h5py()
"""


def real_h5py(code, *args):
    """Run `code` with the real h5py imported as h5py; its stdout as JSON."""
    return json.loads(check_ok(run_script("import json, sys\nimport h5py\n" + code, *args)))


def test_import_h5async_does_not_install():
    mod = sys.modules.get("h5py")
    assert mod is None or not h5async._install.installed()
    assert not any(f.__class__.__name__ == "_H5pyFinder" for f in sys.meta_path)


def test_h5py_imports_resolve_to_h5async(tmp_path):
    out = check_ok(run_script(INSTALL + """
import h5py
from h5py import File, Dataset, Group, string_dtype
import h5py._hl.dataset
import h5py.version
from h5py._hl.dataset import AsStrView, AsTypeView, Dataset as D2
from h5py._hl.group import Group as G2
from h5py._hl.files import File as F2
from h5py._hl.base import Empty, HLObject, is_hdf5, product, phil
from h5py.h5t import check_dtype, vlen_dtype
from h5py import h5z, h5t
assert h5py.File is h5async.File is File is F2
assert Dataset is h5async.Dataset is D2 and Group is G2
assert h5py._hl.dataset.Dataset is h5async.Dataset
assert h5py.version is sys.modules["h5py.version"]
with phil:
    assert product((2, 3, 4)) == 24
print(json.dumps({"version": h5py.__version__, "vt": list(h5py.version.version_tuple[:3]),
                  "hdf5": list(h5py.version.hdf5_version_tuple),
                  "deflate": h5z.FILTER_DEFLATE, "lzf": h5py.h5z.FILTER_LZF,
                  "own": h5async.__version__}))
"""))
    got = json.loads(out.splitlines()[-1])
    assert got["version"] == h5async.version.h5py_version
    assert got["vt"] == list(h5async.version.h5py_version_tuple[:3])
    assert got["hdf5"] == list(_h5async.hdf5_version())
    assert (got["deflate"], got["lzf"]) == (1, 32000)
    assert got["own"] == h5async.version.version


def test_file_written_through_h5py_name_reads_back_in_real_h5py(tmp_path):
    path = tmp_path / "via_h5py_name.h5"
    check_ok(run_script(INSTALL + """
import h5py
with h5py.File(sys.argv[1], "w") as f:
    d = f.create_dataset("a", data=np.arange(12.0).reshape(3, 4))
    f.create_dataset("s", data=["x", "yz"], dtype=h5py.string_dtype())
    f.create_dataset("e", data=np.array([0, 1, 1], "u1"),
                     dtype=h5py.h5t.special_dtype(enum=("u1", {"OFF": 0, "ON": 1})))
    f.attrs["n"] = 7
    from h5py._hl.dataset import AsStrView, AsTypeView
    v = f["s"].asstr()
    assert isinstance(v, AsStrView) and not isinstance(v, AsTypeView)
    assert isinstance(f["a"].astype("f4"), AsTypeView)
    assert list(AsStrView(f["s"], "utf-8")[()]) == ["x", "yz"]
    assert AsTypeView(f["a"], "i8")[0, 1] == 1
""", path))
    got = real_h5py("""
with h5py.File(sys.argv[1], "r") as f:
    print(json.dumps({"a": f["a"][()].tolist(), "s": list(f["s"].asstr()[()]),
                      "enum": h5py.check_enum_dtype(f["e"].dtype), "e": f["e"][()].tolist(),
                      "n": int(f.attrs["n"])}))
""", path)
    assert got == {"a": np.arange(12.0).reshape(3, 4).tolist(), "s": ["x", "yz"],
                   "enum": {"OFF": 0, "ON": 1}, "e": [0, 1, 1], "n": 7}


def test_unsupported_names_raise_naming_them():
    out = check_ok(run_script(INSTALL + """
import h5py
def err(stmt):
    try:
        exec(stmt, {"h5py": h5py})
    except (ImportError, AttributeError) as exc:
        return [type(exc).__name__, str(exc)]
    return None
print(json.dumps({s: err(s) for s in [
    "import h5py.h5fd", "from h5py import h5r", "import h5py._hl.selections",
    "h5py.h5t.TypeCompoundID", "h5py.h5z.register_filter",
    "h5py._hl.base.default_lapl", "from h5py._hl.dataset import FieldsView"]}))
"""))
    got = json.loads(out.splitlines()[-1])
    for stmt in ("import h5py.h5fd", "from h5py import h5r", "import h5py._hl.selections"):
        kind, msg = got[stmt]
        assert kind == "ModuleNotFoundError"
        name = "h5py." + stmt.split()[-1].replace("h5py.", "")
        assert f"{name} is not supported by h5async" in msg
    for stmt in ("h5py.h5t.TypeCompoundID", "h5py.h5z.register_filter",
                 "h5py._hl.base.default_lapl"):
        assert got[stmt] == ["AttributeError", f"{stmt} is not supported by h5async"]
    kind, msg = got["from h5py._hl.dataset import FieldsView"]
    assert kind == "ImportError" and "FieldsView" in msg


def test_install_after_real_h5py_refuses():
    proc = run_script("""
import h5py, h5async
try:
    h5async.install_as_h5py()
except RuntimeError as exc:
    print("refused:", exc)
""")
    assert "refused: install_as_h5py() must run before h5py is imported" in check_ok(proc)


def test_install_is_idempotent_and_h5async_modules_keep_their_names():
    out = check_ok(run_script(INSTALL + """
first = sys.modules["h5py"]
assert h5async.install_as_h5py() is first
import h5py._hl.dataset, h5py.h5t
import h5async._compat.hl.dataset as mod
assert mod.__spec__.name == "h5async._compat.hl.dataset"
assert h5async.version.__spec__.name == "h5async.version"
import importlib.util
assert importlib.util.find_spec("h5py").name == "h5py"
print("ok")
"""))
    assert out.strip().endswith("ok")


def test_version_module_has_h5pys_names():
    real = real_h5py("""
import h5py.version as v
print(json.dumps(sorted(n for n in dir(v) if not n.startswith("_") and
                        n not in ("namedtuple", "numpy", "sys"))))
""")
    ours = {n for n in dir(h5async.version) if not n.startswith("_")}
    assert set(real) <= ours
    v = h5async.version
    assert v.version == h5async.__version__
    assert v.version_tuple[:3] == tuple(int(x) for x in v.version.split("."))
    assert v.hdf5_version_tuple == tuple(_h5async.hdf5_version())
    assert v.hdf5_version == h5async.hdf5_version == "%d.%d.%d" % v.hdf5_version_tuple
    assert v.api_version == "1.8" and v.hdf5_version in v.info


def test_h5z_constants_match_real_h5py():
    real = real_h5py("""
import h5py.h5z as z
print(json.dumps({n: getattr(z, n) for n in dir(z) if n.isupper()}))
""")
    from h5async._compat import h5z
    assert {n: getattr(h5z, n) for n in real} == real


def test_dtype_helpers_match_real_h5py():
    real = real_h5py("""
import numpy as np
r = {"vlen_str": h5py.check_dtype(vlen=h5py.vlen_dtype(str)) is str,
     "vlen_bytes": h5py.check_vlen_dtype(h5py.special_dtype(vlen=bytes)) is bytes,
     "vlen_f8": str(h5py.check_vlen_dtype(h5py.vlen_dtype(np.float64))),
     "enum": h5py.check_dtype(enum=h5py.special_dtype(enum=("i2", {"a": 1}))),
     "none": h5py.check_dtype(vlen=np.dtype("f8")),
     "opaque": h5py.check_opaque_dtype(h5py.opaque_dtype("V4")),
     "ref": h5py.check_dtype(ref=np.dtype("i4"))}
print(json.dumps(r))
""")
    ours = {"vlen_str": h5async.check_dtype(vlen=h5async.vlen_dtype(str)) is str,
            "vlen_bytes": h5async.check_vlen_dtype(h5async.special_dtype(vlen=bytes)) is bytes,
            "vlen_f8": str(h5async.check_vlen_dtype(h5async.vlen_dtype(np.float64))),
            "enum": h5async.check_dtype(enum=h5async.special_dtype(enum=("i2", {"a": 1}))),
            "none": h5async.check_dtype(vlen=np.dtype("f8")),
            "opaque": h5async.check_opaque_dtype(h5async.opaque_dtype("V4")),
            "ref": h5async.check_dtype(ref=np.dtype("i4"))}
    assert ours == real
    assert h5async.vlen_dtype(str) == h5async.string_dtype()
    with pytest.raises(TypeError, match="Exactly one keyword"):
        h5async.check_dtype(vlen=str, enum=int)


def test_get_config():
    cfg = h5async.get_config()
    assert cfg is h5async.get_config()
    assert cfg.mpi is False  # the default build is serial
    assert cfg.complex_names == ("r", "i") and cfg.track_order is False
    cfg.track_order = False  # the value it has: accepted
    with pytest.raises(NotImplementedError, match="track_order"):
        cfg.track_order = True
    with pytest.raises(NotImplementedError, match="complex_names"):
        cfg.complex_names = ("re", "im")


def test_is_hdf5(tmp_path):
    path = tmp_path / "real.h5"
    check_ok(run_script("import h5py, sys\nh5py.File(sys.argv[1], 'w', userblock_size=1024)"
                        ".close()", path))
    text = tmp_path / "text.txt"
    text.write_text("not hdf5 " * 200)
    assert h5async.is_hdf5(path) and h5async.is_hdf5(str(path))
    assert not h5async.is_hdf5(text)
    assert not h5async.is_hdf5(tmp_path / "missing.h5")
    assert not h5async.is_hdf5(tmp_path)
