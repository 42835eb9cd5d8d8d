"""Review tests of the cap-sized staging pool (src/core/stagepool.c, ed6dc76)
and of the engine's wake-ups once waiting threads help (src/core/engine.c:
help_locked, ha_submit's one wake-up per sleep, ha_run's fast path).

Memory pressure is simulated with madvise(MADV_PAGEOUT) over the process's
large anonymous mappings: the kernel then discards at once every page that
is marked MADV_FREE and still clean (exactly what pressure does to a pooled
buffer), while dirty anonymous pages are kept (or swapped and kept).  So a
staged write whose pages were still marked free when written would lose
data here.

Every scenario runs in a subprocess with a timeout (a lost wake-up is a
hang, a pool race a crash or wrong bytes), reads the data back and compares;
nothing asserts on timings.  The pool's own counters are read through the
extension's exported C symbols (ctypes) where a test needs them.
"""
import os
import sys

import numpy as np
import pytest

import h5async
from subproc import check_ok, run_script

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="MADV_FREE / MADV_PAGEOUT / /proc are Linux's")
# ASan's allocator keeps freed memory in quarantine and maps its own way:
# RSS and VmSize say nothing about the pool there.
ALLOCATOR_FIGURES = pytest.mark.skipif(bool(os.environ.get("H5ASYNC_SANITIZED")),
                                       reason="memory figures are meaningless under ASan")

# Shared prelude of the scripts: ctypes access to the pool, simulated pressure.
PRELUDE = r"""
import ctypes, os, sys, threading, time
import numpy as np
import h5async, h5async._h5async as _ext
MiB = 1 << 20
lib = ctypes.CDLL(_ext.__file__)
lib.ha_stage_alloc.restype = ctypes.c_void_p
lib.ha_stage_alloc.argtypes = [ctypes.c_size_t]
lib.ha_stage_free.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
lib.ha_stage_pool_bytes.restype = ctypes.c_size_t
lib.ha_stage_pool_limit.argtypes = [ctypes.c_uint64]
lib.ha_stage_pool_idle.argtypes = [ctypes.c_double]
libc = ctypes.CDLL(None, use_errno=True)
libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
MADV_PAGEOUT = 21

def pageout():
    # Drop every clean MADV_FREE page of the big anonymous mappings now.
    for line in open("/proc/self/maps"):
        parts = line.split()
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        if parts[1].startswith("rw") and len(parts) < 6 and hi - lo >= 2 * MiB:
            libc.madvise(lo, hi - lo, MADV_PAGEOUT)

def vmsize():
    for line in open("/proc/self/status"):
        if line.startswith("VmSize"):
            return int(line.split()[1]) * 1024

class Pressure:
    # A thread that keeps paging out while the scenario runs.
    def __init__(self):
        self.stop = threading.Event()
        self.rounds = 0
        self.t = threading.Thread(target=self.run, daemon=True)
    def run(self):
        while not self.stop.is_set():
            pageout()
            self.rounds += 1
            time.sleep(0.002)
    def __enter__(self):
        self.t.start(); return self
    def __exit__(self, *a):
        self.stop.set(); self.t.join()

def pattern(seed, n):
    # Bytes that differ with seed and position: detects a buffer shared by
    # two writes, zeroed pages and stale pooled content alike.  Plain
    # arithmetic: nothing imported lazily (a fork must not inherit a thread's
    # import lock).
    i = np.arange(n, dtype=np.uint64)
    h = (i + np.uint64(seed * 7919 + 1)) * np.uint64(2654435761)
    return ((h >> np.uint64(13)) & np.uint64(255)).astype(np.uint8)
"""


def run(code, *args, timeout=150, env=None):
    return check_ok(run_script(PRELUDE + code, *args, timeout=timeout, env=env))


@ALLOCATOR_FIGURES
def test_pageout_simulation_discards_pooled_pages(tmp_path):
    # The premise of the pressure tests: pooled buffers are MADV_FREE, so
    # a page-out drops their pages (RSS falls by about what is pooled; shown,
    # not asserted: RSS is noisy) and the data already written stays intact.
    out = run(r"""
p = sys.argv[1]
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) * 1024
with h5async.File(p, "w") as f:
    d = f.create_dataset("x", shape=(6, 24 * MiB + 123), dtype="u1")
    es = h5async.EventSet()
    for i in range(6):
        d.write(np.s_[i], pattern(i, d.shape[1]), es=es)
    assert es.wait() == 0
    h5async.drain(); h5async.stats()
    pooled = lib.ha_stage_pool_bytes()
    before = rss(); pageout(); after = rss()
    for i in range(6):
        assert (d[i] == pattern(i, d.shape[1])).all(), i
print("ok", pooled > 0, "rss dropped", (before - after) // MiB, "of pooled", pooled // MiB)
""", tmp_path / "f.h5")
    assert out.split()[:2] == ["ok", "True"]


def test_pool_direct_threads_take_and_free_under_pressure(tmp_path):
    # ha_stage_alloc/free straight from four threads (ctypes drops the GIL):
    # sizes from 2 MiB up, most not page multiples, shrinking and growing so
    # buffers are reused for smaller requests; a tiny idle time so sweeps
    # run beside takes; the pool's limit changed at random meanwhile; pages
    # discarded all the while.  Each buffer is filled with its owner's tag
    # and checked before it is freed: a buffer handed to two threads, or
    # one whose pages were still marked free when written, fails.
    out = run(r"""
lib.ha_stage_pool_idle(0.003)
errors = []
stop = threading.Event()
def worker(k):
    rng = np.random.default_rng(k)
    try:
        for it in range(120):
            n = int(rng.integers(2 * MiB, 20 * MiB)) + int(rng.integers(0, 4096))
            if it % 5 == 0:
                n = 2 * MiB + int(rng.integers(0, 3))  # the smallest pooled size
            p = lib.ha_stage_alloc(n)
            assert p, "alloc failed"
            tag = (k * 41 + it) % 251 + 1
            ctypes.memset(p, tag, n)
            time.sleep(0.0005)
            a = np.ctypeslib.as_array((ctypes.c_uint8 * n).from_address(p))
            bad = np.flatnonzero(a != tag)
            assert bad.size == 0, f"thread {k} it {it}: {bad.size} bytes changed, first at {bad[0]} of {n}"
            lib.ha_stage_free(p, n)
    except BaseException as e:
        errors.append(e)
def limits():
    rng = np.random.default_rng(99)
    while not stop.is_set():
        lib.ha_stage_pool_limit(int(rng.choice([0, 8 * MiB, 64 * MiB, 1 << 40])))
        time.sleep(0.001)
with Pressure() as pr:
    lt = threading.Thread(target=limits); lt.start()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in ts: t.start()
    for t in ts: t.join()
    stop.set(); lt.join()
assert not errors, errors
lib.ha_stage_pool_limit(1 << 40)
lib.ha_stage_trim()
assert lib.ha_stage_pool_bytes() == 0
print("ok", pr.rounds > 0)
""", timeout=180)
    assert out.split() == ["ok", "True"]


def test_queued_writes_intact_under_pressure(tmp_path):
    # Two threads queue large writes (non-page-multiple rows, sizes that
    # shrink and grow so pooled buffers are reused for smaller writes) and
    # scribble over their arrays right after each submit, while pages are
    # discarded: what is read back, in this process and after reopening,
    # is exactly what was passed.
    out = run(r"""
p = sys.argv[1]
rows, width = 24, 9 * MiB + 4093
f = h5async.File(p, "w")
ds = [f.create_dataset(f"x{k}", shape=(rows, width), dtype="u1") for k in range(2)]
errors = []
def size(i):
    return [width, width // 2 + 1, 3 * MiB + 7, width - 4096 * 3, 2 * MiB, width // 3][i % 6]
def worker(k):
    try:
        es = h5async.EventSet()
        d = ds[k]
        for i in range(rows):
            n = size(i)
            a = pattern(1000 * k + i, n)
            d.write(np.s_[i, :n], a, es=es)
            a[:] = 0xEE  # the staged copy must not see this
            if i % 4 == 3:
                assert es.wait() == 0
        assert es.wait() == 0
        for i in range(rows):
            n = size(i)
            got = d[i, :n]
            assert (got == pattern(1000 * k + i, n)).all(), (k, i)
    except BaseException as e:
        errors.append(e)
with Pressure():
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in ts: t.start()
    for t in ts: t.join()
assert not errors, errors
f.close()
with h5async.File(p, "r") as g:
    for k in range(2):
        for i in range(rows):
            n = size(i)
            assert (g[f"x{k}"][i, :n] == pattern(1000 * k + i, n)).all(), (k, i)
print("ok")
""", tmp_path / "f.h5")
    assert out.strip() == "ok"


def test_staging_limit_changed_while_writes_queued(tmp_path):
    # set_staging_limit toggled between below one write and far above,
    # while two threads queue large writes (backpressure waits, pool limit
    # changes under the pool's users).  No hang, and every row is intact.
    out = run(r"""
p = sys.argv[1]
rows, width = 40, 3 * MiB + 11
f = h5async.File(p, "w")
ds = [f.create_dataset(f"x{k}", shape=(rows, width), dtype="u1") for k in range(2)]
errors = []
stop = threading.Event()
def worker(k):
    try:
        es = h5async.EventSet()
        for i in range(rows):
            a = pattern(77 * k + i, width)
            ds[k].write(np.s_[i], a, es=es)
            a[:] = 0
        assert es.wait() == 0
    except BaseException as e:
        errors.append(e)
def toggle():
    lims = [2 * MiB, 64 * MiB, 1 << 30, 5 * MiB]
    i = 0
    while not stop.is_set():
        h5async.set_staging_limit(lims[i % 4]); i += 1
        time.sleep(0.003)
with Pressure():
    tg = threading.Thread(target=toggle); tg.start()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in ts: t.start()
    for t in ts: t.join()
    stop.set(); tg.join()
assert not errors, errors
h5async.drain()
assert h5async.stats()["held_bytes"] == 0
for k in range(2):
    for i in range(rows):
        assert (ds[k][i] == pattern(77 * k + i, width)).all(), (k, i)
f.close()
print("ok")
""", tmp_path / "f.h5")
    assert out.strip() == "ok"


def test_huge_staging_limit_from_environment(tmp_path):
    # H5ASYNC_STAGING_LIMIT=100G: the pool's limit is then larger than the
    # machine; it still keeps at most its 64 slots, and data stays intact.
    out = run(r"""
p = sys.argv[1]
assert h5async.stats()["staging_limit"] == 100 << 30
with h5async.File(p, "w") as f:
    d = f.create_dataset("x", shape=(80, 2 * MiB + 1), dtype="u1")
    es = h5async.EventSet()
    for i in range(80):
        d.write(np.s_[i], pattern(i, d.shape[1]), es=es)
    assert es.wait() == 0
    h5async.drain(); h5async.stats()
    pooled = lib.ha_stage_pool_bytes()
    assert pooled <= 64 * d.shape[1], pooled
    with Pressure():
        for i in range(80):
            d.write(np.s_[i], pattern(500 + i, d.shape[1]), es=es)
        assert es.wait() == 0
    for i in range(80):
        assert (d[i] == pattern(500 + i, d.shape[1])).all(), i
print("ok")
""", tmp_path / "f.h5", env={"H5ASYNC_STAGING_LIMIT": "100G"})
    assert out.strip() == "ok"


@ALLOCATOR_FIGURES
def test_pool_holds_no_more_than_the_staging_cap(tmp_path):
    # Writes of shrinking sizes: a ~cap-sized buffer enters the pool, then
    # is reused by writes of half, a quarter ... down to ~2 MiB; it goes
    # back counted at ~2 MiB while it still holds (and maps) ~128 MiB, which
    # leaves room for the next large buffer.  Emptying the pool then gives
    # back what it really held: no more than the cap, says docs/semantics.md.
    out = run(r"""
p = sys.argv[1]
cap = 256 * MiB
h5async.set_staging_limit(cap)
with h5async.File(p, "w") as f:
    d = f.create_dataset("x", shape=(cap,), dtype="u1")
    es = h5async.EventSet()
    R = 2 * MiB + 4096
    for k in range(6):
        room = cap - lib.ha_stage_pool_bytes()
        J = 0
        while (R << (J + 1)) <= room:
            J += 1
        for j in range(J, -1, -1):
            n = R << j
            d.write(np.s_[:n], pattern(j, n), es=es)
            assert es.wait() == 0
            h5async.drain(); h5async.stats()
            assert (d[:n] == pattern(j, n)).all()
        R += 4096
    counted = lib.ha_stage_pool_bytes()
    before = vmsize(); lib.ha_stage_trim(); held = before - vmsize()
print("counted", counted // MiB, "held", held // MiB, "cap", cap // MiB)
assert counted <= cap
assert held <= cap + 16 * MiB, f"the pool held {held // MiB} MiB under a {cap // MiB} MiB cap"
""", tmp_path / "f.h5")
    assert "held" in out


def test_lowering_the_staging_limit_trims_the_pool(tmp_path):
    out = run(r"""
p = sys.argv[1]
h5async.set_staging_limit(512 * MiB)
with h5async.File(p, "w") as f:
    d = f.create_dataset("x", shape=(8, 32 * MiB), dtype="u1")
    es = h5async.EventSet()
    for i in range(8):
        d.write(np.s_[i], pattern(i, d.shape[1]), es=es)
    assert es.wait() == 0
    h5async.drain(); h5async.stats()
    # how many buffers the writes left depends on how far the I/O thread
    # kept up: fill the pool for certain
    bufs = [lib.ha_stage_alloc(32 * MiB) for _ in range(8)]
    for b in bufs:
        lib.ha_stage_free(b, 32 * MiB)
    assert lib.ha_stage_pool_bytes() >= 256 * MiB
    h5async.set_staging_limit(8 * MiB)
    assert lib.ha_stage_pool_bytes() <= 8 * MiB  # at once
    # a large write and its completion: the pool's next alloc and free
    d.write(np.s_[0], pattern(100, d.shape[1]), es=es)
    assert es.wait() == 0
    h5async.drain(); h5async.stats()
    assert (d[0] == pattern(100, d.shape[1])).all()
    for i in range(1, 8):
        assert (d[i] == pattern(i, d.shape[1])).all()
    pooled = lib.ha_stage_pool_bytes()
print("pooled", pooled // MiB)
assert pooled <= 8 * MiB, f"{pooled // MiB} MiB pooled under an 8 MiB cap"
""", tmp_path / "f.h5")
    assert "pooled" in out


# ---- wake-ups ------------------------------------------------------------------
#
# A waiter that helps or waits in slices re-signals the I/O thread itself,
# which would hide a lost wake-up.  h5async.drain() and backpressure waits
# do neither: they only wait for completions, so a task queued with the I/O
# thread asleep and nobody woken hangs them (caught by the timeout).

def test_first_submits_race_the_io_thread_start(tmp_path):
    # Fresh interpreters in which four threads make their first async
    # submits at once (the I/O thread is created by one of them, the others
    # queue while it starts), then wait only with drain().
    code = r"""
p = sys.argv[1]
f = h5async.File(p, "w")   # synchronous: inline, the I/O thread not started yet
ds = [f.create_dataset(f"x{k}", shape=(64,), dtype="i8") for k in range(4)]
big = f.create_dataset("big", shape=(4, 2 * MiB), dtype="u1")
go = threading.Barrier(4)
errors = []
def worker(k):
    try:
        es = h5async.EventSet()
        go.wait()
        big.write(np.s_[k], pattern(k, 2 * MiB), es=es)  # too large to be helped
        for i in range(64):
            ds[k].write(np.s_[i], np.int64(k * 1000 + i), es=es)
        h5async.drain()
        assert es.num_in_progress == 0
    except BaseException as e:
        errors.append(e)
ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
for t in ts: t.start()
for t in ts: t.join()
assert not errors, errors
for k in range(4):
    assert (ds[k][...] == k * 1000 + np.arange(64)).all()
    assert (big[k] == pattern(k, 2 * MiB)).all()
f.close()
print("ok")
"""
    for r in range(4):
        assert run(code, tmp_path / f"f{r}.h5", timeout=60).strip() == "ok"


def test_wakeups_helpers_drain_cancel_and_timeouts_mixed(tmp_path):
    # Every way of waiting at once, on one file: helpers (sync reads queued
    # behind large writes, Future.result with tiny timeouts, es.wait(0)
    # polling), non-helping waiters (drain(), backpressure under a small
    # cap), and cancels.  Each thread checks what it reads; the final
    # content is checked after a drain().
    out = run(r"""
p = sys.argv[1]
h5async.set_staging_limit(6 * MiB)  # a few large writes fill it: backpressure
n_small, width = 400, 8
f = h5async.File(p, "w")
small = f.create_dataset("small", shape=(4, n_small, width), dtype="i8")
big = f.create_dataset("big", shape=(4, 2 * MiB + 8), dtype="u1")
errors = []
def sync_after_big(k):
    es = h5async.EventSet()
    for i in range(60):
        big.write(np.s_[k], pattern(i, big.shape[1]), es=es)  # not helpable
        small[k, i % n_small] = np.full(width, i)               # sync: queued behind
        assert (small[k, i % n_small] == i).all()
    assert es.wait() == 0
    assert (big[k] == pattern(59, big.shape[1])).all()
def futures_tiny_timeouts(k):
    es = h5async.EventSet()
    for i in range(n_small):
        small.write(np.s_[k, i], np.full(width, i + 1), es=es)
        fut = small.read(np.s_[k, i], es=es)
        while True:
            try:
                got = fut.result(timeout=0.0002)
                break
            except TimeoutError:
                pass
        assert (got == i + 1).all()
    assert es.wait() == 0
def poll_wait_zero(k):
    es = h5async.EventSet()
    for i in range(0, n_small, 4):
        for j in range(4):
            small.write(np.s_[k, i + j], np.full(width, -(i + j)), es=es)
        if i % 16 == 0:
            big.write(np.s_[k], pattern(1000 + i, big.shape[1]), es=es)
        while es.wait(0) != 0:
            pass
    assert (small[k] == -np.arange(n_small)[:, None]).all()
def drainer_and_canceller(k):
    for r in range(40):
        es = h5async.EventSet()
        for i in range(20):
            small.write(np.s_[k, (r * 20 + i) % n_small], np.full(width, 7), es=es)
        big.write(np.s_[k], pattern(2000 + r, big.shape[1]), es=es)
        if r % 2:
            es.cancel()
        h5async.drain()
        assert es.num_in_progress == 0
        es.close()
    # what is left is known only after the last round: rewrite and check
    es = h5async.EventSet()
    big.write(np.s_[k], pattern(3000, big.shape[1]), es=es)
    small.write(np.s_[k], np.full((n_small, width), 3), es=es)
    h5async.drain()
    assert (big[k] == pattern(3000, big.shape[1])).all()
    assert (small[k] == 3).all()
def run_(fn, k):
    try:
        fn(k)
    except BaseException as e:
        errors.append((fn.__name__, e))
fns = [sync_after_big, futures_tiny_timeouts, poll_wait_zero, drainer_and_canceller]
ts = [threading.Thread(target=run_, args=(fn, k)) for k, fn in enumerate(fns)]
for t in ts: t.start()
for t in ts: t.join()
assert not errors, errors
h5async.drain()
st = h5async.stats()
assert st["queued"] == 0 and st["held_bytes"] == 0, st
assert (small[1] == np.arange(1, n_small + 1)[:, None]).all()
f.close()
print("ok", st["helped_runs"] > 0)
""", tmp_path / "f.h5", timeout=240)
    assert out.split()[0] == "ok"


def test_fork_children_drain_without_helping(tmp_path):
    # The parent keeps two threads submitting (large and small writes,
    # helping reads) while it forks; each child queues writes and waits with
    # drain() only, so its fresh I/O thread must be started and woken, and
    # stages large writes through the pool it inherited.
    out = run(r"""
import multiprocessing as mp, warnings
warnings.simplefilter("ignore")
p = sys.argv[1]
f = h5async.File(p, "w")
d = f.create_dataset("x", shape=(2, 3 * MiB), dtype="u1")
ss = [f.create_dataset(f"s{k}", shape=(1000,), dtype="i8") for k in range(2)]
stop = threading.Event()
errors = []
def parent_worker(k):
    try:
        es = h5async.EventSet()
        i = 0
        while not stop.is_set():
            if k == 0:
                d.write(np.s_[i % 2], pattern(i, 3 * MiB), es=es)
            ss[k].write(np.s_[i % 1000], np.int64(i), es=es)
            assert ss[k].read(np.s_[i % 1000], es=es).result() == i
            i += 1
        assert es.wait() == 0
    except BaseException as e:
        errors.append(e)
def child(path, k):
    try:
        with h5async.File(path, "w") as g:
            x = g.create_dataset("y", shape=(4, 2 * MiB + 5), dtype="u1")
            es = h5async.EventSet()
            for i in range(4):
                x.write(np.s_[i], pattern(k * 10 + i, x.shape[1]), es=es)
            h5async.drain()
            assert es.num_in_progress == 0
            for i in range(4):
                assert (x[i] == pattern(k * 10 + i, x.shape[1])).all()
        os._exit(0)
    except BaseException as e:
        print("child", k, repr(e), file=sys.stderr, flush=True)
        os._exit(3)
ts = [threading.Thread(target=parent_worker, args=(k,), daemon=True) for k in range(2)]
for t in ts: t.start()
ctx = mp.get_context("fork")
for k in range(8):
    pr = ctx.Process(target=child, args=(p + f".{k}", k))
    pr.start(); pr.join(60)
    if pr.exitcode != 0:
        stop.set()
        raise SystemExit(f"child {k}: exit {pr.exitcode}")
stop.set()
for t in ts: t.join()
assert not errors, errors
h5async.drain()
f.close()
for k in range(8):
    with h5async.File(p + f".{k}", "r") as g:
        for i in range(4):
            assert (g["y"][i] == pattern(k * 10 + i, g["y"].shape[1])).all()
print("ok")
""", tmp_path / "f.h5", timeout=240)
    assert out.strip() == "ok"


def test_exit_drain_with_threads_still_submitting(tmp_path):
    # The script ends with large and small writes queued while daemon
    # threads keep submitting (queued, then run synchronously once the exit
    # drain begins); a second process reads back what each thread reports
    # as submitted before the exit.
    p = tmp_path / "f.h5"
    code = r"""
p = sys.argv[1]
f = h5async.File(p, "w")
big = f.create_dataset("big", shape=(6, 2 * MiB + 17), dtype="u1")
small = f.create_dataset("small", shape=(3, 100000), dtype="i8")
small[...] = -1
es = h5async.EventSet()
for i in range(6):
    big.write(np.s_[i], pattern(i, big.shape[1]), es=es)
go = threading.Barrier(4)
def submitter(k):
    es2 = h5async.EventSet()
    go.wait()
    for i in range(100000):
        try:
            small.write(np.s_[k, i], np.int64(i), es=es2)
        except Exception:
            return  # the file closed under us at exit: nothing more is written
for k in range(3):
    threading.Thread(target=submitter, args=(k,), daemon=True).start()
go.wait()
time.sleep(0.05)
print("exiting", flush=True)
"""
    out = run(code, p, timeout=120)
    assert "exiting" in out
    out = run(r"""
with h5async.File(sys.argv[1], "r") as g:
    for i in range(6):
        assert (g["big"][i] == pattern(i, g["big"].shape[1])).all(), i
    s = g["small"][...]
    for k in range(3):
        done = np.flatnonzero(s[k] >= 0)
        # writes run in submission order: a prefix of each thread's row
        assert done.size == 0 or (done == np.arange(done.size)).all(), k
        assert (s[k, :done.size] == np.arange(done.size)).all(), k
print("ok")
""", p)
    assert out.strip() == "ok"


# ---- padding of reused buffers --------------------------------------------------

def test_compound_padding_is_zero_in_a_reused_staging_buffer(tmp_path):
    # A 4 MiB write of 0xAB bytes leaves its staging buffer in the pool; a
    # compound with padding, converted from a strided array (numpy copies
    # it field by field), is staged into that same buffer.  The file must
    # hold zeros in the padding, as it does with fresh memory, not the
    # earlier write's bytes.
    p = tmp_path / "f.h5"
    dt = np.dtype({"names": ["a", "b"], "formats": ["i1", "f8"], "offsets": [0, 8],
                   "itemsize": 16})
    n = (4 << 20) // 16
    es = h5async.EventSet()
    with h5async.File(p, "w") as f:
        raw = f.create_dataset("raw", shape=(n * 16,), dtype="u1")
        raw.write(np.s_[:], np.full(n * 16, 0xAB, "u1"), es=es)
        es.wait()
        d = f.create_dataset("c", shape=(n,), dtype=dt)
        src = np.zeros(2 * n, dtype=dt)[::2]
        src["a"], src["b"] = 1, 2.0
        d.write(np.s_[:], src, es=es)
        es.wait()
    es.close()
    out = check_ok(run_script(r"""
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    d = f["c"]
    off, size = d.id.get_offset(), d.id.get_storage_size()
    assert (d["a"][...] == 1).all() and (d["b"][...] == 2.0).all()
raw = np.fromfile(sys.argv[1], dtype="u1")[off:off + size].reshape(-1, 16)
print(sorted(set(raw[:, 1:8].ravel().tolist())))
""", str(p)))
    assert out.strip() == "[0]"
