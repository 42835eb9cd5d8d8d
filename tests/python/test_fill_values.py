"""Fill values of string datasets (issue 11, point 3): a `fillvalue=` for
variable-length and fixed-length strings is stored, reads back from
`.fillvalue` and from unwritten elements as h5py gives them, and files
written by each library read the same in the other.  Compound or sequence
dtypes holding variable-length data refuse a fill value with TypeError
(h5py refuses or writes them wrong, and crashes reading them back)."""
from subproc import check_ok, check_round_trips, run_script

SCRIPT = r'''
import sys, numpy as np
L = __import__(sys.argv[1]); mode = sys.argv[2]; path = sys.argv[3]
cases = [("s", L.string_dtype(), "abc"), ("sa", L.string_dtype("ascii"), b"xy"),
         ("e", L.string_dtype(), ""), ("S", "S5", b"xy"), ("i", "i2", 7),
         ("u", L.string_dtype(), None)]
if mode.startswith("write"):
    es = L.EventSet() if mode == "write-async" else None
    f = L.File(path, "w", **({"es": es} if es else {}))
    for name, dt, fv in cases:
        d = f.create_dataset(name, (3,), dtype=dt, fillvalue=fv)
        d[1] = d.dtype.type(1) if dt == "i2" else "w"
    if es: es.wait(); f.es = None
    f.close()
f = L.File(path, "r")
for name, _, _ in cases:
    d = f[name]
    fv = d.fillvalue
    print(name, type(fv).__name__, repr(fv), [repr(x) for x in d[...].tolist()])
'''


def test_string_fill_values_match_h5py(tmp_path):
    check_round_trips(SCRIPT, tmp_path)


def test_fill_values_holding_sequences_or_strings_in_compounds_are_refused(tmp_path):
    out = check_ok(run_script(r'''
import sys, numpy as np, h5async as L
with L.File(sys.argv[1], "w") as f:
    for name, dt, fv in [("c", np.dtype([("n", L.string_dtype()), ("x", "f8")]), ("nm", 2.5)),
                         ("v", L.vlen_dtype("i4"), np.array([1], "i4")),
                         ("r", L.ref_dtype, f.ref)]:
        try:
            f.create_dataset(name, (2,), dtype=dt, fillvalue=fv)
            print(name, "stored")
        except TypeError:
            print(name, "TypeError", name in f)
''', str(tmp_path / "r.h5")))
    assert out.split("\n")[:3] == ["c TypeError False", "v TypeError False", "r TypeError False"]
