"""Values converted exactly as h5py converts them, or refused as h5py
refuses them (issue 11, points 2 and 3).

- A Python value (scalar, list) is converted by numpy to the dataset's
  dtype, which raises on overflow (OverflowError, ValueError).
- A numpy array of another numeric dtype is handed to HDF5, which clamps
  what does not fit (300 into uint8 is 255; numpy would wrap it to 44).
- str and bytes, and lists of them, become variable-length strings; numpy
  text arrays and mixed lists are refused with TypeError; S0 with ValueError.
- A tuple is a compound row; d["a"] = v writes one field and keeps the rest.

Each case runs under h5py and under h5async, each library in its own
interpreter, and the printed outcomes (value read back, or exception type)
must be the same line for line.
"""
import subprocess
import sys

import pytest

CASES = r'''
import sys
import numpy as np
lib = sys.argv[1]
L = __import__(lib)
f = L.File(sys.argv[2], "w")
def attempt(label, fn):
    try:
        print(f"{label}: ok {fn()!r}")
    except Exception as e:
        print(f"{label}: {type(e).__name__}")
i4 = f.create_dataset("i4", (3,), "i4")
u1 = f.create_dataset("u1", (3,), "u1")
u8 = f.create_dataset("u8", (3,), "u8")
def w(d, key, v):
    d[key] = v
    return d[...].tolist()
attempt("i4 list 2**40", lambda: w(i4, slice(None), [1, 2**40, 3]))
attempt("i4 array i8 2**40", lambda: w(i4, slice(None), np.array([1, 2**40, 3])))
attempt("u1 -1", lambda: w(u1, 0, -1))
attempt("u1 300", lambda: w(u1, 0, 300))
attempt("u1 list", lambda: w(u1, slice(None), [-1, 300, 5]))
attempt("u1 array", lambda: w(u1, slice(None), np.array([-1, 300, 5])))
attempt("u1 array f8", lambda: w(u1, slice(None), np.array([-1.5, 300.0, 5.9])))
attempt("i4 nan", lambda: w(i4, 0, np.nan))
attempt("i4 2.7", lambda: w(i4, 0, 2.7))
attempt("u8 2**53+1", lambda: w(u8, 0, 2**53 + 1))
attempt("u8 list big", lambda: w(u8, slice(None), [2**64 - 1, 2**53 + 1, 0]))
attempt("i4 'abc'", lambda: w(i4, 0, "abc"))
attempt("i4 '12'", lambda: w(i4, 0, "12"))
attempt("create list i1", lambda: f.create_dataset("c1", data=[1, 300], dtype="i1")[...].tolist())
attempt("create array i1", lambda: f.create_dataset("c2", data=np.array([1, 300]), dtype="i1")[...].tolist())
attempt("fill i1 300", lambda: f.create_dataset("c3", (2,), dtype="i1", fillvalue=300).fillvalue)
attempt("fill u1 -5", lambda: f.create_dataset("c4", (2,), dtype="u1", fillvalue=-5).fillvalue)
attempt("write_direct i8->i4", lambda: (i4.write_direct(np.array([2**40, 1, 2])), i4[...].tolist())[1])
attempt("S0", lambda: f.create_dataset("s0", (2,), dtype="S0").dtype)
attempt("attr [1,'a']", lambda: (f.attrs.__setitem__("mix", [1, "a"]), f.attrs["mix"])[1])
attempt("attr U array", lambda: (f.attrs.__setitem__("u", np.array(["a", "bc"])), f.attrs["u"])[1])
attempt("attr str NUL", lambda: (f.attrs.__setitem__("nul", "a\x00b"), f.attrs["nul"])[1])
attempt("attr 2**70", lambda: (f.attrs.__setitem__("big", 2**70), f.attrs["big"])[1])
# attrs.modify: a Python value converted by numpy's rules to the stored
# dtype (refused when it does not fit), an array converted by HDF5 (clamped).
f.attrs.create("m1", 5, dtype="i1")
f.attrs.create("mu", [1, 2], dtype="u2")
f.attrs["mf"] = 1.5
def m(name, v):
    f.attrs.modify(name, v)
    return f.attrs[name].tolist()
attempt("modify i1 1000", lambda: m("m1", 1000))
attempt("modify i1 after refusal", lambda: f.attrs["m1"].tolist())
attempt("modify i1 -3", lambda: m("m1", -3))
attempt("modify i1 2.7", lambda: m("m1", 2.7))
attempt("modify i1 nan", lambda: m("m1", float("nan")))
attempt("modify u2 [-1, 3]", lambda: m("mu", [-1, 3]))
attempt("modify u2 array 70000", lambda: m("mu", np.array([70000, 1])))
attempt("modify u2 3 values", lambda: m("mu", [1, 2, 3]))
attempt("modify f8 'x'", lambda: m("mf", "x"))
attempt("modify f8 2**70", lambda: m("mf", 2**70))
# h5py.Empty as data, and the fill values of string datasets.
attempt("dataset Empty", lambda: (f.__setitem__("em", L.Empty("f4")), f["em"].shape, f["em"][()].dtype.str))
attempt("create Empty", lambda: (f.create_dataset("em2", data=L.Empty("i4")), f["em2"][()].dtype.str))
attempt("attr Empty", lambda: (f.attrs.__setitem__("em", L.Empty("f4")), f.attrs["em"].dtype.str))
attempt("vlen fillvalue", lambda: f.create_dataset("vf", (2,), dtype=L.string_dtype()).fillvalue)
attempt("compound vlen fillvalue", lambda: f.create_dataset(
    "cvf", (2,), dtype=np.dtype([("n", L.string_dtype()), ("x", "f8")])).fillvalue)
# datetime64 / timedelta64 as h5py stores them (opaque, tagged), and the
# dtype helpers.
attempt("opaque datetime", lambda: (f.__setitem__("odt", np.array(["2020-01-01T00:00:00.5", "NaT"],
                                    dtype=L.opaque_dtype("M8[ns]"))), f["odt"][...], f["odt"].dtype.metadata))
attempt("opaque timedelta attr", lambda: (f.attrs.__setitem__("otd", np.array([5, -3],
                                          dtype=L.opaque_dtype("m8[s]"))), f.attrs["otd"])[1])
attempt("plain datetime", lambda: f.__setitem__("pdt", np.array(["2020-01-01"], dtype="M8[D]")))
attempt("check_string_dtype S", lambda: L.check_string_dtype(L.string_dtype("ascii", 5)))
attempt("check_string_dtype vlen", lambda: L.check_string_dtype(L.string_dtype()).encoding)
attempt("check_dtype vlen", lambda: L.check_dtype(vlen=L.string_dtype()))
attempt("check_vlen_dtype", lambda: L.check_vlen_dtype(L.vlen_dtype(np.int32)))
attempt("special_dtype", lambda: L.special_dtype(vlen=str) == L.string_dtype())
attempt("check_opaque_dtype", lambda: L.check_opaque_dtype(L.opaque_dtype("M8[D]")))
# asstr(encoding, errors), on fixed- and variable-length strings.
f.create_dataset("l1", data=np.array([b"caf\xe9", b"x"], dtype="S4"))
f["vs"] = ["caf\u00e9", "b"]
attempt("asstr latin-1 fixed", lambda: f["l1"].asstr("latin-1")[...])
attempt("asstr strict fixed", lambda: f["l1"].asstr()[...])
attempt("asstr replace", lambda: f["l1"].asstr(errors="replace")[...])
attempt("asstr vlen", lambda: (f["vs"].asstr()[...], f["vs"].asstr()[0]))
attempt("asstr non-string", lambda: f["i4"].asstr())
# Compound rows as tuples, and writes of one field (h5py's d["a"] = v).
dt = np.dtype([("a", "i4"), ("b", "f8")])
c = f.create_dataset("compound", (3,), dtype=dt)
attempt("row tuple", lambda: (c.__setitem__(0, (1, 2.5)), c[...].tolist())[1])
attempt("rows list of tuples", lambda: (c.__setitem__(slice(0, 2), [(3, 4.5), (5, 6.5)]), c[...].tolist())[1])
attempt("create list of tuples", lambda: f.create_dataset("ct", data=[(1, 2.0), (3, 4.0)], dtype=dt)[...].tolist())
attempt("attr tuple", lambda: (f.attrs.create("tup", (1, 2.5), dtype=dt), f.attrs["tup"])[1])
nested = np.dtype([("p", dt), ("q", "i2")])
n = f.create_dataset("nested_c", (2,), dtype=nested)
attempt("nested tuple", lambda: (n.__setitem__(1, ((7, 8.5), 9)), n[...].tolist())[1])
attempt("tuple too long", lambda: c.__setitem__(0, (1, 2, 3)))
attempt("field write", lambda: (c.__setitem__("a", np.array([9, 9, 9])), c[...].tolist())[1])
attempt("field write slice", lambda: (c.__setitem__(("b", slice(1, 3)), [7.5, 8.5]), c[...].tolist())[1])
attempt("missing field", lambda: c.__setitem__("zz", 1))
for k, v in [("lb", [b"a", b"bc"]), ("ls", ["a", "bc"]), ("b", b"hello"), ("s", "hi"),
             ("nested", [["a", "b"], ["c", "d"]]), ("tup", ("a", "bc")), ("npstr", np.str_("a")),
             ("npbytes", np.bytes_(b"xy")), ("lnp", [np.str_("a"), "b"]),
             ("lnpb", [np.bytes_(b"a"), b"b"]), ("ds U", np.array(["a", "bc"]))]:
    def ds(k=k, v=v):
        f[k] = v
        return f[k].dtype, f[k].dtype.metadata, f[k][()]
    def at(k=k, v=v):
        f.attrs[k] = v
        a = f.attrs[k]
        return a, getattr(getattr(a, "dtype", None), "metadata", None)
    attempt("dataset " + k, ds)
    attempt("attr " + k, at)
# attrs.get_id(name): the dtype and shape clients read off it (anndata
# tells fixed-length strings by check_string_dtype(...).length).
def info(k):
    i = f.attrs.get_id(k)
    c = L.check_string_dtype(i.dtype)
    return i.shape, (c.length if c else "-"), i.dtype.kind
attempt("get_id", lambda: [info(k) for k in ("s", "npbytes", "ls", "big")])
'''


def outcomes(lib, path):
    proc = subprocess.run([sys.executable, "-c", CASES, lib, str(path)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_every_case_as_h5py(tmp_path):
    theirs = outcomes("h5py", tmp_path / "h5py.h5")
    ours = outcomes("h5async", tmp_path / "ours.h5")
    assert len(ours) == len(theirs) > 40
    for a, b in zip(ours, theirs):
        assert a == b
