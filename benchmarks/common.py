"""Harness shared by the workloads: storage modes, the three variants, a
calibrated compute kernel, peak-RSS measurement and the result records.

The suite imports this module only after it has put the chosen h5py first
on sys.path (see suite.py), so ``import h5py`` here is that h5py.
"""
import gc
import os
import platform
import resource
import sys
import time

import numpy as np

import h5async
import h5py

now = time.perf_counter
MiB = 1 << 20


# --------------------------------------------------------------------------
# Storage modes

def fsync_path(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def evict_path(path):
    """Write the file's dirty pages and drop it from the page cache, so the
    next read comes from the disk (no root needed, unlike drop_caches)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


class Storage:
    """Where a run's bytes go.

    local   the file system under `tmpdir`; writes end in the page cache.
    fsync   the same, with os.fsync() of the file after close inside the
            timed region (writes); reads start from a cold cache: the file is
            fsynced and evicted with POSIX_FADV_DONTNEED before the run.
    remote  local, plus h5async.emulate_storage(bandwidth, latency): every
            dataset transfer sleeps latency + nbytes/bandwidth on the thread
            that executes it (the I/O thread when asynchronous), leaving the
            CPU free, as a parallel file system would.  The h5py variant gets
            the same delay in the calling thread after each transfer
            (Variant.delay), so the three variants pay the same storage cost.
    """

    LABELS = {"local": "local (page cache)", "fsync": "local + fsync",
              "remote": "emulated remote"}

    def __init__(self, name, tmpdir, bandwidth=200e6, latency=2e-3):
        if name not in self.LABELS:
            raise ValueError(f"unknown storage {name!r}")
        self.name, self.tmpdir = name, tmpdir
        self.bandwidth, self.latency = bandwidth, latency

    @property
    def label(self):
        if self.name == "remote":
            return (f"emulated remote ({self.bandwidth / 1e6:g} MB/s, "
                    f"{self.latency * 1e3:g} ms/request)")
        return self.LABELS[self.name]

    def __enter__(self):
        if self.name == "remote":
            h5async.emulate_storage(bandwidth=self.bandwidth, latency=self.latency)
        else:
            h5async.emulate_storage()
        return self

    def __exit__(self, *exc):
        h5async.emulate_storage()

    def delay(self, nbytes):
        """What the emulated storage charges the h5py variant for a transfer."""
        if self.name == "remote":
            time.sleep(self.latency + nbytes / self.bandwidth)

    def path(self, name):
        return os.path.join(self.tmpdir, name)

    def after_close(self, path):
        if self.name == "fsync":
            fsync_path(path)

    def before_read(self, path):
        if self.name == "fsync":
            evict_path(path)


# --------------------------------------------------------------------------
# Variants: the same workload code runs on each

class Variant:
    """One way of doing the I/O.  read() starts a read and returns a handle
    that result() turns into the array: for the synchronous variants the
    read happens in read() and result() is the identity."""

    name = "?"
    is_async = False

    def __init__(self, storage):
        self.storage = storage

    def open(self, path, mode):
        raise NotImplementedError

    def create(self, f, name, data=None, **kw):
        return f.create_dataset(name, data=data, **kw)

    def write(self, d, key, arr):
        d[key] = arr

    def read(self, d, key):
        return d[key]

    def result(self, pending):
        return pending

    def close(self, f):
        f.close()


class H5pyVariant(Variant):
    name = "h5py"

    def open(self, path, mode):
        return h5py.File(path, mode)

    def create(self, f, name, data=None, **kw):
        d = f.create_dataset(name, data=data, **kw)
        if data is not None:
            self.storage.delay(np.asarray(data).nbytes)
        return d

    def write(self, d, key, arr):
        d[key] = arr
        self.storage.delay(arr.nbytes)

    def read(self, d, key):
        a = d[key]
        self.storage.delay(a.nbytes)
        return a


class H5asyncSync(Variant):
    name = "h5async sync"

    def open(self, path, mode):
        return h5async.File(path, mode)


class H5asyncAsync(Variant):
    """The same code as H5asyncSync, the file opened with es=EventSet():
    writes, creates and the close are queued; reads go through
    Dataset.read() futures."""

    name = "h5async async"
    is_async = True

    def open(self, path, mode):
        return h5async.File(path, mode, es=h5async.EventSet())

    def read(self, d, key):
        return d.read(key)

    def result(self, pending):
        return pending.result()

    def close(self, f):
        es = f.es
        f.close()
        es.wait()
        es.close()


VARIANTS = (H5pyVariant, H5asyncSync, H5asyncAsync)


def make_variants(storage):
    return [cls(storage) for cls in VARIANTS]


# --------------------------------------------------------------------------
# Compute kernel

class Kernel:
    """CPU work in calibrated units.  One unit is np.sin over 256 Ki float64
    (2 MiB, cache resident, so it competes little with the I/O thread for
    memory bandwidth); it runs on the calling thread."""

    def __init__(self):
        self.x = np.linspace(0.0, 1.0, 1 << 18)
        self.y = np.empty_like(self.x)
        self.unit_s = self.calibrate()

    def run(self, units):
        x, y = self.x, self.y
        for _ in range(units):
            np.sin(x, out=y)

    def calibrate(self):
        self.run(20)
        samples = []
        for _ in range(7):
            t0 = now()
            self.run(20)
            samples.append((now() - t0) / 20)
        return float(np.median(samples))

    def units_for(self, seconds):
        return max(1, int(round(seconds / self.unit_s)))


# --------------------------------------------------------------------------
# Measurement

def reset_peak_rss():
    """Reset the kernel's peak-RSS counter (VmHWM) for this process."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss_mib():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_TRASH = []
_COUNTER = [0]


def fresh_path(storage, stem):
    """A new file name for one run: no run truncates or overwrites the file
    of an earlier one (which costs the kernel time inside the timed run)."""
    _COUNTER[0] += 1
    return storage.path(f"{stem}-{_COUNTER[0]}.h5")


def discard(path):
    """Delete `path` at the next settle(), outside any timed region."""
    if path:
        _TRASH.append(path)


def settle():
    """Between runs: nothing pending, old files gone, garbage collected,
    peak RSS reset."""
    h5async.drain()
    while _TRASH:
        try:
            os.unlink(_TRASH.pop())
        except FileNotFoundError:
            pass
    gc.collect()
    reset_peak_rss()


def measured(fn, *args, **kw):
    """Run fn (which times itself: 'wall' in its result) and add the peak
    RSS and the CPU time of the whole process (every thread) it took."""
    settle()
    cpu0 = time.process_time()
    res = fn(*args, **kw)
    res["cpu_s"] = time.process_time() - cpu0
    res["peak_rss_mib"] = peak_rss_mib()
    return res


def best_of(rounds, variants, run_one, warmup=False):
    """Run every variant `rounds` times, interleaved and in a rotating order
    so that slow phases of a noisy machine hit every variant alike.  Returns
    {variant name: the result of its fastest round}, each with the wall
    times of all rounds ('walls'), every round's result ('runs') and the
    largest peak RSS seen.

    warmup: first run every variant once, untimed.  The first large
    allocations of a process are slower (fresh pages from the kernel), and
    would otherwise penalise whichever variant runs first."""
    runs = {v.name: [] for v in variants}
    n = len(variants)
    if warmup:
        for v in variants:
            measured(run_one, v)
    for r in range(rounds):
        for v in variants[r % n:] + variants[:r % n]:
            runs[v.name].append(measured(run_one, v))
    best = {}
    for name, rs in runs.items():
        b = dict(min(rs, key=lambda x: x["wall"]))
        b["walls"] = [x["wall"] for x in rs]
        b["runs"] = rs
        b["peak_rss_mib"] = max(x["peak_rss_mib"] for x in rs)
        best[name] = b
    return best


def ideal_pipeline(pre, first, second, post):
    """Wall time of a perfect two-stage pipeline: first[0], then for each
    later step the larger of first[i] and second[i-1], then second[-1];
    pre and post (open, close, fsync) cannot overlap anything."""
    t = pre + first[0]
    for i in range(1, len(first)):
        t += max(first[i], second[i - 1])
    return t + second[-1] + post


def pipeline_stats(runs):
    """T_compute, T_io and T_ideal from the synchronous runs of a loop.

    Each run has 'pre', 'post', 'compute' and 'io' (per-step seconds) and
    'io_first' (W2 reads block i before processing it; W1 computes step i
    before writing it).  Each step's time is its minimum over the rounds,
    so one disturbed round does not inflate T_ideal (which would flatter
    the asynchronous run)."""
    def low(key):
        return [min(r[key][i] for r in runs) for i in range(len(runs[0][key]))]
    comp, io = low("compute"), low("io")
    pre, post = min(r["pre"] for r in runs), min(r["post"] for r in runs)
    first, second = (io, comp) if runs[0]["io_first"] else (comp, io)
    return {"t_compute": sum(comp), "t_io": pre + sum(io) + post,
            "t_ideal": ideal_pipeline(pre, first, second, post)}


def overlap_metrics(sync, t_async):
    """Hidden fraction and overlap efficiency of an asynchronous run against
    the synchronous runs of the same binding (see pipeline_stats)."""
    st = pipeline_stats(sync.get("runs") or [sync])
    t_sync = sync["wall"]
    gain = t_sync - t_async
    low = min(st["t_compute"], st["t_io"])
    hidden = gain / low if low > 0 else float("nan")
    span = t_sync - st["t_ideal"]
    eff = gain / span if span > 0 else float("nan")
    return {"hidden": hidden, "efficiency": eff, **st}


def record(results, workload, phase, storage, variant, res, **metrics):
    """Append one row of the results table."""
    row = {"workload": workload, "phase": phase, "storage": storage,
           "variant": variant, "wall_s": res.get("wall"),
           "walls": res.get("walls", [res.get("wall")]),
           "cpu_s": res.get("cpu_s"), "peak_rss_mib": res.get("peak_rss_mib")}
    row.update(metrics)
    results.append(row)
    return row


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Environment

def _cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _fs_of(path):
    path = os.path.realpath(path)
    best, fstype = "", "?"
    try:
        with open("/proc/mounts") as fh:
            for line in fh:
                parts = line.split()
                mnt = parts[1]
                if path == mnt or path.startswith(mnt.rstrip("/") + "/") or mnt == "/":
                    if len(mnt) >= len(best):
                        best, fstype = mnt, f"{parts[2]} on {parts[0]} ({mnt})"
    except OSError:
        pass
    return fstype


def _git_describe():
    import subprocess
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        return subprocess.run(["git", "-C", here, "describe", "--always", "--dirty"],
                              capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def environment(tmpdir):
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "source": _git_describe(),
        "h5async": f"h5async {h5async.__version__} (HDF5 {h5async.hdf5_version})",
        "h5async_hdf5": h5async.hdf5_version,
        "h5py": h5py.__version__,
        "h5py_hdf5": h5py.version.hdf5_version,
        "h5py_path": os.path.dirname(os.path.dirname(h5py.__file__)),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(mem / (1 << 30), 1),
        "kernel": platform.release(),
        "tmpdir": tmpdir,
        "filesystem": _fs_of(tmpdir),
        "staging_limit_mib": h5async.stats()["staging_limit"] / MiB,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "loadavg_start": os.getloadavg(),
    }
