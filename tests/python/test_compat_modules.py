"""h5py's submodules that test modules and clients import for their names:
``h5py.h5f`` constants, ``h5py._hl.files._drivers``, ``h5py.filters``,
compared with the real h5py's, each side in its own interpreter."""
import json

from subproc import check_ok, run_script

INSTALL = "import h5async\nh5async.install_as_h5py()\n"

H5F_NAMES = """
import json, h5py
from h5py import h5f
print(json.dumps({k: getattr(h5f, k) for k in dir(h5f) if k.isupper()}))
"""


def run_json(code, install):
    return json.loads(check_ok(run_script((INSTALL if install else "") + code)).splitlines()[-1])


def test_h5f_constants_match_h5py():
    ours, theirs = run_json(H5F_NAMES, True), run_json(H5F_NAMES, False)
    assert ours == theirs


def test_h5f_functions_name_what_is_missing():
    got = run_json("""
import json, h5py
from h5py import h5f
out = {}
try:
    h5f.open(b"x")
except NotImplementedError as exc:
    out["open"] = str(exc)
try:
    h5f.get_obj_ids
except AttributeError as exc:
    out["attr"] = str(exc)
print(json.dumps(out))
""", True)
    assert "h5py.h5f.open is not supported by h5async" in got["open"]
    assert got["attr"] == "h5py.h5f.get_obj_ids is not supported by h5async"


def test_drivers_table_and_filters():
    code = """
import json, h5py
from h5py._hl.files import _drivers
print(json.dumps({"drivers": sorted(_drivers), "gzip": "gzip" in h5py.filters.encode,
                  "same": h5py.filters is h5py._hl.filters}))
"""
    ours, theirs = run_json(code, True), run_json(code, False)
    assert ours == theirs
