"""W1 (checkpoint loop) and W2 (analysis loop): how much I/O time is hidden
behind computation, and the sweep of the hidden fraction against the
compute/I/O ratio.

W1: N steps of  compute (Kernel units)  ->  f[f"step{i}"] = array.
W2: N blocks of a 2-D dataset; step i processes block i (a.sum() plus
    Kernel units) while, in the asynchronous variant, block i+1 is read.

Each synchronous run records its per-step times; the perfect pipeline
T_ideal, T_compute and T_io come from the h5async synchronous runs (see
common.pipeline_stats and common.overlap_metrics).
"""
import contextlib
import os

import numpy as np

import h5async

from .common import (H5asyncAsync, H5asyncSync, Storage, best_of, discard, fresh_path, log,
                     make_variants, measured, now, overlap_metrics, pipeline_stats, record,
                     settle)


def _rounds(rounds, storage):
    """Runs on the page cache are short and the noisiest: two more rounds."""
    return rounds if storage.name == "remote" else rounds + 2


def _nospan(_name):
    return contextlib.nullcontext()


# --------------------------------------------------------------------------
# W1: checkpoint loop

def w1_once(variant, storage, kernel, path, steps, buf, units, tracer=None):
    span = tracer.span if tracer else _nospan
    c, io = [], []
    t0 = now()
    f = variant.open(path, "w")
    t1 = now()
    for i in range(steps):
        ta = now()
        with span(f"compute {i}"):
            kernel.run(units)
            buf[0] = i                       # the step's result changes
        tb = now()
        with span(f"write {i}"):
            variant.create(f, f"step{i:03d}", data=buf)
        tc = now()
        c.append(tb - ta)
        io.append(tc - tb)
    t2 = now()
    with span("close (+fsync)"):
        variant.close(f)
        storage.after_close(path)
    t3 = now()
    return {"wall": t3 - t0, "pre": t1 - t0, "post": t3 - t2, "compute": c, "io": io,
            "io_first": False, "path": path}


def w1_check(path, steps, buf):
    """The asynchronous run's file holds what was computed."""
    with h5async.File(path, "r") as f:
        for i in range(steps):
            a = f[f"step{i:03d}"][()]
            if a[0] != i or not np.array_equal(a[1:], buf[1:]):
                raise AssertionError(f"W1: step{i:03d} read back wrong from {path}")


def w1_run(variant, storage, kernel, cfg, units, check=False, tracer=None):
    """One W1 run into a new file, deleted afterwards (outside the timing)."""
    path = fresh_path(storage, "w1")
    res = w1_once(variant, storage, kernel, path, cfg["steps"], cfg["buf"], units, tracer)
    if check:
        w1_check(path, cfg["steps"], cfg["buf"])
    discard(path)
    return res


def w1_units(storage, kernel, cfg, ratio):
    """Kernel units per step for compute = ratio x (I/O per step), from
    I/O-only synchronous runs on this storage."""
    # twice, keeping the faster: a process's first large writes are slower
    probe = min((measured(w1_run, H5asyncSync(storage), storage, kernel, cfg, 0)
                 for _ in range(2)), key=lambda r: r["wall"])
    per_step = pipeline_stats([probe])["t_io"] / cfg["steps"]
    return kernel.units_for(ratio * per_step), per_step


def w1(results, storages, kernel, cfg, rounds, trace_path=None):
    steps, buf = cfg["steps"], cfg["buf"]
    for k, storage in enumerate(storages):
        with storage:
            units, io_step = w1_units(storage, kernel, cfg, 1.0)
            log(f"  W1 {storage.name}: {steps} steps x {buf.nbytes >> 20} MiB, "
                f"I/O ~{io_step * 1e3:.1f} ms/step, compute {units} units "
                f"(~{units * kernel.unit_s * 1e3:.1f} ms/step)")
            best = best_of(_rounds(rounds, storage), make_variants(storage),
                           lambda v: w1_run(v, storage, kernel, cfg, units, check=v.is_async),
                           warmup=k == 0)
            _record_overlap(results, "W1", "checkpoint", storage, best, steps * buf.nbytes)
            if trace_path and storage.name == "remote":
                w1_trace(storage, kernel, cfg, units, trace_path)


def w1_trace(storage, kernel, cfg, units, trace_path):
    """One asynchronous W1 run under the engine tracer: main thread spans
    (compute, write calls, close) against the I/O thread's tasks."""
    settle()
    with h5async.trace.Tracer() as tr:
        with tr.span("W1 async run"):
            w1_run(H5asyncAsync(storage), storage, kernel, cfg, units, tracer=tr)
    tr.write(trace_path)
    log(f"  W1 trace ({storage.name}): {len(tr.tasks)} engine tasks, I/O thread busy "
        f"{tr.io_busy_seconds():.2f} s -> {trace_path}")


def _record_overlap(results, workload, phase, storage, best, nbytes):
    sync = best.get("h5async sync")
    ref = best["h5py"]["wall"]
    for name in ("h5py", "h5async sync", "h5async async"):
        if name not in best:             # a run of h5py alone (suite.py: the wheel)
            continue
        res = best[name]
        extra = {"mb_s": nbytes / res["wall"] / 1e6, "vs_h5py": ref / res["wall"]}
        if name == "h5async async":
            extra.update(overlap_metrics(sync, res["wall"]))
        else:
            extra.update(pipeline_stats(res["runs"]))
        record(results, workload, phase, storage.name, name, res, **extra)


# --------------------------------------------------------------------------
# W2: analysis loop

def w2_prepare(path, nblocks, elems):
    """A (nblocks, elems) float64 dataset; block i holds i + linspace."""
    base = np.linspace(0.0, 1.0, elems)
    with h5async.File(path, "w") as f:
        d = f.create_dataset("blocks", (nblocks, elems), "f8")
        for i in range(nblocks):
            d[i] = base + i
    return float(base.sum())


def w2_once(variant, storage, kernel, path, nblocks, units, base_sum):
    storage.before_read(path)
    r, p = [], []
    sums = []
    t0 = now()
    f = variant.open(path, "r")
    d = f["blocks"]
    elems = d.shape[1]
    t1 = now()
    if not variant.is_async:
        for i in range(nblocks):
            ta = now()
            a = variant.read(d, i)
            tb = now()
            sums.append(float(a.sum()))
            kernel.run(units)
            tc = now()
            r.append(tb - ta)
            p.append(tc - tb)
    else:
        pending = variant.read(d, 0)
        for i in range(nblocks):
            a = variant.result(pending)
            if i + 1 < nblocks:
                pending = variant.read(d, i + 1)     # read i+1 while processing i
            sums.append(float(a.sum()))
            kernel.run(units)
    t2 = now()
    variant.close(f)
    t3 = now()
    for i, s in enumerate(sums):
        if abs(s - (base_sum + i * elems)) > 1e-6 * abs(s) + 1e-6:
            raise AssertionError(f"W2 {variant.name}: block {i} read back wrong")
    return {"wall": t3 - t0, "pre": t1 - t0, "post": t3 - t2, "compute": p, "io": r,
            "io_first": True}


def w2_units(storage, kernel, cfg, path, base_sum, ratio):
    probe = min((measured(w2_once, H5asyncSync(storage), storage, kernel, path, cfg["nblocks"],
                          0, base_sum) for _ in range(2)), key=lambda r: r["wall"])
    st = pipeline_stats([probe])
    read_step = st["t_io"] / cfg["nblocks"]
    sum_step = st["t_compute"] / cfg["nblocks"]   # a.sum() alone
    return kernel.units_for(max(ratio * read_step - sum_step, 0.0)), read_step


def w2(results, storages, kernel, cfg, rounds):
    nblocks, elems = cfg["nblocks"], cfg["elems"]
    for k, storage in enumerate(storages):
        path = storage.path("w2.h5")
        base_sum = w2_prepare(path, nblocks, elems)
        with storage:
            units, read_step = w2_units(storage, kernel, cfg, path, base_sum, 1.0)
            log(f"  W2 {storage.name}: {nblocks} blocks x {elems * 8 >> 20} MiB, "
                f"read ~{read_step * 1e3:.1f} ms/block, processing a.sum() + {units} units")
            best = best_of(_rounds(rounds, storage), make_variants(storage),
                           lambda v: w2_once(v, storage, kernel, path, nblocks, units, base_sum),
                           warmup=k == 0)
            _record_overlap(results, "W2", "analysis", storage, best, nblocks * elems * 8)
        os.unlink(path)


# --------------------------------------------------------------------------
# Sweep: hidden fraction against the compute/I/O ratio

def sweep(results, storages, kernel, sizes, ratios, rounds):
    """h5async sync against async, W1 and W2, for each compute/I-O ratio.
    sizes: {storage name: (steps, float64 elements per step)}."""
    for storage in storages:
        steps, elems = sizes[storage.name]
        w1cfg = {"steps": steps, "buf": np.linspace(0.0, 1.0, elems)}
        w2cfg = {"nblocks": steps, "elems": elems}
        with storage:
            for ratio in ratios:
                units, _ = w1_units(storage, kernel, w1cfg, ratio)
                pair = [H5asyncSync(storage), H5asyncAsync(storage)]
                best = best_of(_rounds(rounds, storage), pair,
                               lambda v: w1_run(v, storage, kernel, w1cfg, units))
                _record_sweep(results, "W1", storage, ratio, best, steps, elems * 8)
        path = storage.path("sweep-w2.h5")
        base_sum = w2_prepare(path, steps, elems)
        with storage:
            for ratio in ratios:
                units, _ = w2_units(storage, kernel, w2cfg, path, base_sum, ratio)
                pair = [H5asyncSync(storage), H5asyncAsync(storage)]
                best = best_of(_rounds(rounds, storage), pair,
                               lambda v: w2_once(v, storage, kernel, path, steps, units, base_sum))
                _record_sweep(results, "W2", storage, ratio, best, steps, elems * 8)
        os.unlink(path)


def _record_sweep(results, workload, storage, ratio, best, steps, step_bytes):
    sync, asy = best["h5async sync"], best["h5async async"]
    m = overlap_metrics(sync, asy["wall"])
    row = record(results, workload, "sweep", storage.name, "h5async async", asy,
                 target_ratio=ratio, ratio=m["t_compute"] / m["t_io"], t_sync=sync["wall"],
                 steps=steps, step_bytes=step_bytes, cpu_sync_s=sync.get("cpu_s"), **m)
    log(f"  {workload} sweep {storage.name} ratio {ratio:g} (measured {row['ratio']:.2f}): "
        f"T_sync {sync['wall']:.3f} T_async {asy['wall']:.3f} T_ideal {m['t_ideal']:.3f} "
        f"hidden {m['hidden']:.2f} eff {m['efficiency']:.2f}")


__all__ = ["w1", "w2", "sweep", "Storage"]
