"""Implicit mode: files opened for writing get a default event set, so plain
h5py code is asynchronous; close()/flush() stay synchronous and raise the
file's failures; what no close raised is reported at exit.  Files written
here are read back with the real h5py in a separate process."""
import json

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async

from subproc import check_ok, run_script


@pytest.fixture
def implicit():
    h5async.set_implicit(True)
    yield
    h5async.set_implicit(False)


def read_with_h5py(path):
    """{dataset name: list, "@attr": value} of a file, read by the real h5py."""
    return json.loads(check_ok(run_script("""
import json, sys, h5py
out = {}
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(lambda n, o: out.__setitem__(n, o[()].tolist())
                 if isinstance(o, h5py.Dataset) else None)
    out.update({"@" + k: v.item() if hasattr(v, "item") else v for k, v in f.attrs.items()})
print(json.dumps(out))
""", path)))


def test_writes_are_queued_on_the_files_default_event_set(implicit, h5path, io_blocker):
    f = h5async.File(h5path, "w")
    es = f.es
    assert isinstance(es, h5async.EventSet) and isinstance(f, h5async.File)
    blk = io_blocker()
    f["a"] = np.arange(6)
    f.create_group("g").attrs["x"] = 1.5
    assert es.num_in_progress == 3  # nothing ran: plain h5py calls returned at once
    blk.release()
    f.close()
    assert es.closed and not f
    assert read_with_h5py(h5path) == {"a": list(range(6))}
    with h5async.File(h5path, "r") as f:
        assert f["g"].attrs["x"] == 1.5


def test_reads_of_just_written_data_see_it(implicit, h5path):
    with h5async.File(h5path, "w") as f:
        for i in range(5):
            f[f"d{i}"] = np.full((100,), i)
            f.attrs["last"] = i
            assert_array_equal(f[f"d{i}"][:], np.full((100,), i))
            assert f.attrs["last"] == i
        assert sorted(f) == [f"d{i}" for i in range(5)]
    got = read_with_h5py(h5path)
    assert got["@last"] == 4 and got["d3"] == [3] * 100


def test_failure_is_raised_by_close(implicit, h5path):
    f = h5async.File(h5path, "w")
    f["x"] = np.arange(3)
    f.create_group("g")
    f.create_group("g")  # HDF5 finds the name exists: queued, fails later
    with pytest.raises(h5async.EventSetError) as info:
        f.close()
    assert [type(e) for e in info.value.exceptions] == [ValueError]
    assert "name already exists" in str(info.value.exceptions[0])
    assert not f
    assert read_with_h5py(h5path)["x"] == [0, 1, 2]


def test_flush_waits_and_raises(implicit, h5path):
    with h5async.File(h5path, "w") as f:
        f["x"] = np.arange(3)
        f.flush()
        assert f.es.num_in_progress == 0
        f.create_group("g")
        f.create_group("g")
        with pytest.raises(h5async.EventSetError):
            f.flush()
        f["y"] = np.ones(2)
    assert read_with_h5py(h5path)["y"] == [1.0, 1.0]


def test_open_errors_raise_at_open(implicit, tmp_path):
    with pytest.raises(FileNotFoundError):
        h5async.File(tmp_path / "missing.h5", "r+")
    path = tmp_path / "exists.h5"
    h5async.File(path, "w").close()
    with pytest.raises(FileExistsError):
        h5async.File(path, "w-")


def test_what_gets_an_implicit_event_set(implicit, tmp_path):
    path = tmp_path / "f.h5"
    with h5async.File(path, "w") as f:
        assert f.es is not None
    with h5async.File(path, "r") as f:
        assert f.es is None  # read-only: nothing to queue
    with h5async.File(path, "a") as f:
        assert f.es is not None
    with h5async.EventSet() as mine:
        f = h5async.File(path, "r+", es=mine)
        assert f.es is mine  # an explicit event set is kept
        f.es = None
        f.close()
    h5async.set_implicit(False)
    with h5async.File(path, "a") as f:
        assert f.es is None


def test_file_subclass_is_kept(implicit, h5path):
    class MyFile(h5async.File):
        def extra(self):
            return "extra"

    with MyFile(h5path, "w") as f:
        assert isinstance(f, MyFile) and f.extra() == "extra"
        f["x"] = [1, 2]
    assert read_with_h5py(h5path) == {"x": [1, 2]}


def test_environment_variable_and_exit_report(tmp_path):
    ok, bad = tmp_path / "ok.h5", tmp_path / "bad.h5"
    proc = run_script("""
import sys, numpy as np
import h5async as h5py
assert h5py.is_implicit()
f = h5py.File(sys.argv[1], "w")
f["x"] = np.arange(4)
f.close()
g = h5py.File(sys.argv[2], "w")   # never closed
g["y"] = np.arange(3)
g.create_group("q")
g.create_group("q")
""", ok, bad, env={"H5ASYNC_IMPLICIT": "1"})
    check_ok(proc)  # the report is on stderr; the script's status is kept
    assert f"implicit mode: operations on {bad} failed" in proc.stderr
    assert "name already exists" in proc.stderr
    assert read_with_h5py(ok) == {"x": [0, 1, 2, 3]}
    assert read_with_h5py(bad)["y"] == [0, 1, 2]


def test_run_runs_an_unmodified_h5py_program(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("""
import sys
import numpy as np
import h5py
import h5py._hl.dataset
import helper_mod            # found next to the script, as with python script.py
assert h5py.File is sys.modules["h5async"].File, h5py.File
out, mode = sys.argv[1], sys.argv[2]
with h5py.File(out, "w") as f:
    assert f.es is not None
    f.create_dataset("data", data=np.arange(10) * 2)
    f.attrs["name"] = __name__
g = h5py.File(out + ".2", "w")
g["z"] = np.zeros(2)
if mode == "fail":
    g.create_group("q")
    g.create_group("q")
if mode == "exit3":
    sys.exit(3)
""")
    (tmp_path / "helper_mod.py").write_text("")
    out = tmp_path / "out.h5"
    cmd = "import sys, runpy; sys.argv = ['h5async'] + sys.argv[1:]; " \
          "runpy.run_module('h5async', run_name='__main__')"
    for mode, status in (("ok", 0), ("fail", 1), ("exit3", 3)):
        proc = run_script(cmd, "run", script, out, mode)
        check_ok(proc, status)
        assert ("name already exists" in proc.stderr) == (mode == "fail")
        assert read_with_h5py(out) == {"data": list(range(0, 20, 2)), "@name": "__main__"}
        assert read_with_h5py(str(out) + ".2") == {"z": [0.0, 0.0]}


def test_run_module_and_usage(tmp_path):
    (tmp_path / "progmod.py").write_text(
        "import sys, h5py\nh5py.File(sys.argv[1], 'w')['m'] = [7]\n")
    out = tmp_path / "m.h5"
    code = f"import os, sys, runpy; os.chdir({str(tmp_path)!r}); " \
           "sys.argv = ['h5async'] + sys.argv[1:]; runpy.run_module('h5async', run_name='__main__')"
    check_ok(run_script(code, "run", "-m", "progmod", out))
    assert read_with_h5py(out) == {"m": [7]}
    proc = run_script(code)
    check_ok(proc, 2)
    assert "usage: python -m h5async run" in proc.stderr
