"""xarray netCDF round trips with h5async on the write side, the read side
and both, against files written and read by real h5py and by netCDF4.

Each side runs in its own interpreter, because install_as_h5py() is
process-wide: "target" is h5netcdf over whatever H5COMPAT_TARGET names for
this run (h5async, or h5py for the baseline), "h5py" is h5netcdf over the
real h5py, "netcdf4" is xarray's netCDF4 engine.  Run as a script, this file
is one side: `python test_xarray_roundtrip.py write|read CASE ENGINE PATH`.
"""
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

CASES = ["basic", "encoded", "groups"]


def make(case):
    import xarray as xr
    if case == "basic":
        t = pd.date_range("2000-01-01", periods=4, freq="D")
        return {None: xr.Dataset(
            {"temp": (("time", "x"), np.arange(12.0).reshape(4, 3), {"units": "K"}),
             "count": (("x",), np.array([1, 2, 3], dtype="int32"))},
            coords={"time": t, "x": [10.0, 20.0, 30.0]},
            attrs={"title": "basic", "version": 2})}
    if case == "encoded":
        ds = xr.Dataset(
            {"v": (("t", "y"), np.linspace(0, 1, 40).reshape(8, 5).astype("float32")),
             "name": (("y",), np.array(["a", "bb", "ccc", "dddd", "e"], dtype=object)),
             "q": (("t",), np.array([1.5, np.nan, 2.5, 3.0, np.nan, 1.0, 0.5, 2.0]))},
            coords={"t": np.arange(8), "y": np.arange(5)})
        ds["v"].encoding.update(zlib=True, complevel=4, chunksizes=(4, 5))
        ds["q"].encoding.update(_FillValue=-999.0, dtype="int16", scale_factor=0.5)
        ds.encoding["unlimited_dims"] = {"t"}
        return {None: ds}
    if case == "groups":
        return {"a": xr.Dataset({"p": (("n",), np.arange(3))}, attrs={"g": "a"}),
                "b/c": xr.Dataset({"r": (("m",), np.ones(2))}, attrs={"g": "c"})}
    raise ValueError(case)


def side(op, case, engine, path):
    import xarray as xr
    eng = "netcdf4" if engine == "netcdf4" else "h5netcdf"
    parts = make(case)
    if op == "write":
        mode = "w"
        for group, ds in parts.items():
            ds.to_netcdf(path, engine=eng, group=group, mode=mode)
            mode = "a"
        return
    for group, want in parts.items():
        with xr.open_dataset(path, engine=eng, group=group) as got:
            got.load()
            xr.testing.assert_identical(got, want)
            if case == "encoded":
                assert got["q"].encoding.get("scale_factor") == 0.5
                assert got["v"].encoding.get("zlib", got["v"].encoding.get("compression")) in (True, "zlib")


# (writer, reader): h5async (the run's target) on the write side, the read
# side and both, each against real h5py and netCDF4.
PAIRS = [("target", "target"), ("target", "h5py"), ("target", "netcdf4"),
         ("h5py", "target"), ("netcdf4", "target")]


def _run(op, case, engine, path):
    env = dict(os.environ)
    if engine == "h5py":
        env["H5COMPAT_TARGET"] = "h5py"
    elif engine == "netcdf4":
        env["H5COMPAT_TARGET"] = "h5py"
    proc = subprocess.run([sys.executable, __file__, op, case, engine, path],
                          env=env, capture_output=True, text=True)
    if proc.returncode:
        lines = proc.stderr.strip().splitlines()
        raise AssertionError(f"{op} with {engine} failed: {lines[-1] if lines else ''}\n{proc.stderr}")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("writer,reader", PAIRS, ids=[f"{w}-to-{r}" for w, r in PAIRS])
def test_roundtrip(tmp_path, case, writer, reader):
    path = str(tmp_path / f"{case}.nc")
    _run("write", case, writer, path)
    _run("read", case, reader, path)


if __name__ == "__main__":
    side(*sys.argv[1:5])
