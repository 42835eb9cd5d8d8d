"""The h5async benchmark suite: W1-W6 on three variants and three storages.

    python -m benchmarks.suite [--quick] [--out DIR] [--workloads W1,W3] ...

prints a table, and writes into --out: results.json, results.txt, the PNG
plots (bench_times.png, bench_perop.png, bench_hidden.png) and
trace_w1.json, the Chrome trace of one asynchronous W1 run (open it in
https://ui.perfetto.dev or chrome://tracing).

Which h5py: --h5py-path DIR (or H5ASYNC_BENCH_H5PY) puts an h5py built
against the system libhdf5 first on sys.path, so that the comparison
isolates the binding; by default build/h5py-system of the source tree is
used when `make bench` has built it there, else the installed h5py (whose
PyPI wheel bundles its own, different, HDF5).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALL = ("W1", "W2", "W3", "W4", "W5", "W6")
DEFAULT_STORAGE = {"W1": ("local", "fsync", "remote"), "W2": ("local", "fsync", "remote"),
                   "W3": ("local",), "W4": ("local", "fsync"), "W5": ("local", "fsync"),
                   "W6": ("local", "fsync", "remote")}


def _size(text):
    text = text.strip().upper().rstrip("B").rstrip("I")
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * mult)


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks.suite", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="small sizes and one round: a smoke run of a minute or two")
    p.add_argument("--out", default="h5async-bench", help="directory for results and plots")
    p.add_argument("--workloads", default=",".join(ALL), help="comma list, e.g. W1,W3")
    p.add_argument("--storage", default=None,
                   help="comma list of local,fsync,remote for every workload "
                        "(default: each workload's own set, see docs/performance.md)")
    p.add_argument("--rounds", type=int, default=None, help="rounds per measurement (best kept)")
    p.add_argument("--size", "--w4-size", dest="w4_size", default=None,
                   help="W4 bytes per dataset, e.g. 1G (default 1G, --quick 128M)")
    p.add_argument("--tmpdir", default=None, help="where the HDF5 files go (default: system temp)")
    p.add_argument("--bandwidth", type=float, default=200.0, help="emulated remote MB/s (200)")
    p.add_argument("--latency", type=float, default=2.0, help="emulated remote ms per request (2)")
    p.add_argument("--h5py-path", default=None,
                   help="directory holding the h5py package to compare with ('' = installed)")
    p.add_argument("--no-sweep", action="store_true", help="skip the compute/I-O ratio sweep")
    p.add_argument("--no-plots", action="store_true")
    p.add_argument("--no-wheel-compare", action="store_true",
                   help="skip W3 with the installed h5py wheel when another h5py is compared")
    p.add_argument("--perop-h5py-json", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--h5py-only-json", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _choose_h5py(args):
    path = args.h5py_path
    if path is None:
        path = os.environ.get("H5ASYNC_BENCH_H5PY")
    if path is None and (ROOT / "build" / "h5py-system" / "h5py").is_dir():
        path = str(ROOT / "build" / "h5py-system")
    if path:
        sys.path.insert(0, os.path.abspath(path))
    return path or ""


def config(args):
    q = args.quick
    rounds = args.rounds or (1 if q else 3)
    import numpy as np
    w1_elems = (1 if q else 4) * (1 << 20)             # float64: 8 / 32 MiB per step
    return {
        "rounds": rounds,
        "w1": {"steps": 8, "buf": np.linspace(0.0, 1.0, w1_elems)},
        "w2": {"nblocks": 8, "elems": w1_elems},
        "sweep_ratios": [0.5, 1.0, 2.0] if q else [0.25, 0.5, 1.0, 2.0, 4.0],
        "sweep_storages": ("remote",) if q else ("local", "remote"),
        # (steps, float64 elements per step): page-cache runs are short, so
        # more steps there; emulated remote runs are long, so smaller steps
        "sweep_sizes": {"local": (16, w1_elems), "fsync": (16, w1_elems),
                        "remote": (8, 1 << 20)},
        "sweep_rounds": 1 if q else 2,
        "w3_n": 1000 if q else 5000,
        "w4_bytes": _size(args.w4_size) if args.w4_size else (128 << 20 if q else 1 << 30),
        "w4_rounds": 1 if q else max(1, rounds - 1),
        "w5_count": 2000 if q else 10_000,
        "w6_bytes": (32 << 20) if q else (64 << 20),
        "w6_rounds": 1 if q else max(1, rounds - 1),
    }


def _wheel_run(args, tmpdir, wl):
    """Workload `wl` for the installed h5py alone (the PyPI wheel and its
    bundled HDF5), in a subprocess, when the main run compares another h5py
    build: {"h5py": version, "hdf5": version, "results": [records]}."""
    cmd = [sys.executable, "-m", "benchmarks.suite", "--h5py-only-json", "--h5py-path", "",
           "--tmpdir", tmpdir, "--workloads", wl, "--bandwidth", str(args.bandwidth),
           "--latency", str(args.latency)]
    for flag, val in (("--rounds", args.rounds), ("--size", args.w4_size),
                      ("--storage", args.storage)):
        if val is not None:
            cmd += [flag, str(val)]
    if args.quick:
        cmd.append("--quick")
    env = dict(os.environ)
    env.pop("H5ASYNC_BENCH_H5PY", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    try:
        out = subprocess.run(cmd, env=env, cwd=str(ROOT), capture_output=True, text=True,
                             check=True, timeout=1800).stdout
        return json.loads(out.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError) as exc:
        print(f"  ({wl} with the installed h5py wheel failed: {exc})", file=sys.stderr)
        return None


WHEEL = "h5py wheel"


def _merge_wheel(results, wheel, wl):
    """Add the wheel's rows of `wl` as variant "h5py wheel": its vs_h5py is
    T_h5py(same HDF5) / T_wheel, and every row of `wl` gets vs_wheel =
    T_wheel / T_row (>1: faster than the wheel)."""
    from .common import log
    ref = {(r["phase"], r["storage"]): r for r in results
           if r["workload"] == wl and r["variant"] == "h5py"}
    added = []
    for r in wheel["results"]:
        r = dict(r, variant=WHEEL)
        same = ref.get((r["phase"], r["storage"]))
        key = "us_per_op" if r.get("us_per_op") is not None else "wall_s"
        if same and same.get(key) and r.get(key):
            r["vs_h5py"] = same[key] / r[key]
        added.append(r)
    for w in added:
        key = "us_per_op" if w.get("us_per_op") is not None else "wall_s"
        for r in results:
            if (r["workload"], r["phase"], r["storage"]) == (w["workload"], w["phase"],
                                                              w["storage"]) and r.get(key):
                r["vs_wheel"] = w[key] / r[key]
        w["vs_wheel"] = 1.0
    # after each group's own rows
    for w in added:
        idx = max((i for i, r in enumerate(results)
                   if (r["workload"], r["phase"], r["storage"]) ==
                   (w["workload"], w["phase"], w["storage"])), default=len(results) - 1)
        results.insert(idx + 1, w)
    if added:
        log(f"  {wl} {WHEEL} (HDF5 {wheel['hdf5']}): {len(added)} rows")


def main(argv=None):
    args = parse(argv)
    h5py_path = _choose_h5py(args)
    from . import common
    from .common import Storage, log

    cfg = config(args)
    tmp_parent = args.tmpdir or tempfile.gettempdir()
    tmpdir = tempfile.mkdtemp(prefix="h5async-bench-", dir=tmp_parent)
    storage = {name: Storage(name, tmpdir, args.bandwidth * 1e6, args.latency * 1e-3)
               for name in ("local", "fsync", "remote")}

    if args.perop_h5py_json:
        from . import perop
        try:
            print(json.dumps({"h5py": common.h5py.__version__,
                              "hdf5": common.h5py.version.hdf5_version,
                              "us": perop.h5py_only(storage["local"], cfg["w3_n"], cfg["rounds"])}))
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
        return 0

    if args.h5py_only_json:
        # the workloads with the h5py variant alone (and h5async only where
        # a workload needs it to calibrate or to prepare its files)
        from . import metadata, overlap, perop, throughput
        common.VARIANTS = (common.H5pyVariant,)
        res = []
        kernel = common.Kernel()
        rounds = cfg["rounds"]
        chosen = [s.strip() for s in args.storage.split(",")] if args.storage else None
        try:
            for wl in [w.strip().upper() for w in args.workloads.split(",") if w.strip()]:
                sts = [storage[s] for s in (chosen or DEFAULT_STORAGE[wl])]
                if wl == "W1":
                    overlap.w1(res, sts, kernel, cfg["w1"], rounds)
                elif wl == "W2":
                    overlap.w2(res, sts, kernel, cfg["w2"], rounds)
                elif wl == "W3":
                    us = perop.h5py_only(storage["local"], cfg["w3_n"], rounds)
                    for op, v in us.items():
                        common.record(res, "W3", perop.OP_LABELS[op], "local", "h5py",
                                      {"wall": None}, us_per_op=v, op=op)
                elif wl == "W4":
                    throughput.w4(res, sts, cfg["w4_bytes"], cfg["w4_rounds"])
                elif wl == "W5":
                    metadata.w5(res, sts, cfg["w5_count"], rounds)
                elif wl == "W6":
                    throughput.w6(res, sts, cfg["w6_bytes"], cfg["w6_rounds"])
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
        print(json.dumps({"h5py": common.h5py.__version__,
                          "hdf5": common.h5py.version.hdf5_version,
                          "results": res}, default=float))
        return 0

    from . import metadata, overlap, perop, report, throughput

    wanted = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    bad = [w for w in wanted if w not in ALL]
    if bad:
        raise SystemExit(f"unknown workload(s) {bad}; choose from {','.join(ALL)}")
    chosen_storage = None
    if args.storage:
        chosen_storage = [s.strip() for s in args.storage.split(",") if s.strip()]
        for s in chosen_storage:
            if s not in storage:
                raise SystemExit(f"unknown storage {s!r}; choose from local,fsync,remote")

    def storages_for(wl):
        return [storage[s] for s in (chosen_storage or DEFAULT_STORAGE[wl])]

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = common.environment(tmpdir)
    env["h5py_source"] = (f"built against the system libhdf5 ({h5py_path})" if h5py_path
                          else "installed package (PyPI wheel: bundles its own HDF5)")
    log(f"h5async bench: {env['h5async']}; h5py {env['h5py']} (HDF5 {env['h5py_hdf5']}, "
        f"{env['h5py_source']})")
    log(f"  {env['cores']} cores ({env['cpu']}), {env['memory_gib']} GiB, files in {tmpdir} "
        f"[{env['filesystem']}]")
    log(f"  emulated remote: {args.bandwidth:g} MB/s, {args.latency:g} ms per request; "
        f"rounds {cfg['rounds']}{' (quick)' if args.quick else ''}")

    results, timings = [], {}
    kernel = common.Kernel()
    log(f"  compute kernel: {kernel.unit_s * 1e3:.3f} ms per unit")
    t_start = time.perf_counter()
    rounds = cfg["rounds"]
    try:
        for wl in wanted:
            t0 = time.perf_counter()
            log(f"{wl} ...")
            if wl == "W1":
                overlap.w1(results, storages_for("W1"), kernel, cfg["w1"], rounds,
                           trace_path=str(out / "trace_w1.json"))
            elif wl == "W2":
                overlap.w2(results, storages_for("W2"), kernel, cfg["w2"], rounds)
            elif wl == "W3":
                for st in storages_for("W3"):
                    with st:
                        perop.w3(results, st, cfg["w3_n"], rounds)
                        perop.w3_asyncio(results, st, cfg["w3_n"], rounds)
            elif wl == "W4":
                throughput.w4(results, storages_for("W4"), cfg["w4_bytes"], cfg["w4_rounds"])
            elif wl == "W5":
                metadata.w5(results, storages_for("W5"), cfg["w5_count"], rounds)
            elif wl == "W6":
                throughput.w6(results, storages_for("W6"), cfg["w6_bytes"], cfg["w6_rounds"])
            if h5py_path and not args.no_wheel_compare:
                # the same workload with the installed h5py (the PyPI wheel
                # and its own HDF5), right after, in a subprocess
                wheel = _wheel_run(args, tmpdir, wl)
                if wheel:
                    env["h5py_wheel"] = f"h5py {wheel['h5py']} wheel (HDF5 {wheel['hdf5']})"
                    _merge_wheel(results, wheel, wl)
            timings[wl] = time.perf_counter() - t0
            log(f"{wl} done in {timings[wl]:.0f} s")
        if not args.no_sweep and ("W1" in wanted or "W2" in wanted):
            t0 = time.perf_counter()
            log("sweep of the compute/I-O ratio ...")
            sw = [storage[s] for s in cfg["sweep_storages"]
                  if chosen_storage is None or s in chosen_storage]
            overlap.sweep(results, sw, kernel, cfg["sweep_sizes"], cfg["sweep_ratios"],
                          cfg["sweep_rounds"])
            timings["sweep"] = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    timings["total"] = time.perf_counter() - t_start
    env["loadavg_end"] = os.getloadavg()

    tg = report.targets(results)
    text = "\n\n".join(x for x in (report.table(results), report.sweep_table(results),
                                   report.targets_table(tg)) if x)
    head = (f"{env['h5async']} | h5py {env['h5py']} (HDF5 {env['h5py_hdf5']}, "
            f"{env['h5py_source']}) | {env['cores']} cores, {env['cpu']} | "
            f"remote = {args.bandwidth:g} MB/s + {args.latency:g} ms/request | "
            f"{env['date']} | {timings['total']:.0f} s | source {env['source']} | load average "
            f"{env['loadavg_start'][0]:.1f} at start, {env['loadavg_end'][0]:.1f} at end")
    print(head)
    print(text)
    (out / "results.txt").write_text(head + "\n\n" + text + "\n")
    (out / "results.md").write_text(head + "\n\n**Against both h5py baselines** (ratios: "
                                    "T_h5py / T_h5async, > 1 is faster than that h5py)\n\n"
                                    + report.baselines_markdown(results) + "\n\n"
                                    + report.markdown(results) + "\n"
                                    + "```\n" + report.targets_table(tg) + "\n```\n")
    meta = {"environment": env, "timings_s": timings,
            "config": {k: v for k, v in cfg.items() if k not in ("w1",)}
            | {"w1": {"steps": cfg["w1"]["steps"], "bytes_per_step": cfg["w1"]["buf"].nbytes},
               "remote_bandwidth_mb_s": args.bandwidth, "remote_latency_ms": args.latency,
               "kernel_unit_ms": kernel.unit_s * 1e3, "argv": sys.argv[1:]},
            "results": results, "targets": tg}
    with open(out / "results.json", "w") as fh:
        json.dump(meta, fh, indent=1, default=float)
    if not args.no_plots:
        from . import plots
        for p in plots.plot_all(results, str(out)):
            log(f"wrote {p}")
    log(f"wrote {out / 'results.txt'}, {out / 'results.md'}, {out / 'results.json'}"
        + (f", {out / 'trace_w1.json'}" if (out / "trace_w1.json").exists() else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
