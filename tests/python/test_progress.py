"""es.wait(progress=True) (issue 14, part 4): the operations and bytes of
an event set draining, on stderr without tqdm; the wait returns and raises
as a plain wait does.  num_bytes_in_progress counts what is held.

The I/O thread is held (conftest's io_blocker) while the writes are
queued, so what the display starts from does not depend on timing."""
import re
import threading

import numpy as np
import pytest

import h5async

ROW = 1 << 18  # float64: 2 MiB a row


def test_progress_drains_and_raises_like_wait(tmp_path, io_blocker, capsys):
    es = h5async.EventSet()
    with h5async.File(tmp_path / "p.h5", "w") as f:
        d = f.create_dataset("d", (8, ROW), "f8")
        blk = io_blocker()
        for i in range(8):
            d.write(i, np.full(ROW, i, "f8"), es=es)
        assert es.num_in_progress == 8
        assert es.num_bytes_in_progress >= 8 * ROW * 8
        threading.Timer(0.3, blk.release).start()
        assert es.wait(progress=True) == 0
        assert es.num_in_progress == 0 and es.num_bytes_in_progress == 0
        np.testing.assert_array_equal(d[:, 0], np.arange(8.0))
        err = capsys.readouterr().err
        counts = [(int(a), int(b)) for a, b in re.findall(r"(\d+) of (\d+) operations", err)]
        assert counts[0] == (8, 8) and counts[-1] == (0, 8), err
        assert [a for a, _ in counts] == sorted((a for a, _ in counts), reverse=True)
        assert err.rstrip().endswith("0 of 8 operations, 0.0 MiB in progress")
        # a failure is raised as a plain wait raises it
        f.attrs.create("a", 5, dtype="i1")
        f.attrs.modify("a", 1000, es=es)
        with pytest.raises(h5async.EventSetError) as info:
            es.wait(progress=True)
        assert [type(x) for x in info.value.exceptions] == [OverflowError]
        assert f.attrs["a"] == 5
    es.close()
