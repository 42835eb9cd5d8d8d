"""Small calls (issue 13, part 3): the cost of the binding itself.

`d[i]`, `d[i:i+10]`, `d[i] = x`, `f["d"]`, `f.attrs["a"]` and the
asynchronous submit, for h5async against the two h5py baselines:

- "h5py wheel": the installed h5py (the PyPI wheel users have; it bundles
  its own HDF5);
- "h5py same-HDF5": h5py built from source against the system libhdf5
  (`make bench` builds it into build/h5py-system): the same library as
  h5async, so the difference is the binding alone;
- optionally "h5async <label>": another build of h5async (e.g. an older
  commit, `--h5async-path DIR=label`) to measure a change.

Two h5py builds cannot share one interpreter, so every variant runs in its
own child process.  One run = `--rounds` rounds; each round starts one child
per variant, in a rotating order, and each child times every operation
`--reps` times as loops of `--n` calls on an open file on the page cache
(interleaved, best kept).  A figure is the median over the rounds of each
child's best, in microseconds per call; an empty Python loop of the same
length ("loop") is reported too: it is in every figure.

`--callgrind` also counts instructions per call under valgrind (one child
per variant, the loops bracketed by os.getppid() calls on which callgrind
dumps its counters; glibc told to use vector loops for memset/memcpy, whose
`rep stos` valgrind would count byte by byte): these counts do not depend
on the machine's load.

    python -m benchmarks.smallcalls [--h5py-path build/h5py-system] [--out DIR]
        [--rounds 5] [--n 5000] [--callgrind] [--h5async-path DIR=label ...]
"""
import argparse
import glob
import json
import os
import statistics as st
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
M = 10_000
OPS = ("loop", "d[i]", "d[i:i+10]", "d[i] = x", 'f["d"]', 'attrs["a"]')
ASYNC_OPS = ("submit d.read(i)", "submit d[i] = x", "completed d.read(i)",
             "completed d[i] = x")


# --------------------------------------------------------------------------
# child: one variant

def _setup_path(kind, path):
    if path:
        sys.path.insert(0, os.path.abspath(path))
    if kind == "h5async" and path:
        # an editable install's finder comes before sys.path: drop it so
        # that the h5async under `path` is the one imported
        sys.meta_path[:] = [f for f in sys.meta_path
                            if "editable" not in type(f).__module__]


def _loops(f, d):
    """{op: function(idx) running one loop of calls}."""

    def loop(idx):
        for i in idx:
            pass

    def read1(idx):
        for i in idx:
            d[i]

    def read10(idx):
        for i in idx:
            d[i:i + 10]

    def write1(idx):
        for i in idx:
            d[i] = 2.5

    def getitem(idx):
        for i in idx:
            f["d"]

    def attr(idx):
        for i in idx:
            f.attrs["a"]

    return dict(zip(OPS, (loop, read1, read10, write1, getitem, attr)))


def _open(lib, path, es=None):
    f = lib.File(path, "w", es=es) if es is not None else lib.File(path, "w")
    f.create_dataset("d", data=np.arange(M, dtype="f8"))
    f.attrs["a"] = 1.5
    if es is not None:
        es.wait()
    return f


def _idx(n):
    return [(i * 7919) % (M - 10) for i in range(n)]


def child(kind, path, n, reps, tmp, callgrind=False):
    _setup_path(kind, path)
    if kind == "h5async":
        import h5async as lib
        version = f"h5async {getattr(lib, '__version__', '?')} at {lib.__file__}"
    else:
        import h5py as lib
        version = f"h5py {lib.__version__} (HDF5 {lib.version.hdf5_version}) at {lib.__file__}"
    fpath = os.path.join(tmp, f"bn_smallcalls_{os.getpid()}.h5")
    f = _open(lib, fpath)
    d = f["d"]
    loops = _loops(f, d)
    idx = _idx(n)
    for fn in loops.values():                    # warm-up
        fn(idx[:200])
    out = {"version": version}
    if callgrind:
        # os.getppid() is the marker: valgrind dumps before each call
        order = list(loops)
        for op in order:
            os.getppid()
            loops[op](idx)
        os.getppid()
        out["order"] = order
    else:
        best = {op: float("inf") for op in loops}
        for _ in range(reps):
            for op, fn in loops.items():
                t0 = time.perf_counter()
                fn(idx)
                best[op] = min(best[op], time.perf_counter() - t0)
        out["us"] = {op: t / n * 1e6 for op, t in best.items()}
    f.close()
    os.remove(fpath)
    if kind == "h5async" and not callgrind:
        out["us"].update(_async_child(lib, tmp, idx, reps))
    print(json.dumps(out))


def _async_child(lib, tmp, idx, reps):
    """Submit and completed cost of d.read(i) and d[i] = x with es=."""
    es = lib.EventSet()
    fpath = os.path.join(tmp, f"bn_smallcalls_async_{os.getpid()}.h5")
    f = _open(lib, fpath, es)
    d = f["d"]
    n = len(idx)
    res = {op: float("inf") for op in ASYNC_OPS}
    for rep in range(reps + 1):
        t0 = time.perf_counter()
        futs = [d.read(i) for i in idx]
        t1 = time.perf_counter()
        es.wait()
        for x in futs:
            x.result()
        t2 = time.perf_counter()
        del futs
        t3 = time.perf_counter()
        for i in idx:
            d[i] = 2.5
        t4 = time.perf_counter()
        es.wait()
        t5 = time.perf_counter()
        if rep:                                   # the first is a warm-up
            for op, t in zip(ASYNC_OPS, (t1 - t0, t4 - t3, t2 - t0, t5 - t3)):
                res[op] = min(res[op], t)
    f.es = None
    f.close()
    es.close()
    os.remove(fpath)
    return {op: t / n * 1e6 for op, t in res.items()}


# --------------------------------------------------------------------------
# driver

def _variants(args):
    """[(label, kind, path)]"""
    out = [("h5async", "h5async", ""), ("h5py wheel", "h5py", "")]
    if args.h5py_path:
        out.append(("h5py same-HDF5", "h5py", args.h5py_path))
    for spec in args.h5async_path or ():
        path, _, label = spec.partition("=")
        out.append((f"h5async {label or path}", "h5async", path))
    return out


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("H5ASYNC_BENCH_H5PY", None)
    return env


# Under callgrind glibc's memset and memcpy use vector loops rather than
# `rep stos`/`rep movs`, which valgrind counts one instruction per byte.
GLIBC_VECTOR = ("glibc.cpu.x86_rep_stosb_threshold=0x7fffffff:"
                "glibc.cpu.x86_rep_movsb_threshold=0x7fffffff")


def _run_child(kind, path, args, extra=(), prefix=()):
    cmd = [*prefix, sys.executable, "-m", "benchmarks.smallcalls", "--child", kind,
           "--child-path", path, "--n", str(args.n), "--reps", str(args.reps),
           "--tmpdir", args.tmpdir, *extra]
    env = _env()
    if prefix:
        env["GLIBC_TUNABLES"] = GLIBC_VECTOR
    out = subprocess.run(cmd, env=env, cwd=str(ROOT), capture_output=True, text=True,
                         timeout=1800)
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(args):
    variants = _variants(args)
    per = {label: [] for label, _, _ in variants}
    versions = {}
    for r in range(args.rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for label, kind, path in order:
            res = _run_child(kind, path, args)
            per[label].append(res["us"])
            versions[label] = res["version"]
        print(f"  round {r + 1}/{args.rounds} done", file=sys.stderr)
    med = {label: {op: st.median(x[op] for x in runs) for op in runs[0]}
           for label, runs in per.items()}
    return med, per, versions


def callgrind(args):
    """Instructions per call, from one valgrind child per variant."""
    cg = {}
    for label, kind, path in _variants(args):
        pattern = os.path.join(args.tmpdir, f"bn_cg_{os.getpid()}_{kind}_{len(cg)}")
        prefix = ["valgrind", "--tool=callgrind", "--dump-before=getppid",
                  f"--callgrind-out-file={pattern}.%p"]
        res = _run_child(kind, path, args, extra=["--callgrind"], prefix=prefix)
        # pattern.PID.1, .2, ... are the dumps in order; pattern.PID (no
        # number) is the last one, taken at exit
        def order_key(p):
            tail = p[len(pattern) + 1:].split(".")
            return int(tail[1]) if len(tail) > 1 else 1 << 30
        files = sorted(glob.glob(pattern + ".*"), key=order_key)
        totals = []
        for p in files:
            with open(p) as fh:
                for line in fh:
                    if line.startswith(("summary:", "totals:")):
                        totals.append(int(line.split()[1]))
                        break
            os.remove(p)
        # dump k (1-based) is taken before the k-th getppid: segment k+1
        # (between marker k and k+1) is the k-th operation's loop
        order = res["order"]
        segs = totals[1:1 + len(order)]
        if len(segs) != len(order):
            raise RuntimeError(f"callgrind: {len(totals)} dumps for {len(order)} loops ({files})")
        cg[label] = {op: ir / args.n for op, ir in zip(order, segs)}
    return cg


def markdown(med, cg, versions, args, loadavg):
    labels = list(med)
    base = [b for b in ("h5py wheel", "h5py same-HDF5") if b in med]
    lines = [f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
             f"{loadavg[0]:.1f} at start, {loadavg[1]:.1f} at end; {args.rounds} rounds of "
             f"one child per variant, each the best of {args.reps} loops of {args.n} calls; "
             "medians over the rounds, microseconds per call", ""]
    for label in labels:
        lines.append(f"- {label}: {versions.get(label, '?')}")
    lines.append("")
    head = "| operation | " + " | ".join(labels) + " | " + " | ".join(
        f"h5async vs {b}" for b in base) + " |"
    lines += [head, "|" + "---|" * (1 + len(labels) + len(base))]
    for op in OPS + ASYNC_OPS:
        if op not in med["h5async"]:
            continue
        cells = [f"{med[lb][op]:.2f}" if op in med[lb] else "" for lb in labels]
        ratios = [f"{med['h5async'][op] / med[b][op]:.2f}x" if op in med[b] and op != "loop"
                  else "" for b in base]
        lines.append(f"| `{op}` | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    if cg:
        lines += ["", "Instructions per call (callgrind, load-independent):", "",
                  "| operation | " + " | ".join(cg) + " | " + " | ".join(
                      f"h5async vs {b}" for b in base if b in cg) + " |",
                  "|" + "---|" * (1 + len(cg) + len([b for b in base if b in cg]))]
        for op in OPS:
            cells = [f"{cg[lb][op]:,.0f}" for lb in cg]
            ratios = [f"{cg['h5async'][op] / cg[b][op]:.2f}x" if op != "loop" else ""
                      for b in base if b in cg]
            lines.append(f"| `{op}` | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.smallcalls",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--h5py-path", default=None,
                    help="h5py built against the system libhdf5 (default build/h5py-system "
                         "when it exists; '' = none)")
    ap.add_argument("--h5async-path", action="append",
                    help="DIR=label: another h5async build to compare (repeatable)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--callgrind-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help="directory for smallcalls.md / .json")
    ap.add_argument("--tmpdir", default=tempfile.gettempdir())
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-path", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.child_path, args.n, args.reps, args.tmpdir, args.callgrind)
        return 0
    if args.h5py_path is None:
        p = ROOT / "build" / "h5py-system"
        args.h5py_path = str(p) if (p / "h5py").is_dir() else ""
    load0 = os.getloadavg()
    med, per, versions = ({}, {}, {}) if args.callgrind_only else measure(args)
    cg = callgrind(args) if (args.callgrind or args.callgrind_only) else {}
    if args.callgrind_only:
        med = {lb: {op: float("nan") for op in OPS} for lb in cg}
    text = markdown(med, cg, versions, args, (load0[0], os.getloadavg()[0]))
    print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "smallcalls.md").write_text(text + "\n")
        (out / "smallcalls.json").write_text(json.dumps(
            {"median_us": med, "rounds_us": per, "callgrind_ir": cg, "versions": versions,
             "n": args.n, "reps": args.reps, "rounds": args.rounds}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
