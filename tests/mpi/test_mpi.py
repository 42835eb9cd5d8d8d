"""Parallel HDF5 through h5async, run under `mpirun -n 2` (make test-mpi).

Every rank submits the same operations in the same order (HDF5's rule for
collective metadata operations); each rank's engine runs them on its own
I/O thread.
"""
import numpy as np
import pytest
from mpi4py import MPI

import h5async

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
ROWS, COLS = 64, 32


@pytest.fixture
def path(tmp_path_factory):
    # One file for all ranks: rank 0 chooses the name.
    name = str(tmp_path_factory.mktemp("mpi") / "par.h5") if rank == 0 else None
    return comm.bcast(name, root=0)


def expected():
    return np.arange(size * ROWS * COLS, dtype="f8").reshape(size * ROWS, COLS)


def test_thread_level_is_multiple():
    assert MPI.Query_thread() == MPI.THREAD_MULTIPLE


def test_independent_writes_sync(path):
    f = h5async.File(path, "w", driver="mpio", comm=comm)
    d = f.create_dataset("x", (size * ROWS, COLS), dtype="f8")
    d[rank * ROWS:(rank + 1) * ROWS] = expected()[rank * ROWS:(rank + 1) * ROWS]
    f.close()
    comm.Barrier()
    with h5async.File(path, "r") as g:  # every rank reads the whole file back
        np.testing.assert_array_equal(g["x"][...], expected())


def test_collective_async_checkpoint_loop(path):
    es = h5async.EventSet()
    f = h5async.File(path, "w", driver="mpio", comm=comm, es=es)
    steps = 5
    d = f.create_dataset("ckpt", (steps, size * ROWS, COLS), dtype="f8")
    with d.collective:
        for i in range(steps):
            block = expected()[rank * ROWS:(rank + 1) * ROWS] + i
            d[i, rank * ROWS:(rank + 1) * ROWS] = block  # queued, collective
    f.attrs["steps"] = steps
    assert es.wait() == 0
    f.close()
    es.close()
    comm.Barrier()
    with h5async.File(path, "r") as g:
        assert g.attrs["steps"] == steps
        for i in range(steps):
            np.testing.assert_array_equal(g["ckpt"][i], expected() + i)


def test_collective_read_into_buffer(path):
    with h5async.File(path, "w", driver="mpio", comm=comm) as f:
        d = f.create_dataset("x", data=expected())
    comm.Barrier()
    es = h5async.EventSet()
    with h5async.File(path, "r", driver="mpio", comm=comm) as f:
        d = f["x"]
        out = np.empty((ROWS, COLS))
        with d.collective:
            d.read_direct(out, np.s_[rank * ROWS:(rank + 1) * ROWS], es=es)
        es.wait()
        np.testing.assert_array_equal(out, expected()[rank * ROWS:(rank + 1) * ROWS])
    es.close()
