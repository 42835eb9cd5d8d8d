"""The reference usage (DESIGN.md section 1) runs unchanged, its file is
what h5py expects, and h5dump accepts it."""
import pathlib
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "reference_usage.py"


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    """Run the example once in a subprocess; (completed process, file path)."""
    out = tmp_path_factory.mktemp("reference") / "file.hdf5"
    proc = subprocess.run([sys.executable, "-W", "error", str(EXAMPLE), str(out)],
                          capture_output=True, text=True, timeout=300, cwd=out.parent)
    return proc, out


def test_script_prints_the_expected_lines(reference_run):
    proc, path = reference_run
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "1 2 3"
    assert lines[1] == "4 (20, 50)"
    assert path.exists()


def test_file_contents_with_h5py(reference_run):
    proc, path = reference_run
    assert proc.returncode == 0, proc.stderr
    with h5py.File(path, "r") as f:
        assert list(f) == ["grp"]
        assert list(f["grp"]) == ["dset"]
        dset = f["grp/dset"]
        assert dset.shape == (20, 50)
        assert dset.maxshape == (20, 60)
        assert dset.dtype == np.float32
        assert dset.chunks is not None
        data = dset[()]
        assert_array_equal(data[:10, :20], np.arange(200).reshape(10, 20))
        assert_array_equal(data[10:, :], 0)
        assert_array_equal(data[:, 20:], 0)
        assert dict(f.attrs) == {"file": 4}
        assert dict(f["grp"].attrs) == {"grp": 2}
        assert dict(dset.attrs) == {"dset": 3}
        assert f.attrs["file"].dtype == np.int64


@pytest.mark.skipif(shutil.which("h5dump") is None, reason="h5dump not installed")
def test_h5dump_accepts_the_file(reference_run):
    proc, path = reference_run
    assert proc.returncode == 0, proc.stderr
    dump = subprocess.run(["h5dump", str(path)], capture_output=True, text=True, timeout=120)
    assert dump.returncode == 0, dump.stderr
    out = dump.stdout
    assert 'GROUP "grp"' in out
    assert 'DATASET "dset"' in out
    assert "DATASPACE  SIMPLE { ( 20, 50 ) / ( 20, 60 ) }" in out
    for name in ("file", "grp", "dset"):
        assert f'ATTRIBUTE "{name}"' in out
    # Attribute values as h5dump prints them.
    header = subprocess.run(["h5dump", "-a", "/file", str(path)], capture_output=True,
                            text=True, timeout=120)
    assert header.returncode == 0, header.stderr
    assert "(0): 4" in header.stdout
