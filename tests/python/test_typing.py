"""mypy sees concrete types in user code (issue 14): File, Group, Dataset,
shape, dtype, Future[ndarray], EventSet.wait, f[name] and slicing."""
import os
import pathlib

import pytest

api = pytest.importorskip("mypy.api")

ROOT = pathlib.Path(__file__).resolve().parents[2]

USER_CODE = '''
import numpy as np
import h5async

es = h5async.EventSet()
f = h5async.File("x.h5", "w", es=es)
reveal_type(f)
g = f.create_group("g")
reveal_type(g)
d = g.create_dataset("d", (10,), dtype="f8")
reveal_type(d)
reveal_type(d.shape)
reveal_type(d.dtype)
fut = d.read(np.s_[0:3])
reveal_type(fut)
reveal_type(fut.result())
reveal_type(es.wait())
reveal_type(f["x"])
reveal_type(d[0:3])
reveal_type(f.attrs)
d.write_direct(np.zeros(10), es=None)
d.write_direct(np.zeros(10), es=es)
d.write_direct(np.zeros(10), es=h5async._h5async.DEFAULT)
'''

EXPECTED = [
    "h5async._hl.File",
    "h5async._hl.Group",
    "h5async._hl.Dataset",
    "tuple[int, ...]",
    "numpy.dtype[Any]",
    "h5async._h5async.Future[numpy.ndarray[",
    "numpy.ndarray[",
    "int",
    "h5async._hl.Group | h5async._hl.Dataset",
    "numpy.ndarray[",
    "h5async._hl.AttributeManager",
]


def run_mypy(*args):
    cache = ROOT / "build" / "mypy-cache"
    return api.run(["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(cache),
                    "--no-error-summary", *args])


def test_reveal_concrete_types(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # mypy_path = "src" is relative to it
    script = tmp_path / "user.py"
    script.write_text(USER_CODE)
    out, err, status = run_mypy(str(script))
    revealed = [line.split("Revealed type is ", 1)[1].strip('"')
                for line in out.splitlines() if "Revealed type is" in line]
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert errors == [], out + err
    assert len(revealed) == len(EXPECTED), out
    for got, want in zip(revealed, EXPECTED):
        assert got.startswith(want), (got, want)
        assert "Any" != got


def test_wrong_use_is_caught(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    script = tmp_path / "bad.py"
    script.write_text("import h5async\n"
                      "f = h5async.File('x.h5', 'w')\n"
                      "f.create_group(1)\n"                       # name must be str
                      "n: str = f.create_dataset('d', (3,)).shape\n")
    out, _, status = run_mypy(str(script))
    assert status != 0
    assert 'Argument 1 to "create_group" of "Group" has incompatible type "int"' in out
    assert "tuple[int, ...]" in out


@pytest.mark.skipif(os.environ.get("H5ASYNC_SKIP_MYPY_PACKAGE") == "1",
                    reason="the package check runs in make test")
def test_package_and_examples_are_strict_clean(monkeypatch):
    monkeypatch.chdir(ROOT)
    out, err, status = run_mypy()      # files = src/h5async, examples (pyproject.toml)
    assert status == 0, out + err
