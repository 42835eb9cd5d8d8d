"""Compressed I/O (issue 13, part 1): a 256 MiB float64 field written and
read with gzip level 4 and shuffle in 1 MiB chunks, by h5py (in its own
interpreter: its wheel links another HDF5), by h5async with 1 codec thread
(every filter inside HDF5, as before the chunk pipeline) and by h5async
with N codec threads.  Also the asynchronous write: the field written in
8 blocks with es=, and the share of the run the caller spends inside the
write calls.  Prints a markdown table of throughputs and ratios, medians
of --rounds rounds, all measured in this one run.

    .venv/bin/python benchmarks/compression.py [--threads 2] [--rounds 3]
"""
import argparse
import json
import os
import statistics as st
import subprocess
import sys
import tempfile
import time

import numpy as np

SHAPE = (8192, 4096)           # 256 MiB of float64
CHUNKS = (32, 4096)            # 1 MiB
FILTERS = dict(compression="gzip", compression_opts=4, shuffle=True)


def field() -> np.ndarray:
    """A smooth temperature-like field with sensor noise at 1e-3: what a
    simulation or instrument writes, compressible but not trivially."""
    rng = np.random.default_rng(42)
    y = np.linspace(0, 6 * np.pi, SHAPE[0])[:, None]
    x = np.linspace(0, 10 * np.pi, SHAPE[1])[None, :]
    base = 280 + 15 * np.sin(y) * np.cos(x) + 3 * np.sin(3.1 * x + 0.5 * y)
    return np.round(base + rng.normal(0, 0.05, SHAPE), 3)


def timed_runs(lib, path, data, rounds, es_blocks=0):
    """Write then read `data` `rounds` times; returns lists of seconds
    (write, read) and, for es_blocks, the seconds spent in write calls."""
    writes, reads, in_calls = [], [], []
    for _ in range(rounds):
        os.path.exists(path) and os.remove(path)
        t0 = time.perf_counter()
        calls = 0.0
        if es_blocks:
            es = lib.EventSet()
            f = lib.File(path, "w", es=es)
            d = f.create_dataset("x", SHAPE, dtype="f8", chunks=CHUNKS, **FILTERS)
            step = SHAPE[0] // es_blocks
            for i in range(0, SHAPE[0], step):
                c0 = time.perf_counter()
                d[i:i + step] = data[i:i + step]
                calls += time.perf_counter() - c0
            es.wait()
            f.es = None
            f.close()
            es.close()
        else:
            with lib.File(path, "w") as f:
                f.create_dataset("x", SHAPE, dtype="f8", chunks=CHUNKS, **FILTERS)[...] = data
        writes.append(time.perf_counter() - t0)
        in_calls.append(calls)
        t0 = time.perf_counter()
        with lib.File(path, "r") as f:
            back = f["x"][...]
        reads.append(time.perf_counter() - t0)
        assert np.array_equal(back, data)
    return writes, reads, in_calls


def h5py_child(path, rounds):
    """h5py's figures, measured in a child interpreter."""
    code = ("import sys, json, importlib.util as u, h5py;"
            f"s = u.spec_from_file_location('bench_compression', {os.path.abspath(__file__)!r});"
            "c = u.module_from_spec(s); s.loader.exec_module(c);"
            f"w, r, _ = c.timed_runs(h5py, {path!r}, c.field(), {rounds});"
            "print(json.dumps([w, r]))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    args = ap.parse_args()
    import h5async
    data = field()
    mib = data.nbytes / 2**20
    path = os.path.join(args.dir, f"h5async_compression_{os.getpid()}.h5")
    rows = {}
    w, r = h5py_child(path, args.rounds)
    rows["h5py"] = (st.median(w), st.median(r), None)
    for n in (1, args.threads):
        h5async.set_threads(n)
        w, r, _ = timed_runs(h5async, path, data, args.rounds)
        rows[f"h5async, {n} thread{'s' * (n > 1)}"] = (st.median(w), st.median(r), None)
    w, r, calls = timed_runs(h5async, path, data, args.rounds, es_blocks=8)
    share = st.median(c / t for c, t in zip(calls, w))
    rows[f"h5async async (es=), {args.threads} threads"] = (st.median(w), st.median(r), share)
    ratio = data.nbytes / os.path.getsize(path)
    os.remove(path)
    h5async.set_threads(0)
    base_w, base_r, _ = rows["h5py"]
    print(f"{mib:.0f} MiB float64, gzip 4 + shuffle, 1 MiB chunks, compression ratio "
          f"{ratio:.2f}, medians of {args.rounds} rounds\n")
    print("| variant | write MB/s | read MB/s | write vs h5py | read vs h5py | "
          "caller in write calls |")
    print("|---|---|---|---|---|---|")
    for name, (tw, tr, sh) in rows.items():
        print(f"| {name} | {data.nbytes / tw / 1e6:.0f} | {data.nbytes / tr / 1e6:.0f} | "
              f"{base_w / tw:.2f}x | {base_r / tr:.2f}x | "
              f"{'' if sh is None else f'{100 * sh:.1f}%'} |")


if __name__ == "__main__":
    main()
