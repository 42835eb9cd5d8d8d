"""The engine trace: named tracks per thread, each operation with its file,
object path, bytes and outcome; and a trace file valid while tracing runs.

Each test loads the written file with the json module and counts events per
track, as a trace viewer would see them."""
import collections
import json
import threading

import numpy as np
import pytest

import h5async
from h5async import trace


def load(path):
    with open(path) as fh:
        events = json.load(fh)["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events
             if e["ph"] == "M" and e["name"] == "thread_name"}
    per_track = collections.defaultdict(list)
    for e in events:
        if e["ph"] == "X":
            per_track[names[e["tid"]]].append(e)
    return names, per_track


def test_tracks_paths_bytes_outcomes(tmp_path, es):
    h5 = str(tmp_path / "t.h5")
    out = tmp_path / "trace.json"
    ready, go, finish = threading.Event(), threading.Event(), threading.Event()

    def reader(d):
        ready.wait()
        for _ in range(3):
            assert d[0:4].tolist() == [0.0, 1.0, 2.0, 3.0]   # synchronous: inline here
        go.set()
        finish.wait()  # alive when the records are taken, so its name is known

    with trace.Tracer() as tr:
        f = h5async.File(h5, "w", es=es)
        d = f.create_dataset("grp/data", (100,), dtype="f8")
        d[:] = np.arange(100.0)                     # 800 bytes, queued
        f.attrs["a"] = 1
        f.create_group("grp", es=es)                # fails: name exists
        with pytest.raises(h5async.EventSetError):
            es.wait()
        with tr.span("compute"):
            pass
        f.es = None
        th = threading.Thread(target=reader, args=(d,), name="reader-thread")
        th.start()
        ready.set()
        go.wait()
        f.close()
    finish.set()
    th.join()
    tr.write(out)

    names, per_track = load(out)
    assert names[trace.IO_TRACK] == "h5async I/O thread"
    assert names[trace.MAIN_TRACK] == threading.main_thread().name
    assert "reader-thread" in names.values()

    io = per_track["h5async I/O thread"]
    # es.wait() may run the small queued write and attribute write itself
    # (docs/semantics.md, "Who executes a task"): then they are on its track
    helped = [e for e in per_track[names[trace.MAIN_TRACK]]
              if e["name"] in ("write", "write_attribute")]
    assert all(not e["args"]["inline"] for e in io)
    assert all(e["args"]["inline"] for e in helped)
    queued = sorted(io + helped, key=lambda e: e["ts"])
    assert [e["name"] for e in queued] == ["open_file", "create_dataset", "write",
                                           "write_attribute", "create_group"]
    by_op = {e["name"]: e["args"] for e in queued}
    assert by_op["open_file"]["file"] == h5 and by_op["open_file"]["path"] == "/"
    assert by_op["create_dataset"]["path"] == "/grp/data"
    assert by_op["write"] == {**by_op["write"], "op": "write", "file": h5, "path": "/grp/data",
                              "bytes": 800, "outcome": "ok"}
    assert by_op["write_attribute"]["name"] == "a" and by_op["write_attribute"]["bytes"] == 8
    assert by_op["create_group"]["outcome"] == "failed" and by_op["create_group"]["error"]
    assert all(e["args"]["queued_us"] >= 0 and e["dur"] >= 0 for e in queued)

    reads = per_track["reader-thread"]
    assert len(reads) == 3
    assert all(e["name"] == "read" and e["args"]["bytes"] == 32 and e["args"]["inline"]
               and e["args"]["path"] == "/grp/data" for e in reads)

    main = collections.Counter(e["name"] for e in per_track[names[trace.MAIN_TRACK]])
    main.subtract(e["name"] for e in helped)
    assert +main == {"compute": 1, "close_file": 1}
    assert tr.io_busy_seconds() > 0


def test_cancelled_operations_are_traced(tmp_path, io_blocker):
    out = tmp_path / "trace.json"
    es = h5async.EventSet()
    with trace.Tracer() as tr:
        blocker = io_blocker()
        f = h5async.File(str(tmp_path / "c.h5"), "w", es=es)
        f.create_group("g")
        assert es.cancel() == 0 and es.num_cancelled == 2
        blocker.release()
        assert es.wait() == 0   # a cancellation is no failure
        es.close()
    tr.write(out)
    _, per_track = load(out)
    outcomes = collections.Counter((e["name"], e["args"]["outcome"])
                                   for t in per_track.values() for e in t)
    assert outcomes[("open_file", "cancelled")] == 1
    assert outcomes[("create_group", "cancelled")] == 1


def test_periodic_flush_keeps_the_file_valid(tmp_path):
    out = tmp_path / "live.json"
    with trace.Tracer(out, flush_interval=0.01) as tr:
        with h5async.File(str(tmp_path / "f.h5"), "w") as f:
            f["x"] = np.zeros(10)
        # Wait for the flusher to write what happened so far; the file is
        # complete JSON while tracing goes on.
        for _ in range(500):
            if out.exists():
                _, per_track = load(out)
                ops = [e["name"] for t in per_track.values() for e in t]
                if "close_file" in ops:
                    break
            threading.Event().wait(0.01)
        else:
            pytest.fail("the trace file never showed the operations while tracing")
        assert {"open_file", "create_dataset", "close_file"} <= set(ops)
        f2 = h5async.File(str(tmp_path / "f.h5"), "r")
        f2.close()
    # At the end of the block the file is complete.
    _, per_track = load(out)
    ops = collections.Counter(e["name"] for t in per_track.values() for e in t)
    assert ops["open_file"] == 2 and ops["close_file"] == 2
    assert len(tr.tasks) == sum(ops.values())


def test_flush_interval_needs_a_path():
    with pytest.raises(ValueError):
        trace.Tracer(flush_interval=1.0)


def test_codec_workers_have_their_own_tracks(tmp_path):
    """The chunk pipeline's workers: one track each, with every chunk they
    encoded (write) and decoded (read), the dataset's path and the chunk's
    bytes; the data read back is what was written."""
    h5, out = str(tmp_path / "c.h5"), str(tmp_path / "c.json")
    threads = h5async.get_threads()
    h5async.set_threads(2)
    try:
        data = np.random.default_rng(0).normal(size=(64, 4096)).round(2)
        with trace.Tracer() as tr:
            with h5async.File(h5, "w") as f:
                d = f.create_dataset("g", data.shape, "f8", chunks=(8, 4096),
                                     compression="gzip", shuffle=True)
                d[...] = data
                back = d[...]
        tr.write(out)
    finally:
        h5async.set_threads(threads)
    np.testing.assert_array_equal(back, data)
    names, per_track = load(out)
    workers = sorted(n for n in per_track if n.startswith("h5async codec worker"))
    assert workers and workers[0] == "h5async codec worker 1"
    chunks = [e for n in workers for e in per_track[n]]
    kinds = collections.Counter(e["name"] for e in chunks)
    assert kinds == {"encode_chunk": 8, "decode_chunk": 8}
    assert {e["args"]["path"] for e in chunks} == {"/g"}
    assert {e["args"]["bytes"] for e in chunks} == {8 * 4096 * 8}
    assert not any(e["name"] in ("encode_chunk", "decode_chunk")
                   for n, evs in per_track.items() if n not in workers for e in evs)
