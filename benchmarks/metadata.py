"""W5: metadata-heavy: `count` small datasets (16 float64 each), each with
two attributes, written into one file and read back.

write: create_dataset(name, data=small); attrs["index"] = i; attrs["units"] = "m"
read:  d = f[name]; d[()]; d.attrs["index"]  (asynchronous: d.read() and
       d.attrs.read() futures, all collected before the close)
"""
import numpy as np

from .common import (H5asyncSync, Storage, best_of, discard, fresh_path, fsync_path, log,
                     make_variants, now, record)


def write_once(variant, storage, path, names, small):
    t0 = now()
    f = variant.open(path, "w")
    for i, name in enumerate(names):
        d = variant.create(f, name, data=small)
        d.attrs["index"] = i
        d.attrs["units"] = "m"
    variant.close(f)
    storage.after_close(path)
    return {"wall": now() - t0}


def read_once(variant, storage, path, names, small):
    storage.before_read(path)
    t0 = now()
    f = variant.open(path, "r")
    if variant.is_async:
        futs = []
        for name in names:
            d = f[name]
            futs.append((d.read(), d.attrs.read("index")))
        got = [(a.result(), b.result()) for a, b in futs]
    else:
        got = []
        for name in names:
            d = f[name]
            got.append((variant.read(d, ()), d.attrs["index"]))
    variant.close(f)
    wall = now() - t0
    for i in (0, len(names) // 2, len(names) - 1):
        a, idx = got[i]
        if int(idx) != i or not np.array_equal(a, small):
            raise AssertionError(f"W5 {variant.name}: {names[i]} read back wrong")
    return {"wall": wall}


def w5(results, storages, count, rounds):
    """Write phase: a new file per run, deleted before the next run.  Read
    phase: every variant reads one file, written by h5async and fsynced."""
    names = [f"d{i:05d}" for i in range(count)]
    small = np.arange(16, dtype="f8")
    for k, storage in enumerate(storages):
        local = Storage("local", storage.tmpdir)
        rpath = fresh_path(storage, "w5-read")
        write_once(H5asyncSync(local), local, rpath, names, small)
        fsync_path(rpath)
        with storage:
            variants = make_variants(storage)

            def write_one(v):
                path = fresh_path(storage, f"w5-{v.name.replace(' ', '-')}")
                res = write_once(v, storage, path, names, small)
                discard(path)
                return res

            wbest = best_of(rounds, variants, write_one, warmup=k == 0)
            rbest = best_of(rounds, variants,
                            lambda v: read_once(v, storage, rpath, names, small),
                            warmup=k == 0)
        discard(rpath)
        for phase, best in (("write", wbest), ("read", rbest)):
            ref = best["h5py"]["wall"]
            for v in variants:
                res = best[v.name]
                record(results, "W5", f"{count} datasets {phase}", storage.name, v.name, res,
                       us_per_op=res["wall"] / count * 1e6, vs_h5py=ref / res["wall"], n=count)
            log(f"  W5 {phase} {storage.name}: " + ", ".join(
                f"{v.name} {best[v.name]['wall']:.2f} s" for v in variants))
