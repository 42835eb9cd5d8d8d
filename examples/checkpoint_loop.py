"""Checkpoint loop: compute step i+1 while step i is written.

    python examples/checkpoint_loop.py [file.h5] [steps]

The file's default event set makes every write asynchronous; the arrays are
copied at submit, so the simulation may overwrite its state at once.  A
single wait at the end reports any failure.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np

import h5async

N = 512  # the state is N x N float64 (2 MiB)


def step(state: np.ndarray) -> np.ndarray:
    """One step of a toy diffusion."""
    new: np.ndarray = 0.25 * (np.roll(state, 1, 0) + np.roll(state, -1, 0) +
                              np.roll(state, 1, 1) + np.roll(state, -1, 1))
    return new


def main() -> None:
    tmp = None
    if len(sys.argv) > 1:
        path = sys.argv[1]
    else:
        tmp = tempfile.TemporaryDirectory()
        path = os.path.join(tmp.name, "checkpoints.h5")
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    state = np.zeros((N, N))
    state[N // 2, N // 2] = 1e6

    es = h5async.EventSet()
    f = h5async.File(path, "w", es=es)
    ckpt = f.create_dataset("state", (0, N, N), maxshape=(None, N, N), dtype="f8",
                            chunks=(1, N, N))
    t0 = time.perf_counter()
    for i in range(steps):
        state = step(state)
        ckpt.resize(i + 1, axis=0)      # queued, shape updates at once
        ckpt[i] = state                 # copied now, written in the background
        ckpt.attrs["steps"] = i + 1
    es.wait()                           # raises EventSetError if a write failed
    f.close()
    elapsed = time.perf_counter() - t0

    with h5async.File(path, "r") as f:
        d = f["state"]
        assert isinstance(d, h5async.Dataset)   # f[name] is a Group or a Dataset
        last = d[steps - 1]
        assert np.array_equal(last, state), "the last checkpoint is the final state"
        print(f"{steps} checkpoints of {state.nbytes >> 20} MiB in {elapsed:.2f} s; "
              f"steps attribute = {d.attrs['steps']}")


if __name__ == "__main__":
    main()
