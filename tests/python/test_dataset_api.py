"""Dataset API of issue 12 against real h5py: len, nbytes, iter_chunks,
fields, flush/refresh, create_dataset_like, range indexing and
get(getclass=True).

The scenario runs in two fresh interpreters, ``import h5py`` and ``import
h5async as h5py`` (never both in one process), and prints one line per
result (values, dtypes, or the exception type); the outputs must match.
The files each side writes are read back in the same scenario.
"""
import textwrap

from subproc import check_ok, run_script

SCENARIO = r'''
import sys, numpy as np
if sys.argv[1] == "h5py":
    import h5py
else:
    import h5async as h5py
P = sys.argv[2]
def out(label, value):
    print(label, repr(value))
def attempt(label, fn):
    try:
        out(label, fn())
    except Exception as e:
        out(label, type(e).__name__)
with h5py.File(P, "w") as f:
    d = f.create_dataset("d", data=np.arange(100).reshape(10, 10), chunks=(3, 4), maxshape=(None, 20), compression="gzip")
    s = f.create_dataset("s", data=5.0)
    e = f.create_dataset("e", dtype="f4")
    c = f.create_dataset("c", data=np.array([(1, 2.5, b"a"), (3, 4.5, b"b")], dtype=[("x", "i4"), ("y", "f8"), ("z", "S2")]))
    attempt("len d", lambda: len(d))
    attempt("len s", lambda: len(s))
    attempt("len e", lambda: len(e))
    attempt("nbytes", lambda: (d.nbytes, s.nbytes, e.nbytes, c.nbytes))
    attempt("chunks all", lambda: list(d.iter_chunks()))
    attempt("chunks sel", lambda: list(d.iter_chunks((slice(2, 8), slice(3, 9)))))
    attempt("chunks int", lambda: list(d.iter_chunks((5, slice(None)))))
    attempt("chunks bad rank", lambda: list(d.iter_chunks(slice(0, 3))))
    attempt("chunks out", lambda: list(d.iter_chunks((slice(0, 11), slice(None)))))
    attempt("chunks contiguous", lambda: list(s.iter_chunks()))
    attempt("fields x", lambda: c.fields("x")[:])
    attempt("fields xz", lambda: c.fields(["x", "z"])[:])
    attempt("fields y 1", lambda: c.fields("y")[1])
    attempt("fields dtype", lambda: (c.fields("x").dtype, c.fields(["y", "x"]).dtype))
    attempt("fields bad", lambda: c.fields("q"))
    attempt("fields noncompound", lambda: d.fields("q"))
    attempt("fields array", lambda: np.asarray(c.fields(["y"])))
    attempt("fields len", lambda: len(c.fields("x")))
    attempt("range", lambda: d[range(0, 10, 3)])
    attempt("range 2d", lambda: d[2, range(1, 9, 2)])
    attempt("range empty", lambda: d[range(0)])
    attempt("range neg step", lambda: d[range(9, 0, -2)])
    attempt("range out", lambda: d[range(5, 12)])
    def w():
        d[range(0, 10, 5), 0] = -1
        return d[:, 0]
    attempt("range write", w)
    attempt("flush", lambda: d.flush())
    attempt("refresh", lambda: (d.refresh(), d.shape))
    def like():
        n = f.create_dataset_like("n", d)
        m = f.create_dataset_like("m", s, shape=(3,))
        k = f.create_dataset_like("k", c)
        return [(x.shape, x.dtype.str, x.chunks, x.maxshape, x.compression, x.compression_opts, x.shuffle, x.fillvalue.tolist() if hasattr(x.fillvalue, "tolist") else x.fillvalue) for x in (n, m, k)]
    attempt("like", like)
    g = f.create_group("g", track_order=True)
    t = g.create_dataset("t", data=[1, 2], track_order=True)
    def like_t():
        n = f.create_dataset_like("nt", t)
        for a in "zyx": n.attrs[a] = 1
        return list(n.attrs)
    attempt("like track_order", like_t)
    f["dt"] = np.dtype("i2")
    f["sl"] = h5py.SoftLink("/g")
    attempt("getclass", lambda: [f.get(n, getclass=True).__name__ for n in ("d", "g", "dt", "sl")])
    attempt("getclass missing", lambda: f.get("nope", getclass=True))
    attempt("getclass link", lambda: [f.get(n, getclass=True, getlink=True).__name__ for n in ("d", "sl")])
with h5py.File(P, "r") as f:
    attempt("reread n", lambda: (f["n"].shape, f["n"].chunks, f["n"][...].sum()))
'''


def test_dataset_api_as_h5py(tmp_path):
    got = {}
    for side in ("h5py", "h5async"):
        proc = run_script(SCENARIO, side, tmp_path / f"{side}.h5")
        got[side] = check_ok(proc).splitlines()
    assert got["h5async"] == got["h5py"]
    assert len(got["h5py"]) == 35
    assert "getclass ['Dataset', 'Group', 'Datatype', 'Group']" in got["h5py"]
