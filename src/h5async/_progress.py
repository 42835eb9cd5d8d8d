"""The display of ``EventSet.wait(progress=True)``: the operations and bytes
of an event set draining.  The C wait calls ``Display(ops, nbytes)``, then
``update(ops_left, bytes_left)`` every 0.2 s, then ``close()``.  A tqdm bar
when tqdm is installed, otherwise one line on stderr rewritten in place."""
from __future__ import annotations

import sys
from typing import Any

MiB = 1 << 20


class Display:
    def __init__(self, ops: int, nbytes: int) -> None:
        self._ops, self._bytes = ops, nbytes
        self._bar: Any = None
        self._done = 0
        try:
            from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]
        except ImportError:
            self._line(ops, nbytes)
        else:
            self._bar = tqdm(total=ops, unit="op", desc="h5async", leave=True)

    def _line(self, ops: int, nbytes: int) -> None:
        sys.stderr.write(f"\rh5async: {ops} of {self._ops} operations, "
                         f"{nbytes / MiB:.1f} MiB in progress ")
        sys.stderr.flush()

    def update(self, ops: int, nbytes: int) -> None:
        """`ops` operations holding `nbytes` bytes are left."""
        if self._bar is not None:
            done = max(self._ops - ops, self._done)
            self._bar.update(done - self._done)
            self._bar.set_postfix_str(f"{nbytes / MiB:.1f} MiB in progress", refresh=False)
            self._done = done
        else:
            self._line(ops, nbytes)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        else:
            sys.stderr.write("\n")
            sys.stderr.flush()
