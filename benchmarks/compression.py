"""Compressed I/O (issue 13, part 1): a 256 MiB float64 field written and
read with gzip level 4 and shuffle in 1 MiB chunks, by h5py (the wheel and the same-HDF5 build), by h5async with 1 codec thread
(every filter inside HDF5, as before the chunk pipeline) and by h5async
with N codec threads.  Also the asynchronous write: the field written in
8 blocks with es=, and the share of the run the caller spends inside the
write calls.  Prints a markdown table of throughputs and ratios, medians
of --rounds rounds, all measured in this one run.

    .venv/bin/python -m benchmarks.compression [--threads 1,2,4] [--rounds 3]
        [--rows 8192] [--h5py-path build/h5py-system] [--out DIR]

The baselines are both h5py builds (the installed PyPI wheel and, when
built, the same-HDF5 one of `make bench`); every variant runs in its own
interpreter, interleaved round by round, and --out also writes a plot of
throughput against the codec thread count (bench_w6_threads.png).
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


def _child_env():
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


def child_run(kind, lib_path, path, npy, rounds, threads=0, es_blocks=0):
    """One variant's figures, measured in a child interpreter: h5py (the
    installed wheel, or the build under lib_path) or h5async with `threads`
    codec threads.  Returns (writes, reads, in_calls) lists of seconds."""
    code = ("import sys, json, importlib.util as u, numpy as np;"
            f"lp = {lib_path!r}; lp and sys.path.insert(0, lp);"
            f"import {kind} as lib;"
            f"{'lib.set_threads(%d);' % threads if kind == 'h5async' else ''}"
            f"s = u.spec_from_file_location('bench_compression', {os.path.abspath(__file__)!r});"
            "c = u.module_from_spec(s); s.loader.exec_module(c);"
            f"c.SHAPE = tuple(np.load({npy!r}, mmap_mode='r').shape);"
            f"r = c.timed_runs(lib, {path!r}, np.load({npy!r}), {rounds}, {es_blocks});"
            "v = lib.version.hdf5_version if hasattr(lib.version, 'hdf5_version') else '?';"
            "print(json.dumps(list(r) + [v]))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=_child_env()).stdout
    return json.loads(out.splitlines()[-1])


def scaling(path, data, threads):
    """One traced synchronous write and read with `threads` codec workers:
    the codec time (the encode/decode_chunk events of the workers' tracks)
    against the wall time.  What is not codec work (the thread that calls
    HDF5: direct chunk writes, raw chunk reads, the copies; and the
    caller) is the serial remainder R = T - C/N.  Predicted time for n
    workers: Amdahl R + C/n (nothing overlaps the remainder: pessimistic)
    and the pipeline max(R, C/n) (it overlaps fully: optimistic)."""
    import h5async
    h5async.set_threads(threads)
    out = {}
    try:
        for phase in ("write", "read"):
            with h5async.trace.Tracer() as tr:
                t0 = time.perf_counter()
                if phase == "write":
                    with h5async.File(path, "w") as f:
                        f.create_dataset("x", SHAPE, dtype="f8", chunks=CHUNKS,
                                         **FILTERS)[...] = data
                else:
                    with h5async.File(path, "r") as f:
                        f["x"][...]
                wall = time.perf_counter() - t0
            codec = [t["t_end"] - t["t_start"] for t in tr.tasks
                     if t["op"] in h5async.trace.CODEC_OPS]
            c = float(sum(codec))
            r = max(wall - c / threads, 0.0)
            out[phase] = {"wall_s": wall, "codec_s": c, "chunks": len(codec),
                          "chunk_median_ms": 1e3 * st.median(codec) if codec else None,
                          "serial_s": r, "threads": threads,
                          "predicted_mb_s": {n: [data.nbytes / (r + c / n) / 1e6,
                                                 data.nbytes / max(r, c / n) / 1e6]
                                             for n in (1, 2, 4, 8, 16, 32, 64)}}
    finally:
        h5async.set_threads(0)
        if os.path.exists(path):
            os.remove(path)
    return out


def _threads(text):
    if text:
        return sorted({int(x) for x in text.split(",") if x.strip()})
    cores = len(os.sched_getaffinity(0))
    return sorted({1, 2, cores, 2 * cores})


def main(argv=None) -> int:
    global SHAPE
    ap = argparse.ArgumentParser(prog="python -m benchmarks.compression",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--threads", default=None,
                    help="comma list of codec thread counts (default 1,2,cores,2*cores)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rows", type=int, default=SHAPE[0],
                    help=f"rows of {SHAPE[1]} float64 (default {SHAPE[0]}: 256 MiB)")
    ap.add_argument("--h5py-path", default=None,
                    help="h5py built against the system libhdf5 (default build/h5py-system "
                         "when it exists; '' = only the installed wheel)")
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--out", default=None,
                    help="directory for compression.md/.json and bench_w6_threads.png")
    args = ap.parse_args(argv)
    SHAPE = (args.rows, SHAPE[1])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if args.h5py_path is None:
        p = os.path.join(root, "build", "h5py-system")
        args.h5py_path = p if os.path.isdir(os.path.join(p, "h5py")) else ""
    threads = _threads(args.threads)
    cores = len(os.sched_getaffinity(0))
    async_n = max(t for t in threads if t <= max(cores, 1)) if any(
        t <= cores for t in threads) else threads[0]
    load0 = os.getloadavg()
    data = field()
    npy = os.path.join(args.dir, f"bn_compression_{os.getpid()}.npy")
    path = os.path.join(args.dir, f"bn_compression_{os.getpid()}.h5")
    np.save(npy, data)
    # (label, kind, lib path, threads, es_blocks)
    variants = [("h5py wheel", "h5py", "", 0, 0)]
    if args.h5py_path:
        variants.append(("h5py same-HDF5", "h5py", os.path.abspath(args.h5py_path), 0, 0))
    variants += [(f"h5async, {n} thread{'s' * (n > 1)}", "h5async", "", n, 0) for n in threads]
    variants.append((f"h5async async (es=), {async_n} thread{'s' * (async_n > 1)}", "h5async",
                     "", async_n, 8))
    runs = {v[0]: ([], [], []) for v in variants}
    hdf5 = {}
    try:
        for r in range(args.rounds):
            order = variants[r % len(variants):] + variants[:r % len(variants)]
            for label, kind, lp, n, blocks in order:
                w, rd, calls, ver = child_run(kind, lp, path, npy, 1, n, blocks)
                hdf5[label] = ver
                for acc, x in zip(runs[label], (w, rd, calls)):
                    acc.extend(x)
            print(f"  round {r + 1}/{args.rounds} done", file=sys.stderr)
        ratio = data.nbytes / os.path.getsize(path)
        scale = scaling(path, data, async_n)
    finally:
        for p in (npy, path):
            if os.path.exists(p):
                os.remove(p)
    rows = {}
    for label, kind, lp, n, blocks in variants:
        w, rd, calls = runs[label]
        share = st.median(c / t for c, t in zip(calls, w)) if blocks else None
        rows[label] = {"write_s": st.median(w), "read_s": st.median(rd), "in_calls": share,
                       "threads": n, "kind": kind, "writes": w, "reads": rd, "async": bool(blocks),
                       "write_mb_s": data.nbytes / st.median(w) / 1e6,
                       "read_mb_s": data.nbytes / st.median(rd) / 1e6, "hdf5": hdf5.get(label)}
    bases = [b for b in ("h5py wheel", "h5py same-HDF5") if b in rows]
    lines = [f"{data.nbytes / 2**20:.0f} MiB float64, gzip 4 + shuffle, 1 MiB chunks, "
             f"compression ratio {ratio:.2f}, medians of {args.rounds} rounds (variants "
             f"interleaved, each in its own interpreter), {cores} cores, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
             f"{load0[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end", ""]
    head = "| variant | write MB/s | read MB/s | " + " | ".join(
        f"write vs {b} | read vs {b}" for b in bases) + " | caller in write calls |"
    lines += [head, "|" + "---|" * (3 + 2 * len(bases) + 1)]
    for label, row in rows.items():
        rat = " | ".join(f"{rows[b]['write_s'] / row['write_s']:.2f}x | "
                         f"{rows[b]['read_s'] / row['read_s']:.2f}x" for b in bases)
        sh = row["in_calls"]
        lines.append(f"| {label} | {row['write_mb_s']:.0f} | {row['read_mb_s']:.0f} | {rat} | "
                     f"{'' if sh is None else f'{100 * sh:.1f}%'} |")
    lines += ["", f"Scaling model, from one traced run with {async_n} codec threads: codec "
              "time C (the workers' chunk events), serial remainder R = T - C/N (the thread "
              "that calls HDF5, and the caller); predicted MB/s for n threads between Amdahl "
              "R + C/n (nothing overlaps R) and the pipeline max(R, C/n) (R fully overlapped):",
              "", "| phase | T s | C s | R s | " + " | ".join(
                  f"n={n}" for n in (8, 16, 64)) + " |", "|" + "---|" * 7]
    for phase, sc in scale.items():
        pred = sc["predicted_mb_s"]
        lines.append(f"| {phase} | {sc['wall_s']:.2f} | {sc['codec_s']:.2f} | "
                     f"{sc['serial_s']:.2f} | " + " | ".join(
                         f"{pred[n][0]:.0f}-{pred[n][1]:.0f}" for n in (8, 16, 64)) + " |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "compression.md"), "w") as fh:
            fh.write(text + "\n")
        with open(os.path.join(args.out, "compression.json"), "w") as fh:
            json.dump({"rows": rows, "nbytes": data.nbytes, "ratio": ratio, "cores": cores,
                       "rounds": args.rounds, "scaling": scale}, fh, indent=1)
        try:
            from benchmarks import plots
        except ImportError:
            sys.path.insert(0, root)
            from benchmarks import plots
        p = plots.plot_threads(rows, os.path.join(args.out, "bench_w6_threads.png"), cores)
        print(f"wrote {p}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
