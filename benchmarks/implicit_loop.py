"""Implicit mode on an unmodified h5py loop: compute a step (numpy, about
50 ms), write its 32 MiB result as a new dataset, repeat.

    python benchmarks/implicit_loop.py            # both, 3 runs each, ratio
    python benchmarks/implicit_loop.py --one h5py # one run in this process

Each run is a fresh process: real h5py, or h5async installed as h5py with
implicit mode on (what ``python -m h5async run`` does).  The loop below is
plain h5py code; the time includes the final close, so every byte is in the
file when the clock stops.  Runs alternate between the two so that both see
the same machine; the medians and their ratio are printed, and the time
the loop spent inside h5py calls (writes and the close): the I/O the
program waits for.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

STEP_BYTES = 32 << 20


def compute(base, step, rounds):
    """About 50-70 ms of numpy work on a 2-core test VM (rounds=0): 32 MiB."""
    import numpy as np

    y = np.sin(base + step)
    for _ in range(rounds):
        y = np.sqrt(y * y + 1.0)
    return y


def loop(path, steps, rounds):
    import h5py
    import numpy as np

    base = np.linspace(0.0, 1.0, STEP_BYTES // 8)
    io = 0.0  # time the program spends inside h5py calls
    t0 = time.perf_counter()
    f = h5py.File(path, "w")
    for step in range(steps):
        result = compute(base, step, rounds)
        t1 = time.perf_counter()
        f.create_dataset(f"step{step:04d}", data=result)
        f.attrs["last_step"] = step
        io += time.perf_counter() - t1
    t1 = time.perf_counter()
    f.close()
    end = time.perf_counter()
    return end - t0, io + end - t1


def one(lib, path, steps, rounds):
    if lib == "h5async":
        import h5async

        h5async.install_as_h5py()
        h5async.set_implicit(True)
    import h5py

    elapsed, io = loop(path, steps, rounds)
    # Check what was written, outside the timing.
    import numpy as np

    with h5py.File(path, "r") as f:
        assert len(f) == steps and f.attrs["last_step"] == steps - 1
        base = np.linspace(0.0, 1.0, STEP_BYTES // 8)
        np.testing.assert_array_equal(f[f"step{steps - 1:04d}"][:],
                                      compute(base, steps - 1, rounds))
    os.unlink(path)
    return elapsed, io


def compute_only(steps, rounds):
    import numpy as np

    base = np.linspace(0.0, 1.0, STEP_BYTES // 8)
    t0 = time.perf_counter()
    for step in range(steps):
        compute(base, step, rounds)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--one", choices=["h5py", "h5async", "compute"])
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    if args.one == "compute":
        print(f"{compute_only(args.steps, args.rounds):.4f} 0")
        return
    if args.one:
        path = os.path.join(args.dir or tempfile.gettempdir(), f"implicit_{os.getpid()}.h5")
        print("%.4f %.4f" % one(args.one, path, args.steps, args.rounds))
        return
    times = {"compute": [], "h5py": [], "h5async": []}
    io = {"compute": [], "h5py": [], "h5async": []}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for _ in range(args.runs):
            for lib in times:
                out = subprocess.run(
                    [sys.executable, __file__, "--one", lib, "--steps", str(args.steps),
                     "--rounds", str(args.rounds), "--dir", tmp],
                    check=True, capture_output=True, text=True).stdout
                total, in_calls = map(float, out.split())
                times[lib].append(total)
                io[lib].append(in_calls)
    med = {lib: statistics.median(t) for lib, t in times.items()}
    med_io = {lib: statistics.median(t) for lib, t in io.items()}
    mib = args.steps * STEP_BYTES / 2**20
    print(f"{args.steps} steps, {mib:.0f} MiB written, medians of {args.runs} runs:")
    print(f"  compute alone        {med['compute']:.3f} s "
          f"({1000 * med['compute'] / args.steps:.0f} ms/step)")
    for lib, label in (("h5py", "h5py"), ("h5async", "h5async implicit")):
        print(f"  {label:20} {med[lib]:.3f} s, of which in h5py calls {med_io[lib]:.3f} s"
              f"   runs {times[lib]}")
    print(f"  h5py / h5async       {med['h5py'] / med['h5async']:.2f}x")


if __name__ == "__main__":
    main()
