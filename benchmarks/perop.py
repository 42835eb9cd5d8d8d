"""W3: per-operation cost of small operations, and the asyncio item of
issue 5 (awaited small reads against synchronous ones and against h5py run
through asyncio.to_thread).

Every operation is timed as a loop of n calls on an open file (page cache,
no emulated latency: what is measured is the binding's own cost).  For the
asynchronous variant two numbers are kept: the submit cost (the loop of
calls, which return at once) and the completed cost (the loop, plus
es.wait() and fetching every Future's result), both per operation.
"""
import asyncio

import numpy as np

import h5async
import h5py

from .common import best_of, log, now, record

M = 10_000          # elements of the 1-D dataset the single-element ops use
OPS = ("read1", "write1", "attr_read", "attr_write", "group_create")
OP_LABELS = {"read1": "single-element read", "write1": "single-element write",
             "attr_read": "attribute read", "attr_write": "attribute write",
             "group_create": "group create"}


class _Open:
    """A variant with its file open for the whole of W3."""

    def __init__(self, name, f, is_async):
        self.name, self.f, self.is_async = name, f, is_async
        self.d = f["d"]
        self.runs = 0


def _prepare(f):
    f.create_dataset("d", data=np.arange(M, dtype="f8"))
    f.attrs["a"] = 1.5


def _loop(v, op, n):
    """n operations of kind `op`; returns (submit s, completed s)."""
    f, d, asy = v.f, v.d, v.is_async
    futs = None
    if op == "group_create":
        v.runs += 1
        g = f.create_group(f"run{v.runs}")
        if asy:
            f.es.wait()
        names = [f"g{i}" for i in range(n)]
    t0 = now()
    if op == "read1":
        if asy:
            futs = [None] * n
            for i in range(n):
                futs[i] = d.read(i % M)
        else:
            for i in range(n):
                d[i % M]
    elif op == "write1":
        for i in range(n):
            d[i % M] = 2.5
    elif op == "attr_read":
        if asy:
            futs = [None] * n
            for i in range(n):
                futs[i] = f.attrs.read("a")
        else:
            for i in range(n):
                f.attrs["a"]
    elif op == "attr_write":
        for i in range(n):
            f.attrs["a"] = 2.5
    elif op == "group_create":
        for name in names:
            g.create_group(name)
    t1 = now()
    if asy:
        f.es.wait()
        if futs:
            for x in futs:
                x.result()
    t2 = now()
    return t1 - t0, t2 - t0


def w3(results, storage, n, rounds, n_groups=None):
    """storage: a local Storage (W3 runs on the page cache only)."""
    n_groups = n_groups or min(n, 5000)
    opened = []
    for name, opener, asy in (
            ("h5py", lambda p: h5py.File(p, "w"), False),
            ("h5async sync", lambda p: h5async.File(p, "w"), False),
            ("h5async async", lambda p: h5async.File(p, "w", es=h5async.EventSet()), True)):
        f = opener(storage.path(f"w3-{name.replace(' ', '-')}.h5"))
        _prepare(f)
        if asy:
            f.es.wait()
        opened.append(_Open(name, f, asy))
    for op in OPS:
        count = n_groups if op == "group_create" else n

        def run_one(v):
            _loop(v, op, min(count, 200))              # warm-up
            submit, total = _loop(v, op, count)
            return {"wall": total, "submit": submit}

        best = best_of(rounds, opened, run_one)
        ref = best["h5py"]["wall"]
        for v in opened:
            res = best[v.name]
            extra = {"us_per_op": res["wall"] / count * 1e6, "n": count, "op": op,
                     "vs_h5py": ref / res["wall"]}
            if v.is_async:
                extra["submit_us"] = res["submit"] / count * 1e6
            record(results, "W3", OP_LABELS[op], storage.name, v.name, res, **extra)
        log("  W3 " + OP_LABELS[op] + ": " + ", ".join(
            f"{v.name} {best[v.name]['wall'] / count * 1e6:.2f} us" for v in opened)
            + f" (async submit {best['h5async async']['submit'] / count * 1e6:.2f} us)")
    for v in opened:
        v.f.close()
        if v.is_async:
            v.f.es.wait()


def h5py_only(storage, n, rounds):
    """W3 for h5py alone (used to measure another h5py build in a
    subprocess): {op: us per op}."""
    f = h5py.File(storage.path("w3-h5py-only.h5"), "w")
    _prepare(f)
    v = _Open("h5py", f, False)
    out = {}
    for op in OPS:
        count = min(n, 5000) if op == "group_create" else n
        _loop(v, op, min(count, 200))
        out[op] = min(_loop(v, op, count)[1] for _ in range(rounds)) / count * 1e6
    f.close()
    return out


# --------------------------------------------------------------------------
# asyncio (issue 5)

BATCH = 64


async def _ha_await(d, n):
    for i in range(n):
        await d.aread(i % M)


async def _ha_gather(d, n):
    for j in range(0, n, BATCH):
        await asyncio.gather(*[d.aread(k % M) for k in range(j, min(j + BATCH, n))])


async def _ha_sync(d, n):
    for i in range(n):
        d[i % M]


async def _h5py_sync(hd, n):
    for i in range(n):
        hd[i % M]


async def _h5py_to_thread(hd, n):
    get = hd.__getitem__
    for i in range(n):
        await asyncio.to_thread(get, i % M)


async def _h5py_to_thread_gather(hd, n):
    get = hd.__getitem__
    for j in range(0, n, BATCH):
        await asyncio.gather(*[asyncio.to_thread(get, k % M) for k in range(j, min(j + BATCH, n))])


ASYNCIO_CASES = (
    ("await d.aread(i)", "ha", _ha_await),
    (f"gather({BATCH} x d.aread)", "ha", _ha_gather),
    ("h5async sync d[i]", "ha", _ha_sync),
    ("h5py sync d[i]", "h5py", _h5py_sync),
    ("h5py asyncio.to_thread", "h5py", _h5py_to_thread),
    (f"h5py gather({BATCH} x to_thread)", "h5py", _h5py_to_thread_gather),
)


def w3_asyncio(results, storage, n, rounds):
    hf = h5py.File(storage.path("w3a-h5py.h5"), "w")
    af = h5async.File(storage.path("w3a-h5async.h5"), "w")
    for f in (hf, af):
        _prepare(f)
    dsets = {"h5py": hf["d"], "ha": af["d"]}
    loop = asyncio.new_event_loop()
    try:
        class Case:
            def __init__(self, name, side, fn):
                self.name, self.side, self.fn = name, side, fn

        cases = [Case(*c) for c in ASYNCIO_CASES]

        def run_one(c):
            d = dsets[c.side]
            loop.run_until_complete(c.fn(d, min(n, 256)))      # warm-up
            t0 = now()
            loop.run_until_complete(c.fn(d, n))
            return {"wall": now() - t0}

        best = best_of(rounds, cases, run_one)
    finally:
        loop.close()
        hf.close()
        af.close()
    ref = best["h5py asyncio.to_thread"]["wall"]
    for c in cases:
        res = best[c.name]
        record(results, "W3-asyncio", "single-element read", storage.name, c.name, res,
               us_per_op=res["wall"] / n * 1e6, n=n, vs_to_thread=ref / res["wall"])
    log("  W3 asyncio: " + ", ".join(f"{c.name} {best[c.name]['wall'] / n * 1e6:.1f} us"
                                     for c in cases))
