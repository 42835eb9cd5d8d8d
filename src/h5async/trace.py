"""Engine tracing: what the I/O thread did and when, as a Chrome trace.

    with h5async.trace.Tracer() as tr:
        ...                       # your program
        with tr.span("compute"):  # mark your own phases on the main thread
            step()
    tr.write("trace.json")        # open in Perfetto / chrome://tracing
"""
import json
import threading
from contextlib import contextmanager

from . import _h5async


class Tracer:
    """Records every task the engine completes while active, plus spans the
    program marks itself."""

    def __init__(self, capacity=1_000_000):
        self.capacity = capacity
        self.tasks = []
        self.spans = []

    def __enter__(self):
        _h5async.trace_start(self.capacity)
        return self

    def __exit__(self, *exc):
        self.tasks = [dict(zip(("op", "t_submit", "t_start", "t_end", "nbytes", "inline", "failed"), r))
                      for r in _h5async.trace_stop()]

    @contextmanager
    def span(self, name):
        """Mark a phase of the calling thread (same clock as the engine)."""
        t0 = _h5async.monotonic()
        try:
            yield
        finally:
            self.spans.append({"name": name, "t_start": t0, "t_end": _h5async.monotonic(),
                               "thread": threading.current_thread().name})

    def io_busy_seconds(self):
        """Time the I/O thread spent executing tasks."""
        return sum(t["t_end"] - t["t_start"] for t in self.tasks if not t["inline"])

    def chrome_events(self):
        """The trace as Chrome trace events (complete events, microseconds)."""
        t0 = min([t["t_submit"] for t in self.tasks] + [s["t_start"] for s in self.spans] or [0])
        us = lambda t: round((t - t0) * 1e6, 3)  # noqa: E731
        events = [{"ph": "M", "pid": 1, "tid": 1, "name": "thread_name", "args": {"name": "main thread"}},
                  {"ph": "M", "pid": 1, "tid": 2, "name": "thread_name", "args": {"name": "h5async I/O thread"}}]
        for s in self.spans:
            events.append({"ph": "X", "pid": 1, "tid": 1, "name": s["name"], "ts": us(s["t_start"]),
                           "dur": us(s["t_end"]) - us(s["t_start"])})
        for t in self.tasks:
            events.append({"ph": "X", "pid": 1, "tid": 1 if t["inline"] else 2, "name": t["op"],
                           "ts": us(t["t_start"]), "dur": us(t["t_end"]) - us(t["t_start"]),
                           "args": {"bytes": t["nbytes"], "failed": bool(t["failed"]),
                                    "queued_us": us(t["t_start"]) - us(t["t_submit"])}})
        return events

    def write(self, path):
        """Write the Chrome trace JSON to `path`."""
        with open(path, "w") as fh:
            json.dump({"traceEvents": self.chrome_events(), "displayTimeUnit": "ms"}, fh)
