"""Prefetching reader with asyncio: process block i while block i+1 is read.

    python examples/prefetch_asyncio.py [file.h5]

Writes a test file first (if none is given), then reads it block by block.
The read of the next block is started (d.aread) before the current block is
processed, so I/O and computation overlap; the event loop stays free, and no
thread is started per read.
"""
from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time

import numpy as np

import h5async

BLOCKS, ROWS, COLS = 16, 256, 4096


def make_file(path: str) -> None:
    with h5async.File(path, "w") as f:
        d = f.create_dataset("data", (BLOCKS * ROWS, COLS), dtype="f8", chunks=(ROWS, COLS))
        for b in range(BLOCKS):
            d[b * ROWS:(b + 1) * ROWS] = np.full((ROWS, COLS), float(b + 1))


def process(block: np.ndarray) -> float:
    """Some numpy work on one block (stands for the analysis)."""
    return float(np.sqrt(np.abs(np.fft.rfft(block, axis=1))).sum())


async def analyse(path: str) -> list[float]:
    f = h5async.File(path, "r")
    d = f["data"]
    assert isinstance(d, h5async.Dataset)   # f[name] is a Group or a Dataset
    results: list[float] = []
    nxt = asyncio.ensure_future(d.aread(np.s_[0:ROWS]))
    for b in range(BLOCKS):
        block = await nxt
        if b + 1 < BLOCKS:  # start reading the next block before working on this one
            nxt = asyncio.ensure_future(d.aread(np.s_[(b + 1) * ROWS:(b + 2) * ROWS]))
        assert block[0, 0] == float(b + 1), "blocks arrive in order with their own data"
        results.append(await asyncio.to_thread(process, block))
    await f.aclose()
    return results


def main() -> None:
    tmp = None
    if len(sys.argv) > 1:
        path = sys.argv[1]
    else:
        tmp = tempfile.TemporaryDirectory()
        path = os.path.join(tmp.name, "blocks.h5")
    make_file(path)
    t0 = time.perf_counter()
    results = asyncio.run(analyse(path))
    print(f"processed {len(results)} blocks in {time.perf_counter() - t0:.2f} s; "
          f"first result {results[0]:.3e}")


if __name__ == "__main__":
    main()
