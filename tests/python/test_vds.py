"""Virtual datasets: h5async writes them, both libraries read them back
the same; h5async reads what h5py wrote (each side in its own process)."""
import numpy as np
import pytest

import h5async

from subproc import check_round_trips

SCRIPT = r"""
import os, sys, numpy as np
lib, mode, path = sys.argv[1:]
if lib == "h5py":
    import h5py
else:
    import h5async as h5py
d = os.path.dirname(path)
tag = os.path.basename(path)
if mode.startswith("write"):
    es = h5py.EventSet() if mode == "write-async" and lib == "h5async" else None
    for n in (1, 2):
        with h5py.File(f"{d}/{tag}.src{n}.h5", "w") as f:
            f["data"] = np.arange(10, dtype="i4") * 10 + n
    layout = h5py.VirtualLayout((3, 10), "i4")
    layout[0] = h5py.VirtualSource(f"{d}/{tag}.src1.h5", "data", shape=(10,))
    layout[1, :5] = h5py.VirtualSource(f"{d}/{tag}.src2.h5", "data", shape=(10,))[::2]
    layout[2, [1, 3, 5]] = h5py.VirtualSource(f"{d}/{tag}.src2.h5", "data", shape=(10,))[7:]
    kw = {"es": es} if es is not None else {}
    with h5py.File(path, "w") as f:
        f.create_virtual_dataset("v", layout, fillvalue=-5, **kw)
        f["own"] = np.arange(4.0)
        with f.build_virtual_dataset("w", (2, 4), "f8") as lay:
            lay[1] = h5py.VirtualSource(f["own"])
        with f.build_virtual_dataset("empty", (2, 3), "i2", fillvalue=7):
            pass
        if es is not None:
            es.wait()
if True:  # a writer prints what it reads back, as a reader does
    with h5py.File(path, "r") as f:
        print(f["v"][...].tolist(), f["v"].dtype, f["v"].is_virtual, f["own"].is_virtual)
        print([(os.path.basename(s.file_name).split(".")[-2], s.dset_name)
               for s in f["v"].virtual_sources()])
        print(f["w"][...].tolist(), [s.file_name for s in f["w"].virtual_sources()])
        print(f["empty"][...].tolist(), f["empty"].virtual_sources())
"""


def test_round_trips(tmp_path):
    check_round_trips(SCRIPT, tmp_path)


def test_errors(tmp_path):
    layout = h5async.VirtualLayout((4, 10), "i4")
    src = h5async.VirtualSource("x.h5", "data", shape=(10,))
    with pytest.raises(ValueError, match="different number"):
        layout[0, :4] = src[::2]
    with pytest.raises(RuntimeError):
        src[1:][2:]
    with pytest.raises(TypeError):
        h5async.VirtualSource("x.h5", "data")
    with pytest.raises(NotImplementedError, match="unlimited"):
        src[:h5async.UNLIMITED]
    with h5async.File(tmp_path / "p.h5", "w") as f:
        f["plain"] = np.arange(3)
        assert not f["plain"].is_virtual
        with pytest.raises(RuntimeError, match="Not a virtual dataset"):
            f["plain"].virtual_sources()
