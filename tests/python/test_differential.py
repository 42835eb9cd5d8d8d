"""Differential test of datatypes and values against real h5py (issue 11).

Hypothesis generates batches of cases in this process: a dtype tree (depth
up to 3 over the leaf kinds h5async supports), a shape (0-d and empty
too), values, a way of writing them (``create_dataset(data=)``,
``d[sel] = v``, ``write_direct`` with ``dest_sel`` or both selections,
``attrs[name] = v``), a memory layout of the input (C, strided,
Fortran) and, for types without metadata, a byte-swapped input.  The
batch is pickled to a temporary directory and run by small scripts in
separate interpreters, because h5py and h5async may link different HDF5
builds and a crash must fail one example, not the run:

1. h5async writes every case twice, synchronously and asynchronously
   (an EventSet per case, the input overwritten and dropped before
   ``es.wait()``, so that a write that does not own its copy is caught);
2. h5py writes the reference file, then reads it and both h5async files;
3. h5async reads the three files, synchronously and through Futures.

Each read is turned into a canonical, NaN-aware representation (dtype
tree with byte order and offsets, shape, value types such as bytes
versus str, values) and every read must equal h5py's read of h5py's own
file.  A write h5py refuses must be refused by h5async with the same
exception type (inside the EventSetError for an asynchronous write).

Budget: 35 examples of 2 to 4 cases each, derandomized (the same cases
on every run), under a minute on two cores.  Every failure the generator
found is kept below as an explicit test marked ``xfail(strict=True)``
until it is fixed in src/, and the generator steers around it (each
place says which test holds it).  Vlen sequences, references, opaque and
datetime types are not generated (docs/api.md "Not yet").
"""
import os
import pickle
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from subproc import run_script  # noqa: E402

# --------------------------------------------------------------------------
# Code shared by this process and the scripts: building a dtype from a spec
# with a library's own helpers, preparing an input, canonical values.

COMMON = r'''
import gc, pickle, sys
import numpy as np

def build(spec, lib):
    kind = spec[0]
    if kind in ("int", "float", "complex"):
        return np.dtype(spec[1])
    if kind == "bool":
        return np.dtype("?")
    if kind == "S":
        return np.dtype("S%d" % spec[1])
    if kind == "vstr":
        return lib.string_dtype(spec[1])
    if kind == "enum":
        return lib.enum_dtype(dict(spec[2]), basetype=np.dtype(spec[1]))
    if kind == "compound":
        return np.dtype([(name, build(child, lib)) for name, child in spec[1]])
    if kind == "array":
        return np.dtype((build(spec[2], lib), spec[1]))
    raise ValueError(spec)

def prepare(arr, case):
    """The input as the case asks for it: byte-swapped, strided or Fortran."""
    arr = np.asarray(arr)
    if case["swap"]:
        arr = arr.astype(arr.dtype.newbyteorder())
    if case.get("cast"):
        arr = arr.astype(case["cast"])
    layout = case["layout"]
    if layout == "strided" and arr.ndim >= 1:
        big = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1],), arr.dtype)
        big[..., ::2] = arr
        arr = big[..., ::2]
    elif layout == "F" and arr.ndim >= 2:
        arr = np.asfortranarray(arr)
    else:
        arr = np.ascontiguousarray(arr) if arr.ndim else arr.copy()
    return arr

def cdt(dt):
    if dt.names:
        return ("compound", dt.itemsize,
                tuple((n, dt.fields[n][1], cdt(dt.fields[n][0])) for n in dt.names))
    if dt.subdtype is not None:
        return ("array", dt.shape, cdt(dt.base))
    md = dt.metadata or {}
    if "vlen" in md:
        return ("vlen", getattr(md["vlen"], "__name__", repr(md["vlen"])))
    if "enum" in md:
        return ("enum", dt.str, tuple(sorted(md["enum"].items())))
    return dt.str

def prim(x):
    if isinstance(x, float):
        return "nan" if x != x else repr(x)
    if isinstance(x, complex):
        return (prim(x.real), prim(x.imag))
    return x

def cv(x):
    if isinstance(x, np.ndarray):
        return ("ndarray", cdt(x.dtype), x.shape, tuple(cv(e) for e in x.reshape(-1)))
    if isinstance(x, np.void) and x.dtype.names:
        return ("record", cdt(x.dtype), tuple(cv(x[n]) for n in x.dtype.names))
    if isinstance(x, np.generic):
        return (type(x).__name__, cdt(x.dtype), prim(x.item()))
    return (type(x).__name__, prim(x))

def exc_name(e):
    if isinstance(e, BaseExceptionGroup):
        return "group:" + ",".join(sorted({exc_name(x) for x in e.exceptions}))
    return type(e).__name__

def attempt(fn):
    try:
        return cv(fn())
    except Exception as e:
        return ("raised", exc_name(e), str(e)[:200])
'''

WRITER = COMMON + r'''
libname, mode, path, cases_path, out_path = sys.argv[1:]
if libname == "h5py":
    import h5py as lib
else:
    import h5async as lib
with open(cases_path, "rb") as fh:
    cases = pickle.load(fh)

def scramble(arr):
    """Overwrite and drop an input after an asynchronous submit."""
    if isinstance(arr, np.ndarray) and arr.flags.writeable:
        arr[...] = np.zeros((), arr.dtype)

def write(f, name, case, es):
    kw = {} if es is None else {"es": es}
    dt = build(case["spec"], lib)
    arr = case["data"].astype(dt)
    sel, method = case["sel"], case["method"]
    if method == "create":
        src = prepare(arr, case)
        f.create_dataset(name, data=src, **kw)
    elif method == "attr":
        src = prepare(arr, case)
        if es is None:
            f.attrs[name] = src
        else:
            f.attrs.create(name, src, es=es)
    else:
        d = f.create_dataset(name, shape=case["shape"], dtype=dt, **kw)
        if method == "setitem":
            src = prepare(arr[tuple(sel) + (Ellipsis,)], case)
            if es is None:
                d[sel] = src
            else:
                d.write(sel, src, es=es)
        elif method == "direct":
            src = prepare(arr[tuple(sel) + (Ellipsis,)], case)
            d.write_direct(src, dest_sel=sel if sel != () else None, **kw)
        else:  # direct_src
            src = prepare(arr, case)
            s = sel if sel != () else None
            d.write_direct(src, source_sel=s, dest_sel=s, **kw)
    return src

results = {}
f = lib.File(path, "w")
for i, case in enumerate(cases):
    print("writing case", i, flush=True)
    es = lib.EventSet() if mode == "async" else None
    err = None
    try:
        src = write(f, "c%d" % i, case, es)
        if es is not None:
            scramble(src)
        del src
        gc.collect()
    except Exception as e:
        err = e
    if es is not None:
        try:
            es.wait()
        except Exception as e:
            err = err or e
        es.close()
    results[i] = None if err is None else (exc_name(err), str(err)[:300])
try:
    f.close()
except Exception as e:
    results["close"] = exc_name(e)
with open(out_path, "wb") as fh:
    pickle.dump(results, fh)
'''

READER = COMMON + r'''
libname, cases_path, out_path, *paths = sys.argv[1:]
if libname == "h5py":
    import h5py as lib
else:
    import h5async as lib
with open(cases_path, "rb") as fh:
    cases = pickle.load(fh)
is_async = libname != "h5py"

def aread(obj, key):
    es = lib.EventSet()
    fut = obj.read(key, es=es)
    es.wait()
    es.close()
    return fut.result()

out = {}
for path in paths:
    if not os.path.exists(path):
        continue
    f = lib.File(path, "r")
    for i, case in enumerate(cases):
        name = "c%d" % i
        print("reading", path, name, flush=True)
        r = {}
        if case["method"] == "attr":
            if name not in f.attrs:
                continue
            r["full"] = attempt(lambda: f.attrs[name])
            if is_async:
                r["afull"] = attempt(lambda: aread(f.attrs, name))
        else:
            if name not in f:
                continue
            d = f[name]
            r["dtype"] = cdt(d.dtype)
            r["shape"] = d.shape
            r["full"] = attempt(lambda: d[()])
            if is_async:
                r["afull"] = attempt(lambda: aread(d, ()))
            if case["sel"] != ():
                r["sel"] = attempt(lambda: d[case["sel"]])
                if is_async:
                    r["asel"] = attempt(lambda: aread(d, case["sel"]))
        out[(os.path.basename(path), i)] = r
    f.close()
with open(out_path, "wb") as fh:
    pickle.dump(out, fh)
'''
READER = "import os\n" + READER

_ns = {}
exec(COMMON, _ns)
cdt = _ns["cdt"]


class _Shim:
    """h5py's dtype helpers as plain numpy (same metadata convention)."""

    @staticmethod
    def string_dtype(encoding="utf-8"):
        return np.dtype("O", metadata={"vlen": str if encoding == "utf-8" else bytes})

    @staticmethod
    def enum_dtype(mapping, basetype):
        return np.dtype(basetype, metadata={"enum": dict(mapping)})


def build(spec):
    return _ns["build"](spec, _Shim)


# --------------------------------------------------------------------------
# Generators.

ORDERS = st.sampled_from(["<", ">"])


@st.composite
def leaf_specs(draw):
    kind = draw(st.sampled_from(["int", "int", "float", "complex", "bool", "S",
                                 "vstr", "vstr", "enum"]))
    if kind == "int":
        code = draw(st.sampled_from("iu")) + str(draw(st.sampled_from([1, 2, 4, 8])))
        return ("int", draw(ORDERS) + code if code[1] != "1" else "|" + code)
    if kind == "float":
        return ("float", draw(ORDERS) + "f" + str(draw(st.sampled_from([2, 4, 8]))))
    if kind == "complex":
        return ("complex", draw(ORDERS) + "c" + str(draw(st.sampled_from([8, 16]))))
    if kind == "bool":
        return ("bool",)
    if kind == "S":
        return ("S", draw(st.integers(1, 8)))
    if kind == "vstr":
        return ("vstr", draw(st.sampled_from(["utf-8", "ascii"])))
    base = draw(st.sampled_from(["|u1", "|i1", "<i2", ">u2", "<i4", "<u8"]))
    names = draw(st.lists(st.sampled_from(["RED", "GREEN", "BLUE", "ALPHA"]),
                          min_size=1, max_size=4, unique=True))
    values = draw(st.lists(st.integers(0, 100), min_size=len(names), max_size=len(names),
                           unique=True))
    return ("enum", base, tuple(zip(names, values)))


def dtype_specs(depth=3):
    if depth == 0:
        return leaf_specs()
    child = dtype_specs(depth - 1)
    compound = st.lists(child, min_size=1, max_size=3).map(
        lambda kids: ("compound", tuple(zip("abc", kids))))
    array = st.tuples(st.just("array"), st.sampled_from([(2,), (3,), (2, 3)]), child)
    return st.one_of(leaf_specs(), leaf_specs(), compound, array)


def spec_has_metadata(spec):
    if spec[0] in ("vstr", "enum"):
        return True
    if spec[0] == "compound":
        return any(spec_has_metadata(c) for _, c in spec[1])
    if spec[0] == "array":
        return spec_has_metadata(spec[2])
    return False


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=5)
_ASCII = st.text(st.characters(min_codepoint=1, max_codepoint=127), max_size=5)
_BYTES = st.lists(st.integers(1, 255), max_size=5).map(bytes)


def leaf_values(spec):
    kind = spec[0]
    if kind == "int":
        info = np.iinfo(np.dtype(spec[1]))
        return st.integers(int(info.min), int(info.max))
    if kind == "float":
        return st.floats(width=8 * np.dtype(spec[1]).itemsize)
    if kind == "complex":
        half = st.floats(width=4 * np.dtype(spec[1]).itemsize)
        return st.builds(complex, half, half)
    if kind == "bool":
        return st.booleans()
    if kind == "S":
        return st.binary(max_size=spec[1])
    if kind == "vstr":
        if spec[1] == "utf-8":
            return st.one_of(_TEXT, _TEXT.map(lambda s: s.encode("utf-8")))
        return st.one_of(_BYTES, _ASCII)
    return st.sampled_from([v for _, v in spec[2]])


def fill(draw, view, spec):
    """Fill `view` (a numpy array, subarrays expanded) with values of `spec`."""
    if spec[0] == "compound":
        for name, child in spec[1]:
            fill(draw, view[name], child)
        return
    if spec[0] == "array":
        fill(draw, view, spec[2])
        return
    values = draw(st.lists(leaf_values(spec), min_size=view.size, max_size=view.size))
    flat = np.empty(view.size, dtype=object if spec[0] == "vstr" else view.dtype)
    for k, v in enumerate(values):
        flat[k] = v
    view[...] = flat.reshape(view.shape)


def selections(shape):
    """A random h5py selection of `shape`: an int or a stepped slice per axis."""
    if shape == ():
        return st.just(())
    axes = []
    for n in shape:
        sl = st.builds(slice, st.one_of(st.none(), st.integers(0, n)),
                       st.one_of(st.none(), st.integers(0, n)),
                       st.one_of(st.none(), st.integers(1, 3)))
        axes.append(st.one_of(sl, st.integers(-n, n - 1)) if n else sl)
    return st.tuples(*axes)


def casts(spec, method):
    """A numeric input of another dtype than the dataset's, converted by HDF5."""
    if method in ("create", "attr"):
        return st.none()
    if spec[0] in ("int", "float"):
        return st.sampled_from([None, "<f8", ">i8", "<u2", "<f4"])
    if spec[0] == "enum" and method in ("setitem", "direct", "direct_src"):
        return st.sampled_from([None, "<i8", spec[1]])
    return st.none()


@st.composite
def cases(draw):
    spec = draw(dtype_specs())
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    if int(np.prod(shape)) > 12:
        shape = shape[:1]
    method = draw(st.sampled_from(["create", "attr", "setitem", "direct", "direct_src"]))
    data = np.zeros(shape, build(spec))
    fill(draw, data, spec)
    sel = draw(selections(shape)) if method not in ("create", "attr") else ()
    if method.startswith("direct"):
        # h5py refuses a non-contiguous source ("Array must be C-contiguous",
        # kept as test_write_direct_noncontiguous_source below) and, for a
        # subarray dtype, an empty selection ("Can't broadcast (0, 2) -> (0,)",
        # an h5py quirk); h5async writes both.
        layouts = ["C"]
        if spec[0] == "array" and np.zeros(shape)[sel].size == 0:
            method = "setitem"
    else:
        layouts = ["C", "strided", "F"]
    return {
        "spec": spec, "shape": shape, "method": method, "sel": sel, "data": data,
        "layout": draw(st.sampled_from(layouts)),
        "swap": (not spec_has_metadata(spec)) and draw(st.booleans()),
        # a numeric input of another type than the dataset's, converted by HDF5
        "cast": draw(casts(spec, method)),
    }


# --------------------------------------------------------------------------
# Running a batch.

def _run(code, *args):
    proc = run_script(code, *args, timeout=120)  # retries a lost rebuild race
    if proc.returncode != 0:
        tail = proc.stdout.strip().splitlines()[-1:] + proc.stderr.strip().splitlines()[-15:]
        raise AssertionError(f"interpreter exited with {proc.returncode}:\n" + "\n".join(tail))


def _load(path):
    with open(path, "rb") as fh:
        return pickle.load(fh)


def _no_dependency(name):
    """Exception types in a (group) name, without follow-on DependencyErrors."""
    if name.startswith("group:"):
        inner = set(name[len("group:"):].split(",")) - {"DependencyError"}
        return inner
    return {name}


def run_batch(batch):
    """All the differences between h5async and h5py for `batch` (a list)."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        j = lambda name: os.path.join(tmp, name)  # noqa: E731
        with open(j("cases.pkl"), "wb") as fh:
            pickle.dump(batch, fh)
        written = {}
        for mode in ("sync", "async"):
            try:
                _run(WRITER, "h5async", mode, j(f"{mode}.h5"), j("cases.pkl"), j(f"w_{mode}.pkl"))
                written[mode] = _load(j(f"w_{mode}.pkl"))
            except AssertionError as e:
                problems.append(f"h5async {mode} writer crashed: {e}")
        _run(WRITER, "h5py", "sync", j("ref.h5"), j("cases.pkl"), j("w_ref.pkl"))
        ref_written = _load(j("w_ref.pkl"))
        files = [j("ref.h5")] + [j(f"{m}.h5") for m in written]
        _run(READER, "h5py", j("cases.pkl"), j("r_h5py.pkl"), *files)
        reads = {"h5py": _load(j("r_h5py.pkl"))}
        try:
            _run(READER, "h5async", j("cases.pkl"), j("r_h5async.pkl"), *files)
            reads["h5async"] = _load(j("r_h5async.pkl"))
        except AssertionError as e:
            problems.append(f"h5async reader crashed: {e}")

    for mode, res in written.items():
        if "close" in res:
            problems.append(f"h5async {mode} close raised {res['close']}")
    for i in range(len(batch)):
        expected_exc = ref_written[i]
        for mode, res in written.items():
            got = res[i]
            if expected_exc is None and got is not None:
                problems.append(f"case {i}: h5async {mode} write raised {got}, h5py writes it")
            elif expected_exc is not None and got is None:
                problems.append(f"case {i}: h5async {mode} write succeeded, h5py raises {expected_exc}")
            elif expected_exc is not None and expected_exc[0] not in _no_dependency(got[0]):
                problems.append(f"case {i}: h5async {mode} write raised {got}, h5py {expected_exc}")
        if expected_exc is not None:
            continue
        ref = reads["h5py"].get(("ref.h5", i))
        for reader, res in reads.items():
            for fname in ("ref.h5", "sync.h5", "async.h5"):
                if fname != "ref.h5" and written.get(fname[:-3], {}).get(i, "x") is not None:
                    continue  # that writer failed (reported above)
                if reader == "h5py" and fname == "ref.h5":
                    continue
                got = res.get((fname, i))
                if got is None:
                    problems.append(f"case {i}: {reader} finds nothing in {fname}")
                    continue
                for key, value in got.items():
                    want = ref[key.lstrip("a")] if key in ("afull", "asel") else ref[key]
                    if value != want:
                        problems.append(f"case {i}: {reader} reading {fname} [{key}]:\n"
                                        f"    got      {value!r}\n    expected {want!r}")
    return problems


def describe(case):
    return (f"spec={case['spec']!r} shape={case['shape']} method={case['method']} "
            f"sel={case['sel']!r} layout={case['layout']} swap={case['swap']} cast={case['cast']}\n"
            f"    data={case['data'].tolist()!r}")


@settings(max_examples=35, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(cases(), min_size=2, max_size=4))
def test_differential_against_h5py(batch):
    for i, case in enumerate(batch):
        note(f"case {i}: {describe(case)}")
    problems = run_batch(batch)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------
# Failures the generator found, reduced.  Each script runs once with h5py and
# once with h5async (as `lib`), each in its own interpreter, and must print
# the same thing and exit the same way.

def _same_as_h5py(code, tmp_path):
    outs = {}
    for libname in ("h5py", "h5async"):
        path = tmp_path / f"{libname}.h5"
        src = f"import sys\nimport numpy as np\nimport {libname} as lib\n" + textwrap.dedent(code)
        proc = subprocess.run([sys.executable, "-c", src, str(path)],
                              capture_output=True, text=True, timeout=120)
        outs[libname] = (proc.returncode, proc.stdout)
    assert outs["h5async"] == outs["h5py"], outs


@pytest.mark.xfail(strict=True, reason="write_direct writes a non-contiguous source; "
                                       "h5py raises TypeError('Array must be C-contiguous')")
def test_write_direct_noncontiguous_source(tmp_path):
    _same_as_h5py("""
        with lib.File(sys.argv[1], "w") as f:
            d = f.create_dataset("d", (2,), "i4")
            try:
                d.write_direct(np.arange(4, dtype="i4")[::2])
                print("written", d[()])
            except Exception as e:
                print(type(e).__name__)
    """, tmp_path)


def test_write_direct_int_array_into_enum(tmp_path):
    _same_as_h5py("""
        with lib.File(sys.argv[1], "w") as f:
            d = f.create_dataset("e", (2,), dtype=lib.enum_dtype({"A": 1, "B": 2}, basetype="u1"))
            try:
                d.write_direct(np.array([2, 1], "u1"))
                print("written", d[()])
            except Exception as e:
                print(type(e).__name__)
    """, tmp_path)


def test_write_direct_fixed_bytes_into_vlen_string(tmp_path):
    _same_as_h5py("""
        with lib.File(sys.argv[1], "w") as f:
            for enc in ("ascii", "utf-8"):
                d = f.create_dataset(enc, (2,), dtype=lib.string_dtype(enc))
                try:
                    d.write_direct(np.array([b"abc", b"de"]))
                    print("written", d[()])
                except Exception as e:
                    print(type(e).__name__)
    """, tmp_path)


@pytest.mark.xfail(strict=True, reason="d[...] = vlen strings into an S dataset: h5py raises "
                                       "OSError (no conversion path), h5async writes them "
                                       "(write_direct raises OSError in both)")
def test_vlen_strings_into_fixed_bytes_dataset(tmp_path):
    _same_as_h5py("""
        with lib.File(sys.argv[1], "w") as f:
            d = f.create_dataset("s", (2,), dtype="S3")
            src = np.array([b"abc", b"de"], dtype=lib.string_dtype("ascii"))
            for write in (lambda: d.__setitem__(Ellipsis, src), lambda: d.write_direct(src)):
                try:
                    write()
                    print("written", d[()])
                except Exception as e:
                    print(type(e).__name__)
    """, tmp_path)


def test_write_direct_int_source_sel_drops_string_and_enum(tmp_path):
    _same_as_h5py("""
        with lib.File(sys.argv[1], "w") as f:
            for name, dt, src in [
                    ("s", lib.string_dtype(), ["", "x"]),
                    ("e", lib.enum_dtype({"A": 1, "B": 2}, basetype="u1"), [1, 2])]:
                d = f.create_dataset(name, (2,), dtype=dt)
                try:
                    d.write_direct(np.array(src, dt), source_sel=np.s_[1], dest_sel=np.s_[1])
                    print("written", d[()])
                except Exception as e:
                    print(type(e).__name__)
    """, tmp_path)
