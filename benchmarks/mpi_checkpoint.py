"""Checkpoint loop across MPI ranks: how much write time h5async hides.

    mpirun -n 2 python benchmarks/mpi_checkpoint.py [steps] [MiB per rank] [collective|independent]

Each rank computes its block, then writes it into one shared dataset
(collective transfers), N steps, first synchronously, then with an event
set.  Storage is emulated as remote (h5async.emulate_storage: bandwidth and
latency per request on each rank's I/O thread, CPU left free), because
this machine's page cache would make the writes nearly free.  Rank 0
prints the hidden fraction (T_sync - T_async) / min(T_compute, T_io).
"""
import os
import sys
import tempfile
import time

import numpy as np
from mpi4py import MPI

import h5async

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 8
MIB = int(sys.argv[2]) if len(sys.argv) > 2 else 16
COLLECTIVE = (sys.argv[3] if len(sys.argv) > 3 else "collective") == "collective"
ROWS = MIB * (1 << 20) // 8 // 1024
BANDWIDTH, LATENCY = 200e6, 0.002  # bytes/s and s per request, per rank


def compute(state):
    for _ in range(3):
        state = np.sin(state) + 0.5 * np.cos(state)
    return state


def run(path, es, do_compute=True):
    f = h5async.File(path, "w", driver="mpio", comm=comm, es=es)
    d = f.create_dataset("ckpt", (STEPS, size * ROWS, 1024), dtype="f8")
    state = np.full((ROWS, 1024), float(rank))
    t_comp = 0.0
    comm.Barrier()
    t0 = time.perf_counter()
    d.id.collective = COLLECTIVE
    for i in range(STEPS):
        c0 = time.perf_counter()
        if do_compute:
            state = compute(state)
        t_comp += time.perf_counter() - c0
        d[i, rank * ROWS:(rank + 1) * ROWS] = state
    if es is not None:
        es.wait()
    f.close()
    comm.Barrier()
    return time.perf_counter() - t0, t_comp, state


def main():
    h5async.emulate_storage(bandwidth=BANDWIDTH, latency=LATENCY)
    tmp = tempfile.mkdtemp() if rank == 0 else None
    path = os.path.join(comm.bcast(tmp, root=0), "ckpt.h5")
    t_io, _, _ = run(path, None, do_compute=False)  # the writes alone, measured
    t_sync, t_comp, _ = run(path, None)
    es = h5async.EventSet()
    t_async, _, last = run(path, es)
    es.close()
    with h5async.File(path, "r") as f:  # the async run's data is all there
        ok = np.array_equal(f["ckpt"][STEPS - 1, rank * ROWS:(rank + 1) * ROWS], last)
    ok = comm.allreduce(ok, op=MPI.LAND)
    t_sync, t_async = comm.allreduce(t_sync, op=MPI.MAX), comm.allreduce(t_async, op=MPI.MAX)
    t_comp = comm.allreduce(t_comp, op=MPI.MAX)
    t_io = comm.allreduce(t_io, op=MPI.MAX)
    if rank == 0:
        hidden = (t_sync - t_async) / min(t_comp, t_io)
        print(f"{'collective' if COLLECTIVE else 'independent'} ranks={size} steps={STEPS} block={MIB} MiB/rank  "
              f"T_compute={t_comp:.2f}s T_io={t_io:.2f}s "
              f"T_sync={t_sync:.2f}s T_async={t_async:.2f}s hidden={hidden:.2f} data_ok={ok}")
        os.remove(path)
        os.rmdir(os.path.dirname(path))


if __name__ == "__main__":
    main()
