"""W4 (large transfers: contiguous and chunked, write and read) and W6
(gzip-compressed chunked write and read).

A dataset of `total` elements is written in slabs (W4: 64 MiB, W6: 16 MiB)
and read back in the same slabs (every variant reads the same file, written
by h5async and fsynced beforehand).  Asynchronous writes are all submitted,
then the close is queued and waited for; asynchronous reads keep two
slabs in flight (read slab k+1 while slab k is handed over).  Every run's
time includes open, create and close (and fsync, or a cold cache for reads,
on 'fsync' storage).  The caller's busy time (inside write calls) is kept
too: for the asynchronous variant it is what the main thread pays (the
staging copy), the rest of the wall time it is free.
"""
import os

import numpy as np

from .common import (H5asyncSync, Storage, best_of, discard, fresh_path, fsync_path, log,
                     make_variants, now, record)


def _slabs(total, slab):
    return [slice(s, min(s + slab, total)) for s in range(0, total, slab)]


def write_once(variant, storage, path, total, slab, src, dcpl):
    busy = 0.0
    t0 = now()
    f = variant.open(path, "w")
    d = variant.create(f, "x", shape=(total,), dtype=src.dtype, **dcpl)
    for sl in _slabs(total, slab):
        tb = now()
        variant.write(d, sl, src[: sl.stop - sl.start])
        busy += now() - tb
    variant.close(f)
    storage.after_close(path)
    return {"wall": now() - t0, "busy": busy}


def read_once(variant, storage, path, total, slab, src):
    storage.before_read(path)
    slabs = _slabs(total, slab)
    last = None
    t0 = now()
    f = variant.open(path, "r")
    d = f["x"]
    if not variant.is_async:
        for sl in slabs:
            last = variant.read(d, sl)
    else:
        pending = variant.read(d, slabs[0])
        for k in range(len(slabs)):
            last = variant.result(pending)
            if k + 1 < len(slabs):
                pending = variant.read(d, slabs[k + 1])
    variant.close(f)
    wall = now() - t0
    if not np.array_equal(last, src[: len(last)]):
        raise AssertionError(f"{variant.name}: {path} read back wrong")
    return {"wall": wall}


def _run(results, workload, phase_prefix, storages, total, slab, src, dcpl, rounds, warmup=True):
    """Write phase: every run writes a new file, deleted before the next run
    (so no run pays for the write-back of an earlier run's dirty pages).
    Read phase: every variant reads the same file, written once by h5async
    and fsynced beforehand."""
    nbytes = total * src.itemsize
    for k, storage in enumerate(storages):
        local = Storage("local", storage.tmpdir)
        rpath = fresh_path(storage, f"{workload}-read")
        write_once(H5asyncSync(local), local, rpath, total, slab, src, dcpl)
        fsync_path(rpath)
        with storage:
            variants = make_variants(storage)
            sizes = {}

            def write_one(v):
                path = fresh_path(storage, f"{workload}-{v.name.replace(' ', '-')}")
                res = write_once(v, storage, path, total, slab, src, dcpl)
                sizes[v.name] = os.path.getsize(path)
                discard(path)
                return res

            wbest = best_of(rounds, variants, write_one, warmup=warmup and k == 0)
            rbest = best_of(rounds, variants,
                            lambda v: read_once(v, storage, rpath, total, slab, src),
                            warmup=warmup and k == 0)
        discard(rpath)
        for phase, best in (("write", wbest), ("read", rbest)):
            ref = best["h5py"]["wall"]
            for v in variants:
                res = best[v.name]
                extra = {"mb_s": nbytes / res["wall"] / 1e6, "vs_h5py": ref / res["wall"],
                         "nbytes": nbytes, "file_bytes": sizes[v.name]}
                if "busy" in res:
                    extra["caller_busy_s"] = res["busy"]
                record(results, workload, f"{phase_prefix} {phase}", storage.name, v.name, res,
                       **extra)
            log(f"  {workload} {phase_prefix} {phase} {storage.name}: " + ", ".join(
                f"{v.name} {nbytes / best[v.name]['wall'] / 1e6:.0f} MB/s" for v in variants))


def w4(results, storages, total_bytes, rounds, slab_bytes=64 << 20, chunk_bytes=1 << 20):
    total = total_bytes // 8
    slab = min(slab_bytes // 8, total)
    src = np.linspace(0.0, 1.0, slab)
    _run(results, "W4", "contiguous", storages, total, slab, src, {}, rounds)
    _run(results, "W4", "chunked", storages, total, slab, src,
         {"chunks": (chunk_bytes // 8,)}, rounds)


def w6_data(n):
    """int32 values a simulation might write: a smooth field with noise in
    the low bits; gzip level 4 compresses it a few times."""
    rng = np.random.default_rng(6)
    x = np.arange(n, dtype=np.float64)
    return (np.sin(x / 5000.0) * 100_000).astype(np.int32) + rng.integers(0, 16, n, dtype=np.int32)


def w6(results, storages, total_bytes, rounds, slab_bytes=16 << 20, chunk_bytes=1 << 20):
    total = total_bytes // 4
    slab = min(slab_bytes // 4, total)
    src = w6_data(slab)
    dcpl = {"chunks": (chunk_bytes // 4,), "compression": "gzip", "compression_opts": 4}
    # gzip runs are CPU bound and their 16 MiB slabs come from reused heap
    # memory: no warm-up round needed
    _run(results, "W6", "gzip", storages, total, slab, src, dcpl, rounds, warmup=False)
