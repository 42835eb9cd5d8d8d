"""Faults and bad input (issue 4, points 4 and 7).

- failures only HDF5 can find are recorded on the event set, typed as h5py
  types them, with dependency errors for work on objects that never came to
  be; an event set dropped with unretrieved failures warns; es.cancel();
- disk full (RLIMIT_FSIZE, SIGXFSZ ignored), permission denied, non-HDF5,
  truncated and corrupted files: OSError, never a crash;
- wrong shapes, dtypes and selections raise at the call, queueing nothing.

Process-wide changes (rlimits, uid) are made in subprocesses.
"""
import concurrent.futures
import contextlib
import errno
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings

import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async

FAILSAFE = 60.0




def run_script(code, *args, timeout=180):
    """Run `code` in a fresh interpreter; returns the CompletedProcess."""
    for _ in range(3):  # retry only an import that lost a race to rebuild the extension
        proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                              capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ))
        if proc.returncode == 0 or "editable package failed" not in proc.stderr:
            break
    return proc


def check_ok(proc):
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def wait_until(pred, what):
    deadline = time.monotonic() + FAILSAFE
    while not pred():
        if time.monotonic() > deadline:
            pytest.fail(f"never became true: {what}")
        time.sleep(0.001)


# ================================================================ recorded errors

def test_dependency_error_names_the_root_failure(tmp_path, es):
    f = h5async.File(str(tmp_path / "dep.h5"), "w", es=es)
    f.create_dataset("x", data=np.arange(4))
    dup = f.create_dataset("x", data=np.arange(4))  # fails: name exists
    dup[0:2] = [9, 9]
    dup.attrs["a"] = 1
    dup.write_direct(np.zeros(4, "i8"), es=es)
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    errs = info.value.exceptions
    assert [type(e) for e in errs] == [ValueError] + [h5async.DependencyError] * 3
    root = errs[0]
    assert root.operation == "create_dataset" and root.object_path == "/x"
    for dep in errs[1:]:
        assert isinstance(dep, RuntimeError)
        assert type(dep.__cause__) is ValueError
        assert str(dep.__cause__) == str(root)
        assert "create_dataset" in str(dep) and "/x" in str(dep)
    assert [e.operation for e in errs[1:]] == ["write", "write_attribute", "write"]
    # The first dataset is untouched.
    assert_array_equal(f["x"][...], np.arange(4))
    f.close(es=None)


def test_dependency_chain_through_a_failed_group(tmp_path, es):
    f = h5async.File(str(tmp_path / "chain.h5"), "w", es=es)
    f.create_group("g")
    bad = f.create_group("g")          # fails
    inner = bad.create_group("inner")  # depends on it
    ds = inner.create_dataset("d", data=[1, 2, 3])
    ds[0] = 5
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    errs = info.value.exceptions
    assert type(errs[0]) is ValueError
    assert all(type(e) is h5async.DependencyError for e in errs[1:])
    assert len(errs) == 4
    for e in errs[1:]:
        assert type(e.__cause__) is ValueError  # the root, not the middle link
        assert e.__cause__.operation == "create_group"
    # Synchronous use of such an object raises at once, with the same cause.
    with pytest.raises(h5async.DependencyError) as info:
        inner["d"]
    assert type(info.value.__cause__) is ValueError
    assert "g" in f and "inner" not in f["g"]
    f.close(es=None)


def test_dependency_on_a_file_that_failed_to_open(tmp_path, es):
    missing = str(tmp_path / "no" / "such.h5")
    f = h5async.File(missing, "r", es=es)
    fut = f.attrs.read("a", es=es)
    exc = fut.exception()
    assert type(exc) is h5async.DependencyError
    assert type(exc.__cause__) is FileNotFoundError
    assert exc.__cause__.errno == errno.ENOENT
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    assert [type(e) for e in info.value.exceptions] == [FileNotFoundError]
    assert info.value.exceptions[0].operation == "open_file"
    with pytest.raises(h5async.DependencyError):
        f["x"]
    f.close(es=None)


@pytest.mark.parametrize("mode, prepare, exc_type", [
    ("r", False, FileNotFoundError),
    ("r+", False, FileNotFoundError),
    ("w-", True, FileExistsError),
    ("x", True, FileExistsError),
])
def test_open_failures_are_typed_like_h5py(tmp_path, es, mode, prepare, exc_type):
    path = str(tmp_path / "o.h5")
    if prepare:
        h5async.File(path, "w").close()
    with pytest.raises(exc_type):
        h5py.File(path, mode)
    with pytest.raises(exc_type):
        h5async.File(path, mode)
    f = h5async.File(path, mode, es=es)
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    (e,) = info.value.exceptions
    assert type(e) is exc_type and isinstance(e, OSError) and e.errno is not None
    assert e.operation == "open_file" and path in e.object_path
    f.close(es=None)


def test_missing_name_operations_have_h5py_types(tmp_path, es):
    f = h5async.File(str(tmp_path / "k.h5"), "w", es=es)
    f.create_group("g")
    f.move("nope", "other", es=es)
    fut = f.attrs.read("nope", es=es)
    assert type(fut.exception()) is KeyError
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    # h5py's H5Lmove failures are ValueError, whatever the cause.
    assert [type(e) for e in info.value.exceptions] == [ValueError]
    assert info.value.exceptions[0].operation == "move"
    f.close(es=None)


def test_eventset_collected_with_unretrieved_failures_warns(tmp_path):
    f = h5async.File(str(tmp_path / "gcw.h5"), "w")

    def forget():
        es = h5async.EventSet()
        f.create_group("g", es=es)
        f.create_group("g", es=es)  # fails
        h5async.drain()             # finished, but nobody looked

    with pytest.warns(RuntimeWarning, match="nobody retrieved"):
        forget()
        gc.collect()
    # The failure is still the file's: its close reports it.
    with pytest.raises(h5async.EventSetError) as info:
        f.close()
    assert [type(e) for e in info.value.exceptions] == [ValueError]


@pytest.mark.parametrize("retrieve", ["wait", "errors", "future", "close"])
def test_no_warning_once_failures_were_retrieved(tmp_path, retrieve):
    f = h5async.File(str(tmp_path / "nowarn.h5"), "w")
    es = h5async.EventSet()
    f.create_group("g", es=es)
    f.create_group("g", es=es)
    fut = f["g"].attrs.read("missing", es=es)
    h5async.drain()
    if retrieve == "wait":
        fut.exception()
        with pytest.raises(h5async.EventSetError):
            es.wait()
    elif retrieve == "errors":
        assert [type(e) for e in es.errors] == [ValueError, KeyError]
    elif retrieve == "future":
        assert type(fut.exception()) is KeyError
        with pytest.raises(h5async.EventSetError):
            f.close()  # takes the create_group failure
        f = None
    else:
        with pytest.raises(h5async.EventSetError):
            es.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        del es
        gc.collect()
    if f is not None:
        f.close()


def test_es_cancel_cancels_queued_work_and_reports_the_running_one(tmp_path, es):
    path = str(tmp_path / "cancel.h5")
    f = h5async.File(path, "w", es=es)
    d = f.create_dataset("x", data=np.arange(10))
    es.wait()
    other = h5async.EventSet()
    assert es.cancel() == 0  # nothing in progress
    h5async.emulate_storage(latency=0.5)
    try:
        running = d.read(es=es)
        wait_until(running.running, "the slow read started")
        queued_read = d.read(np.s_[0:2], es=es)
        d[0:3] = [-1, -1, -1]                       # default es: cancelled too
        nd = f.create_dataset("new", shape=(3,), dtype="i4", es=es)
        nd.write_direct(np.arange(3, dtype="i4"), es=other)  # not in es
        f.attrs.create("a", 1, es=es)
        assert es.num_in_progress == 5
        assert es.cancel() == 1                     # only the running read is left
        assert es.num_in_progress == 1
    finally:
        h5async.emulate_storage()
    assert queued_read.cancelled() and not running.cancelled()
    # Cancelled operations are not failures.
    assert es.wait() == 0
    assert es.op_failed is False
    assert_array_equal(running.result(), np.arange(10))
    # The write in the other set used the dataset whose creation was cancelled.
    with pytest.raises(h5async.EventSetError) as info:
        other.wait()
    (dep,) = info.value.exceptions
    assert type(dep) is h5async.DependencyError
    assert type(dep.__cause__) is concurrent.futures.CancelledError
    other.close()
    assert_array_equal(d[...], np.arange(10))       # the write never ran
    assert "new" not in f and "a" not in f.attrs
    f.close(es=None)
    with h5py.File(path, "r") as h:
        assert list(h) == ["x"] and len(h.attrs) == 0


def test_es_cancel_leaves_other_eventsets_alone(tmp_path, es):
    f = h5async.File(str(tmp_path / "c2.h5"), "w")
    d = f.create_dataset("x", shape=(6,), dtype="i8")
    keep = h5async.EventSet()
    h5async.emulate_storage(latency=0.3)
    try:
        d.write_direct(np.arange(6), es=keep)   # slow, ahead
        d.write_direct(np.arange(6) * 10, es=es)
        d.write_direct(np.arange(6) * 100, es=keep)
        assert es.cancel() == 0
    finally:
        h5async.emulate_storage()
    assert keep.wait() == 0 and es.wait() == 0
    keep.close()
    assert_array_equal(d[...], np.arange(6) * 100)
    f.close()


# ================================================================ disk full

DISK_FULL = """
import errno, os, resource, signal, sys
import numpy as np
import h5async, h5py

path = sys.argv[1]
es = h5async.EventSet()
f = h5async.File(path, "w", es=es)
small = f.create_dataset("small", data=np.arange(1000, dtype="i8"))
f.attrs["before"] = "yes"
f.flush(es=es)
assert es.wait() == 0
size = os.path.getsize(path)

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (size + 4096, hard))
big = f.create_dataset("big", shape=(1_000_000,), dtype="f8")
big[...] = np.ones(1_000_000)        # 8 MB: cannot fit
f.flush(es=es)
try:
    es.wait()
except h5async.EventSetError as eg:
    errs = eg.exceptions
else:
    sys.exit("wait() did not raise")
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

oserrs = [e for e in errs if isinstance(e, OSError)]
assert oserrs, errs
assert all(type(e) is OSError for e in errs), [type(e) for e in errs]
codes = {e.errno for e in oserrs}
assert codes <= {errno.EFBIG, errno.ENOSPC}, codes
write = [e for e in errs if e.operation == "write"]
assert write and write[0].object_path == "/big", [(e.operation, e.object_path) for e in errs]
assert "too large" in str(write[0]).lower() or "space" in str(write[0]).lower()
print("ERRNO", sorted(errno.errorcode[c] for c in codes))

# The earlier data is still readable here, and survives the close.
assert (small[...] == np.arange(1000)).all()
f.es = None
try:
    f.close()
except h5async.EventSetError as eg:
    print("CLOSE", [type(e).__name__ for e in eg.exceptions])
with h5py.File(path, "r") as h:
    assert (h["small"][...] == np.arange(1000)).all()
    assert h.attrs["before"] == "yes"
print("OK")
"""


def test_disk_full_fails_the_background_write_and_keeps_earlier_data(tmp_path):
    out = check_ok(run_script(DISK_FULL, tmp_path / "full.h5"))
    assert "OK" in out
    # RLIMIT_FSIZE makes write(2) fail with EFBIG (checked: not ENOSPC).
    assert "ERRNO ['EFBIG']" in out


# ================================================================ permissions

PERMISSION = """
import errno, os, sys
import h5async  # imported (and built) before giving up root
if os.geteuid() == 0:
    try:
        os.setgid(65534)
        os.setuid(65534)
    except PermissionError:
        print("SKIP cannot drop root privileges here")
        sys.exit(0)
import numpy as np

locked, ro_dir = sys.argv[1], sys.argv[2]
try:
    os.close(os.open(locked, os.O_RDONLY))
    print("SKIP file permissions are bypassed for this user")
    sys.exit(0)
except PermissionError:
    pass
results = []
try:
    h5async.File(locked, "r")
except PermissionError as e:
    assert e.errno == errno.EACCES
    results.append("sync-open")
es = h5async.EventSet()
f = h5async.File(locked, "r", es=es)
try:
    es.wait()
except h5async.EventSetError as eg:
    (e,) = eg.exceptions
    assert type(e) is PermissionError and e.errno == errno.EACCES, repr(e)
    assert e.operation == "open_file" and locked in e.object_path
    results.append("async-open")
g = f.attrs.read("x", es=es)
assert type(g.exception()) is h5async.DependencyError
assert type(g.exception().__cause__) is PermissionError
results.append("dependency")
f.close(es=None)
new = os.path.join(ro_dir, "new.h5")
try:
    h5async.File(new, "w")
except PermissionError:
    results.append("sync-create")
f = h5async.File(new, "w", es=es)
try:
    es.wait()
except h5async.EventSetError as eg:
    assert [type(e) for e in eg.exceptions] == [PermissionError]
    results.append("async-create")
f.close(es=None)
assert not os.path.exists(new)
print(" ".join(results))
"""


@pytest.fixture
def shared_dir():
    """A directory that an unprivileged user can traverse (pytest's tmp_path
    is private to root)."""
    d = tempfile.mkdtemp(prefix="h5async-perm-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_permission_denied(shared_dir):
    locked = os.path.join(shared_dir, "locked.h5")
    with h5py.File(locked, "w") as h:
        h["x"] = np.arange(3)
    os.chmod(locked, 0o000)
    ro_dir = os.path.join(shared_dir, "ro")
    os.mkdir(ro_dir)
    os.chmod(ro_dir, 0o555)
    # As root the permission bits are bypassed, so the script drops to
    # 'nobody' (uid 65534) after importing h5async.
    out = check_ok(run_script(PERMISSION, locked, ro_dir))
    if out.startswith("SKIP"):
        pytest.skip(out[5:].strip())
    assert out.split() == ["sync-open", "async-open", "dependency", "sync-create",
                           "async-create"]


# ================================================================ bad files

def make_bad_file(tmp_path, kind):
    path = tmp_path / f"{kind}.h5"
    good = tmp_path / "good.h5"
    with h5py.File(good, "w") as h:
        h["x"] = np.arange(100_000.0)
        h["x"].attrs["a"] = 1
    raw = good.read_bytes()
    if kind == "text":
        path.write_bytes(b"this is not an HDF5 file\n" * 200)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated_half":
        path.write_bytes(raw[:len(raw) // 2])
    elif kind == "truncated_header":
        path.write_bytes(raw[:600])
    elif kind == "signature_only":
        path.write_bytes(raw[:8])
    elif kind == "superblock_16":
        path.write_bytes(raw[:16])
    elif kind == "directory":
        path.mkdir()
    return str(path)


BAD_KINDS = ["text", "empty", "truncated_half", "truncated_header",
             "signature_only",
             "superblock_16",
             "directory"]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_file_sync_open_raises_os_error(tmp_path, kind):
    path = make_bad_file(tmp_path, kind)
    with pytest.raises(OSError) as info:
        h5async.File(path, "r")
    assert isinstance(info.value, OSError)
    with pytest.raises(OSError):
        h5py.File(path, "r")


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_file_async_open_gives_an_os_error_in_the_group(tmp_path, es, kind):
    path = make_bad_file(tmp_path, kind)
    f = h5async.File(path, "r", es=es)
    fut = f.attrs.read("a", es=es)
    assert type(fut.exception()) is h5async.DependencyError
    assert isinstance(fut.exception().__cause__, OSError)
    with pytest.raises(h5async.EventSetError) as info:
        es.wait()
    (e,) = info.value.exceptions
    assert isinstance(e, OSError)
    assert e.operation == "open_file"
    f.close(es=None)
    # The engine is fine afterwards.
    good = h5async.File(str(tmp_path / "after.h5"), "w")
    good["y"] = np.arange(3)
    assert_array_equal(good["y"][...], np.arange(3))
    good.close()


@pytest.mark.parametrize("kind", ["truncated_half", "text"])
def test_bad_file_in_read_write_mode(tmp_path, kind):
    path = make_bad_file(tmp_path, kind)
    with pytest.raises(OSError):
        h5async.File(path, "r+")
    with pytest.raises(OSError):
        h5async.File(path, "a")


CORRUPT = """
import sys
import numpy as np
import h5async
path = sys.argv[1]
outcomes = []
try:
    es = h5async.EventSet()
    f = h5async.File(path, "r", es=es)
    try:
        es.wait()
        try:
            d = f["x"]
            fut = d.read(es=es)
            exc = fut.exception()
            outcomes.append(type(exc).__name__ if exc else "read")
        except (OSError, KeyError, ValueError, RuntimeError, TypeError) as e:
            outcomes.append(type(e).__name__)
    except h5async.EventSetError as eg:
        outcomes.append("group:" + ",".join(type(e).__name__ for e in eg.exceptions))
    try:
        f.close(es=None)
    except h5async.EventSetError:
        pass
except OSError as e:
    outcomes.append("OSError")
print("SURVIVED", outcomes)
"""


@pytest.mark.parametrize("seed", range(4))
def test_corrupted_file_never_crashes(tmp_path, seed):
    """Garbage over the metadata (not the size): whatever HDF5 makes of it,
    the process survives and reports exceptions."""
    good = tmp_path / "good.h5"
    with h5py.File(good, "w") as h:
        h.create_dataset("x", data=np.arange(1000.0), chunks=(100,))
        h["x"].attrs["a"] = np.arange(10)
        h.create_group("g/h")
    raw = bytearray(good.read_bytes())
    rng = np.random.default_rng(seed)
    start = 96 + 64 * seed  # past the superblock, into the object headers
    raw[start:start + 256] = rng.integers(0, 256, 256, dtype=np.uint8).tobytes()
    bad = tmp_path / "bad.h5"
    bad.write_bytes(bytes(raw))
    proc = run_script(CORRUPT, bad)
    assert proc.returncode == 0, f"crashed: {proc.returncode}\n{proc.stderr[-3000:]}"
    assert "SURVIVED" in proc.stdout


# ================================================================ bad arguments

@pytest.fixture
def afile(tmp_path):
    es = h5async.EventSet()
    f = h5async.File(str(tmp_path / "args.h5"), "w", es=es)
    f.create_dataset("x", data=np.arange(10.0))
    f.create_dataset("m", data=np.arange(12).reshape(3, 4), maxshape=(None, 4), chunks=(1, 4))
    es.wait()
    yield f, es
    f.close()
    with contextlib.suppress(h5async.EventSetError):
        es.wait()
    es.close()


BAD_CALLS = [
    # (name, call(f, x, m, es), exception type h5py raises)
    ("broadcast", lambda f, x, m, es: x.__setitem__(np.s_[0:3], np.arange(5)), TypeError),
    ("broadcast 2-D", lambda f, x, m, es: m.__setitem__(np.s_[0:2], np.ones((3, 3))), TypeError),
    ("write_direct shape", lambda f, x, m, es: x.write_direct(np.zeros(5), es=es), TypeError),
    ("read_direct shape", lambda f, x, m, es: x.read_direct(np.zeros(5), es=es), TypeError),
    ("read_direct non-contiguous",
     lambda f, x, m, es: x.read_direct(np.zeros(20)[::2], es=es), TypeError),
    ("read_direct read-only",
     lambda f, x, m, es: x.read_direct(np.frombuffer(bytes(80)), es=es), TypeError),
    ("read_direct str dtype",
     lambda f, x, m, es: x.read_direct(np.zeros(10, dtype="U3"), es=es), TypeError),
    ("object into float", lambda f, x, m, es: x.__setitem__(np.s_[0:2], [{}, {}]), TypeError),
    ("ragged", lambda f, x, m, es: m.__setitem__(np.s_[0:2], [[1], [1, 2]]), ValueError),
    ("index out of range read", lambda f, x, m, es: x.read(np.s_[10], es=es), IndexError),
    ("index out of range write", lambda f, x, m, es: x.__setitem__(10, 1.0), IndexError),
    ("negative index out of range", lambda f, x, m, es: x.read(np.s_[-11], es=es), IndexError),
    ("float index", lambda f, x, m, es: x.read(np.s_[1.5], es=es), TypeError),
    ("unsorted list", lambda f, x, m, es: x.read(np.s_[[3, 1]], es=es), TypeError),
    ("repeated list", lambda f, x, m, es: x.read(np.s_[[1, 1]], es=es), TypeError),
    ("mask of wrong shape", lambda f, x, m, es: x.read(np.ones(5, bool), es=es), TypeError),
    ("zero step", lambda f, x, m, es: x.read(np.s_[::0], es=es), ValueError),
    ("negative step", lambda f, x, m, es: x.read(np.s_[::-1], es=es), ValueError),
    ("resize not chunked", lambda f, x, m, es: x.resize((20,), es=es), TypeError),
    ("resize beyond maxshape", lambda f, x, m, es: m.resize((3, 5), es=es), RuntimeError),
    ("resize wrong rank", lambda f, x, m, es: m.resize((3,), es=es), TypeError),
    ("attribute of object dtype",
     lambda f, x, m, es: f.attrs.create("o", np.array([object()], dtype=object), es=es), TypeError),
    ("ragged attribute", lambda f, x, m, es: f.attrs.create("r", [[1], [1, 2]], es=es), ValueError),
]


@pytest.mark.parametrize("name, call, exc_type", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_arguments_raise_at_the_call_and_queue_nothing(afile, name, call, exc_type):
    f, es = afile
    x, m = f["x"], f["m"]
    counter = es.op_counter
    gc.disable()  # no object may be released (and its close queued) meanwhile
    try:
        submitted = h5async.stats()["submitted"]
        with pytest.raises(exc_type):
            call(f, x, m, es)
        assert h5async.stats()["submitted"] == submitted
    finally:
        gc.enable()
    assert es.op_counter == counter
    assert es.wait() == 0
    assert_array_equal(f["x"][...], np.arange(10.0))  # the data is untouched
    assert_array_equal(f["m"][...], np.arange(12).reshape(3, 4))


def test_bad_arguments_match_h5py_types(tmp_path):
    """The same calls against h5py raise the types the table above expects."""
    with h5py.File(tmp_path / "ref.h5", "w") as h:
        h.create_dataset("x", data=np.arange(10.0))
        h.create_dataset("m", data=np.arange(12).reshape(3, 4), maxshape=(None, 4),
                         chunks=(1, 4))
        shadow = {
            "broadcast": lambda: h["x"].__setitem__(np.s_[0:3], np.arange(5)),
            "read_direct shape": lambda: h["x"].read_direct(np.zeros(5)),
            "index out of range read": lambda: h["x"][10],
            "unsorted list": lambda: h["x"][[3, 1]],
            "zero step": lambda: h["x"][::0],
            "negative step": lambda: h["x"][::-1],
            "resize not chunked": lambda: h["x"].resize((20,)),
            "resize beyond maxshape": lambda: h["m"].resize((3, 5)),
            "resize wrong rank": lambda: h["m"].resize((3,)),
            "float index": lambda: h["x"][1.5],
            "mask of wrong shape": lambda: h["x"][np.ones(5, bool)],
            "ragged": lambda: h["m"].__setitem__(np.s_[0:2], [[1], [1, 2]]),
        }
        expected = {c[0]: c[2] for c in BAD_CALLS}
        for name, fn in shadow.items():
            with pytest.raises(expected[name]):
                fn()


READ_ONLY_CALLS = {
    # name: (h5async call(f, d, es), the same with h5py(f, d))
    "dataset write": (lambda f, d, es: d.__setitem__(0, 5),
                      lambda f, d: d.__setitem__(0, 5)),
    "dataset write_direct": (lambda f, d, es: d.write_direct(np.zeros(4, "i8"), es=es),
                             lambda f, d: d.write_direct(np.zeros(4, "i8"))),
    "create group": (lambda f, d, es: f.create_group("g", es=es),
                     lambda f, d: f.create_group("g")),
    "create dataset": (lambda f, d, es: f.create_dataset("n", data=[1], es=es),
                       lambda f, d: f.create_dataset("n", data=[1])),
    "attribute set": (lambda f, d, es: f.attrs.__setitem__("a", 1),
                      lambda f, d: f.attrs.__setitem__("a", 1)),
    "attribute create": (lambda f, d, es: f.attrs.create("a", 1, es=es),
                         lambda f, d: f.attrs.create("a", 1)),
}


@pytest.mark.parametrize("name", list(READ_ONLY_CALLS))
def test_writing_a_read_only_file_raises_at_the_call_like_h5py(tmp_path, name):
    path = str(tmp_path / "ro.h5")
    with h5py.File(path, "w") as h:
        h["x"] = np.arange(4)
    call, shadow = READ_ONLY_CALLS[name]
    with h5py.File(path, "r") as h:
        with pytest.raises(Exception) as ref:
            shadow(h, h["x"])
    expected = type(ref.value)
    assert expected in (OSError, ValueError, RuntimeError)
    es = h5async.EventSet()
    f = h5async.File(path, "r", es=es)
    d = f["x"]
    with pytest.raises(expected, match="no write intent") as info:
        call(f, d, es)
    assert "no write intent" in str(ref.value)
    assert type(info.value) is expected
    assert es.wait() == 0
    assert es.op_counter == 1  # only the open
    assert_array_equal(d[...], np.arange(4))
    f.close()
    es.close()


@pytest.mark.parametrize("value", [np.array(["1.5", "2"]), np.array(["a", "b"])])
def test_str_array_into_float_dataset_raises_type_error(afile, value):
    f, es = afile
    with pytest.raises(TypeError):
        f["x"][0:2] = value
    es.wait()
    assert_array_equal(f["x"][...], np.arange(10.0))
