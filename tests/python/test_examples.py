"""The examples run and leave the data they claim in their files."""
import pathlib
import subprocess
import sys

import h5py
import numpy as np

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def run(script, *args):
    out = subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_checkpoint_loop(tmp_path):
    path = tmp_path / "ckpt.h5"
    stdout = run("checkpoint_loop.py", path, 5)
    assert "5 checkpoints" in stdout
    with h5py.File(path, "r") as f:
        assert f["state"].shape == (5, 512, 512)
        assert f["state"].attrs["steps"] == 5
        # Diffusion conserves the total: every checkpoint sums to the start value.
        for i in range(5):
            assert np.isclose(f["state"][i].sum(), 1e6)


def test_prefetch_asyncio(tmp_path):
    path = tmp_path / "blocks.h5"
    stdout = run("prefetch_asyncio.py", path)
    assert "processed 16 blocks" in stdout
    with h5py.File(path, "r") as f:
        d = f["data"]
        assert d.shape == (16 * 256, 4096)
        assert d[0, 0] == 1.0 and d[-1, -1] == 16.0
