"""es.wait(progress=True) (issue 14, part 4): the operations and bytes of
an event set draining, on stderr without tqdm; the wait returns and raises
as a plain wait does.  num_bytes_in_progress counts what is held."""
import sys

import numpy as np

from subproc import check_ok, run_script

SCRIPT = r'''
import sys, numpy as np, h5async
h5async.emulate_storage(bandwidth=50e6)   # slow enough to see it drain
es = h5async.EventSet()
with h5async.File(sys.argv[1], "w") as f:
    d = f.create_dataset("d", (8, 1 << 18), "f8")
    for i in range(8):
        d.write(i, np.full(1 << 18, i, "f8"), es=es)
    held = es.num_bytes_in_progress
    print("held", held >= 8 * (1 << 21) * 0.5, es.num_in_progress > 0)
    print("left", es.wait(progress=True), es.num_bytes_in_progress)
    print("rows", [int(x) for x in d[:, 0]])
    f.attrs.create("a", 5, dtype="i1")
    f.attrs.modify("a", 1000, es=es)
    try:
        es.wait(progress=True)
    except h5async.EventSetError as e:
        print("raised", [type(x).__name__ for x in e.exceptions])
'''


def test_progress_drains_and_raises_like_wait(tmp_path):
    proc = run_script(SCRIPT, str(tmp_path / "p.h5"))
    out = check_ok(proc).split("\n")
    assert out[:4] == ["held True True", "left 0 0", "rows [0, 1, 2, 3, 4, 5, 6, 7]",
                       "raised ['OverflowError']"]
    # the stderr line: operations counting down, ending at none left
    lines = proc.stderr.split("\r")
    assert any("of 8 operations" in x for x in lines), proc.stderr
    assert "h5async: 0 of 8 operations, 0.0 MiB in progress" in proc.stderr
