"""Engine tracing: what the I/O thread and the calling threads did and when,
as a Chrome trace (open it in https://ui.perfetto.dev or chrome://tracing).

    with h5async.trace.Tracer() as tr:
        ...                       # your program
        with tr.span("compute"):  # mark your own phases on the calling thread
            step()
    tr.write("trace.json")

or, to have a trace file that is valid JSON while the program runs::

    with h5async.trace.Tracer("trace.json", flush_interval=1.0):
        ...                       # the file is rewritten about once a second

Each operation is one complete event ("ph": "X") on the track of the thread
that executed it: "h5async I/O thread" for queued operations, the calling
thread's own track (named after its Python thread, "MainThread" first) for
synchronous calls that ran inline.  Chunks the codec workers compress or
decompress for the chunk pipeline are "encode_chunk"/"decode_chunk" events
on tracks "h5async codec worker 1", "2", ... (the dataset's path, and the
chunk's uncompressed bytes).  Its args give the operation, file,
object path, name (attribute or link), bytes, outcome ("ok", "failed",
"cancelled"), the error message and the time it waited in the queue.
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from . import _h5async

# The fields of one record from _h5async.trace_stop() / trace_take().
TRACE_FIELDS = ("op", "t_submit", "t_start", "t_end", "nbytes", "inline", "failed",
                "outcome", "tid", "file", "path", "name", "error")

MAIN_TRACK = 1   # the main thread's track id
IO_TRACK = 2     # the I/O thread's
IO_TRACK_NAME = "h5async I/O thread"
CODEC_TRACK_NAME = "h5async codec worker"  # + " 1", " 2", ... in order of appearance
CODEC_OPS = ("encode_chunk", "decode_chunk")
_PID = 1


class Tracer:
    """Records every task the engine completes while active, plus spans the
    program marks itself.

    capacity:        records the engine keeps between two takes; more are
                     dropped (``dropped`` counts the takes that hit the limit).
    path:            with ``flush_interval``, the trace file written while
                     tracing, and completed when the block ends.
    flush_interval:  seconds between writes of `path` by a background thread;
                     the file is valid Chrome-trace JSON after every write.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 flush_interval: float | None = None, capacity: int = 1_000_000) -> None:
        if flush_interval is not None and path is None:
            raise ValueError("flush_interval needs a path to write to")
        if flush_interval is not None and flush_interval <= 0:
            raise ValueError("flush_interval must be positive (seconds)")
        self.capacity = capacity
        self.path = None if path is None else os.fspath(path)
        self.flush_interval = flush_interval
        self.tasks: list[dict[str, Any]] = []
        self.spans: list[dict[str, Any]] = []
        self.dropped = 0
        self.t0: float | None = None
        self._lock = threading.RLock()
        self._tracks: dict[int, int] = {}          # OS thread id -> track id
        self._track_names: dict[int, str] = {}      # track id -> name
        self._thread_names: dict[int, str] = {}     # OS thread id -> Python name
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    # ---- recording

    def __enter__(self) -> Tracer:
        self.t0 = _h5async.monotonic()
        _h5async.trace_start(self.capacity)
        if self.flush_interval is not None:
            self._stop.clear()
            self._flusher = threading.Thread(target=self._flush_loop, name="h5async trace flush",
                                             daemon=True)
            self._flusher.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._flusher is not None:
            self._stop.set()
            self._flusher.join()
            self._flusher = None
        self._add(_h5async.trace_stop())
        if self.path is not None and self.flush_interval is not None:
            self.write(self.path)

    def _add(self, records: list[tuple[Any, ...]]) -> None:
        if len(records) >= self.capacity:
            self.dropped += 1
        tasks = [dict(zip(TRACE_FIELDS, r)) for r in records]
        # Name the threads now, while they are likely still alive.
        alive = {t.native_id: t.name for t in threading.enumerate()}
        with self._lock:
            for t in tasks:
                if t["tid"] in alive:
                    self._thread_names.setdefault(t["tid"], alive[t["tid"]])
            self.tasks.extend(tasks)

    def take(self) -> None:
        """Move the records the engine has so far into ``tasks`` (tracing
        goes on)."""
        self._add(_h5async.trace_take())

    def _flush_loop(self) -> None:
        assert self.path is not None and self.flush_interval is not None
        while not self._stop.wait(self.flush_interval):
            self.take()
            self.write(self.path)

    @contextmanager
    def span(self, name: str) -> Iterator[None]:
        """Mark a phase of the calling thread (same clock as the engine)."""
        t0 = _h5async.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self.spans.append({"name": name, "t_start": t0, "t_end": _h5async.monotonic(),
                                   "thread": threading.current_thread().name,
                                   "tid": threading.get_native_id()})
                self._thread_names.setdefault(threading.get_native_id(),
                                              threading.current_thread().name)

    # ---- summaries

    def io_busy_seconds(self) -> float:
        """Time the I/O thread spent executing tasks (seconds)."""
        return float(sum(t["t_end"] - t["t_start"] for t in self.tasks
                         if not t["inline"] and t["outcome"] != "cancelled"
                         and t["op"] not in CODEC_OPS))

    # ---- output

    def _track(self, os_tid: int | None, io: bool = False, codec: bool = False) -> int:
        """The track id of a thread, named on first use."""
        if codec and os_tid is not None and os_tid not in self._tracks:
            n = sum(name.startswith(CODEC_TRACK_NAME) for name in self._track_names.values())
            self._thread_names.setdefault(os_tid, f"{CODEC_TRACK_NAME} {n + 1}")
        if io:
            self._track_names.setdefault(IO_TRACK, IO_TRACK_NAME)
            return IO_TRACK
        main = threading.main_thread()
        if os_tid is None or os_tid == main.native_id:
            self._track_names.setdefault(MAIN_TRACK, main.name)
            return MAIN_TRACK
        track = self._tracks.get(os_tid)
        if track is None:
            track = self._tracks[os_tid] = 3 + len(self._tracks)
            name = self._thread_names.get(os_tid) or next(
                (t.name for t in threading.enumerate() if t.native_id == os_tid),
                f"thread {os_tid}")
            self._track_names[track] = name
        return track

    def chrome_events(self) -> list[dict[str, Any]]:
        """The trace as Chrome trace events: complete events in microseconds
        from the start of tracing, one named track per thread."""
        with self._lock:
            return self._chrome_events_locked()

    def _chrome_events_locked(self) -> list[dict[str, Any]]:
        tasks, spans = self.tasks, self.spans
        t0 = self.t0
        if t0 is None:
            t0 = min([t["t_submit"] for t in tasks] + [s["t_start"] for s in spans] or [0.0])

        def us(t: float) -> float:
            return round((t - t0) * 1e6, 3)

        events: list[dict[str, Any]] = []
        for s in spans:
            events.append({"ph": "X", "pid": _PID, "tid": self._track(s.get("tid")),
                           "name": s["name"], "cat": "span", "ts": us(s["t_start"]),
                           "dur": us(s["t_end"]) - us(s["t_start"])})
        for t in tasks:
            codec = t["op"] in CODEC_OPS  # a chunk a codec worker encoded or decoded
            ran_on_io = not t["inline"] and not codec
            events.append({
                "ph": "X", "pid": _PID, "cat": "h5async",
                "tid": self._track(t["tid"], io=ran_on_io, codec=codec),
                "name": t["op"], "ts": us(t["t_start"]), "dur": us(t["t_end"]) - us(t["t_start"]),
                "args": {"op": t["op"], "file": t["file"], "path": t["path"], "name": t["name"],
                         "bytes": t["nbytes"], "outcome": t["outcome"], "failed": bool(t["failed"]),
                         "error": t["error"], "inline": bool(t["inline"]),
                         "queued_us": us(t["t_start"]) - us(t["t_submit"])}})
        meta: list[dict[str, Any]] = []
        for track, name in sorted(self._track_names.items()):
            meta.append({"ph": "M", "pid": _PID, "tid": track, "name": "thread_name",
                         "args": {"name": name}})
            meta.append({"ph": "M", "pid": _PID, "tid": track, "name": "thread_sort_index",
                         "args": {"sort_index": track}})
        meta.append({"ph": "M", "pid": _PID, "name": "process_name", "args": {"name": "h5async"}})
        return meta + events

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the Chrome trace JSON to `path`, atomically (a reader sees
        the previous or the new trace, never half of one)."""
        path = os.fspath(path)
        tmp = f"{path}.tmp{os.getpid()}.{threading.get_ident()}"
        with open(tmp, "w") as fh:
            json.dump({"traceEvents": self.chrome_events(), "displayTimeUnit": "ms"}, fh)
        os.replace(tmp, path)
