"""Smoke test of an installed h5async (make test-sdist): run from outside the
source tree by a fresh venv's python, so that only the installed package is
importable.  Writes with an event set, reads back, checks the metadata."""
import importlib.metadata as md
import os
import sys
import tempfile

import numpy as np

import h5async

assert "site-packages" in h5async.__file__, h5async.__file__
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "smoke.h5")
    es = h5async.EventSet()
    with h5async.File(path, "w", es=es) as f:
        f.create_dataset("x", data=np.arange(1000.0))
        f.attrs["answer"] = 42
        es.wait()
    es.close()
    with h5async.File(path, "r") as f:
        d = f["x"]
        assert isinstance(d, h5async.Dataset)
        assert np.array_equal(d.read().result(), np.arange(1000.0))
        assert f.attrs["answer"] == 42
meta = md.metadata("h5async")
assert meta["License-Expression"] == "MIT", meta["License-Expression"]
files = [str(p) for p in md.files("h5async") or []]
assert any(p.endswith("py.typed") for p in files) and any(p.endswith(".pyi") for p in files)
assert not any(p.endswith("bench.py") for p in files), "h5async.bench is a repository tool"
print(f"sdist smoke test: {h5async.version}, numpy {np.__version__}, "
      f"Python {sys.version.split()[0]}: ok")
