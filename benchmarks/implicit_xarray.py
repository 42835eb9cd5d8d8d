"""Implicit mode under xarray (issue 12): a loop that computes a field and
writes it as one netCDF variable per step, compressed (zlib, as netCDF
users write), with unmodified xarray and h5netcdf code.

    python benchmarks/implicit_xarray.py [--python PY] [--steps N] [--runs R]

PY must have xarray, h5netcdf, h5py and h5async installed
(build/compat/venv-netcdf does, after `make test-compat`).  Two loops:

- "open": one h5netcdf file (xarray's own backend) kept open, one
  variable created and written per step, closed at the end;
- "to_netcdf": `Dataset.to_netcdf(path, mode="a", engine="h5netcdf")` per
  step, which opens and closes the file each time.

Each runs in a fresh process with the real h5py, and with h5async
installed as h5py in implicit mode (what `python -m h5async run` does),
alternating, R runs each; medians and the ratio h5py / h5async are
printed.  The time includes the last close, so every byte is in the file
when the clock stops; each run checks the last variable read back.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

SHAPE = (512, 2048)  # float32: 4 MiB a step


def child(lib, loop, path, steps):
    import time

    if lib == "h5async":
        import h5async

        h5async.install_as_h5py()
        h5async.set_implicit(True)
    import numpy as np
    import xarray as xr

    y, x = np.meshgrid(np.linspace(0, 6, SHAPE[0]), np.linspace(0, 6, SHAPE[1]), indexing="ij")

    def field(step):
        # about 50 ms of numpy on the test VM, and a field zlib compresses
        a = np.sin(x + step) * np.cos(y - step)
        for _ in range(6):
            a = np.sqrt(a * a + 0.5) - 0.5
        return np.round(a, 3).astype("f4")

    enc = {"zlib": True, "complevel": 4, "chunksizes": (128, 2048)}
    t0 = time.perf_counter()
    if loop == "open":
        import h5netcdf

        with h5netcdf.File(path, "w") as f:
            f.dimensions = {"y": SHAPE[0], "x": SHAPE[1]}
            for step in range(steps):
                v = f.create_variable(f"v{step}", ("y", "x"), "f4", compression="gzip",
                                      compression_opts=4, chunks=(128, 2048))
                v[...] = field(step)
    else:
        for step in range(steps):
            ds = xr.Dataset({f"v{step}": (("y", "x"), field(step))})
            ds.to_netcdf(path, mode="a" if step else "w", engine="h5netcdf",
                         encoding={f"v{step}": enc})
    elapsed = time.perf_counter() - t0
    back = xr.open_dataset(path, engine="h5netcdf")
    np.testing.assert_array_equal(back[f"v{steps - 1}"].values, field(steps - 1))
    back.close()
    print(elapsed)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--steps", type=int, default=16)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--child", nargs=3, metavar=("LIB", "LOOP", "PATH"))
    a = p.parse_args()
    if a.child:
        child(*a.child, steps=a.steps)
        return
    here = os.path.abspath(__file__)
    with tempfile.TemporaryDirectory() as tmp:
        for loop in ("open", "to_netcdf"):
            times = {"h5py": [], "h5async": []}
            for _ in range(a.runs):
                for lib in times:
                    path = os.path.join(tmp, f"{lib}.nc")
                    out = subprocess.run([a.python, here, "--steps", str(a.steps),
                                          "--child", lib, loop, path],
                                         check=True, capture_output=True, text=True).stdout
                    times[lib].append(float(out.split()[-1]))
                    os.unlink(path)
            m = {lib: statistics.median(v) for lib, v in times.items()}
            print(f"{loop:10s} h5py {m['h5py']:.3f} s  h5async implicit {m['h5async']:.3f} s  "
                  f"h5py / h5async {m['h5py'] / m['h5async']:.2f}x  "
                  f"(runs: {[round(t, 3) for t in times['h5py']]} / "
                  f"{[round(t, 3) for t in times['h5async']]})")


if __name__ == "__main__":
    main()
