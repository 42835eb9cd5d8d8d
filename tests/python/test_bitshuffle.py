"""The Bitshuffle filter (32008) through hdf5plugin's library: h5async
(1 codec thread: HDF5's path with the filter h5async registers; 2: the
codec pool) and h5py with hdf5plugin store the same chunks, byte for byte,
and each reads the other's files; without the library, h5async fails as
h5py does without hdf5plugin."""
import json
import os
import zlib

import numpy as np
import pytest

import h5async
from subproc import check_ok, run_script

BSHUF = 32008

if not h5async._h5async.filter_info(BSHUF)[0]:
    pytest.skip("no bitshuffle library (hdf5plugin is not installed)", allow_module_level=True)

COMPOUND = [("a", "<i4"), ("b", "<f8"), ("c", "u1")]  # 13 bytes
# name: (dtype, shape, chunks, compression_opts).  Chunks of 35 elements
# leave 3 after the last multiple of 8; the long ones span several of the
# library's default blocks, a short block and a tail.
SPECS = {}
for _mode, _opts in (("none", [0, 0]), ("lz4", [0, 2]), ("zstd", [0, 3, 5])):
    for _t in ("u1", "<i2", ">i4", "<f4", "<f8", "compound"):
        SPECS[f"{_mode}_{_t}"] = (_t, [45, 23], [7, 5], _opts)
SPECS.update({
    "long_f8_lz4": ("<f8", [6000], [2503], [0, 2]),
    "long_u1_zstd": ("u1", [30000], [20003], [0, 3, 1]),
    "blocks16_i2_lz4": ("<i2", [45, 23], [9, 7], [16, 2]),
    "blocks8_f4_none": ("<f4", [45, 23], [9, 7], [8]),
    "default_f4": ("<f4", [45, 23], [7, 5], None),
    "zstd_nolevel_i2": ("<i2", [45, 23], [7, 5], [0, 3]),
})
# zstd without a level: the bitshuffle filter reads cd_values[5] past the
# end (whatever memory follows), h5async zstd's default level, so only
# the data can match.
UNDEFINED_BYTES = {"zstd_nolevel_i2"}


def dtype_of(t):
    return np.dtype(COMPOUND if t == "compound" else t)


def region(shape):
    """A selection that cuts chunks: HDF5's read-modify-write path."""
    return (slice(3, 11), slice(2, 9)) if len(shape) == 2 else (slice(100, 2700),)


def sample(t, shape):
    rng = np.random.default_rng(zlib.crc32(t.encode()))
    dt = dtype_of(t)
    out = np.zeros(shape, dt)
    for name in dt.names or [None]:
        v = rng.integers(0, 60, size=shape) + (rng.random(shape) < 0.05) * 100
        if name is None:
            out[...] = v.astype(dt)
        else:
            out[name] = v.astype(dt[name])
    return out


# Writes (or reads) the SPECS datasets as h5async does below, in the
# subprocess: h5py with hdf5plugin.  Reading saves the arrays and prints
# each dataset's filter, cd_values and chunks (mask and SHA-1).
H5PY = """
import hashlib, json, sys, numpy as np, h5py, hdf5plugin
mode, path, specs, ref = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
if mode == "write":
    data = np.load(ref)
    with h5py.File(path, "w") as f:
        for name, (t, shape, chunks, opts) in specs.items():
            kw = {"compression_opts": tuple(opts)} if opts is not None else {}
            d = f.create_dataset(name, shape, dtype=data[name].dtype, chunks=tuple(chunks),
                                 compression=32008, **kw)
            first = data[name].copy()
            sel = tuple(slice(*s) for s in json.loads(sys.argv[5])[name])
            first[sel] = np.zeros_like(first[sel])
            d[...] = first
            d[sel] = data[name][sel]
else:
    with h5py.File(path, "r") as f:
        np.savez(ref, **{k: f[k][...] for k in f})
        for k in sorted(f):
            d = f[k]
            print(k, d.id.get_create_plist().get_filter(0)[:3])
            for i in range(d.id.get_num_chunks()):
                c = d.id.get_chunk_info(i)
                mask, raw = d.id.read_direct_chunk(c.chunk_offset)
                print(" ", c.chunk_offset, mask, hashlib.sha1(raw).hexdigest())
"""


def regions():
    return {k: [[s.start, s.stop] for s in region(v[1])] for k, v in SPECS.items()}


def all_data():
    return {k: sample(v[0], tuple(v[1])) for k, v in SPECS.items()}


def h5py_run(mode, path, ref):
    return check_ok(run_script(H5PY, mode, path, json.dumps(SPECS), ref, json.dumps(regions())))


def write_ours(path, data, es=None):
    with h5async.File(path, "w", es=es) as f:
        for name, (t, shape, chunks, opts) in SPECS.items():
            d = f.create_dataset(name, tuple(shape), dtype=data[name].dtype, chunks=tuple(chunks),
                                 compression=BSHUF, compression_opts=opts)
            first = data[name].copy()
            sel = region(shape)
            first[sel] = np.zeros_like(first[sel])
            d[...] = first                    # whole chunks: the pool with 2 threads
            d[sel] = data[name][sel]          # partial chunks: HDF5's path
            assert np.array_equal(d[...], data[name]), name
        if es is not None:
            es.wait()


def pool_chunks(which):
    """Chunks the codec pool has moved so far ("written" or "read")."""
    return h5async.stats()[f"pipeline_chunks_{which}"]


@pytest.fixture(params=[1, 2])
def nthreads(request):
    h5async.set_threads(request.param)
    yield request.param
    h5async.set_threads(0)


def check_same(got, data):
    assert sorted(got.files) == sorted(data)
    for k, v in data.items():
        assert got[k].dtype == v.dtype and got[k].tobytes() == v.tobytes(), k


def test_same_chunks_as_h5py(tmp_path, nthreads):
    """h5py with hdf5plugin reads our file identically, and its own file,
    written the same way, has the same cd_values and the same chunks."""
    data = all_data()
    np.savez(tmp_path / "ref.npz", **data)
    before = pool_chunks("written")
    write_ours(str(tmp_path / "ours.h5"), data)
    moved = pool_chunks("written") - before
    assert moved > 0 if nthreads > 1 else moved == 0
    ours = h5py_run("read", tmp_path / "ours.h5", tmp_path / "ours.npz")
    check_same(np.load(tmp_path / "ours.npz"), data)
    h5py_run("write", tmp_path / "theirs.h5", tmp_path / "ref.npz")
    theirs = h5py_run("read", tmp_path / "theirs.h5", tmp_path / "theirs.npz")
    check_same(np.load(tmp_path / "theirs.npz"), data)
    assert comparable(ours) == comparable(theirs)
    assert "(32008, 1, (0, 4, 13, 0, 3, 5))" in ours  # version, element size, then ours


def comparable(dump):
    """The dump's lines, less the chunks of UNDEFINED_BYTES datasets."""
    out, keep = [], True
    for line in dump.splitlines():
        if not line.startswith(" "):
            keep = line.split()[0] not in UNDEFINED_BYTES
            out.append(line)
        elif keep:
            out.append(line)
    return out


def test_async_writes(tmp_path):
    h5async.set_threads(2)
    try:
        data = all_data()
        es = h5async.EventSet()
        write_ours(str(tmp_path / "ours.h5"), data, es=es)
        es.close()
    finally:
        h5async.set_threads(0)
    h5py_run("read", tmp_path / "ours.h5", tmp_path / "ours.npz")
    check_same(np.load(tmp_path / "ours.npz"), data)


def test_we_read_h5py_files(tmp_path, nthreads):
    data = all_data()
    np.savez(tmp_path / "ref.npz", **data)
    path = str(tmp_path / "theirs.h5")
    h5py_run("write", path, tmp_path / "ref.npz")
    before = pool_chunks("read")
    with h5async.File(path, "r") as f:
        for k, v in data.items():
            d = f[k]
            assert d[...].tobytes() == v.tobytes(), k
            sel = region(v.shape)
            assert np.array_equal(d[sel], v[sel]), k
            assert d.compression == "unknown" and d.dtype == v.dtype
    moved = pool_chunks("read") - before
    assert moved > 0 if nthreads > 1 else moved == 0


def test_hdf5plugin_arguments_unchanged(tmp_path):
    """**hdf5plugin.Bitshuffle(...) as users write it (in a subprocess:
    hdf5plugin imports h5py)."""
    out = check_ok(run_script("""
        import sys, numpy as np, hdf5plugin, h5async
        data = np.arange(3000, dtype="<i4") % 97
        with h5async.File(sys.argv[1], "w") as f:
            for kw in (hdf5plugin.Bitshuffle(), hdf5plugin.Bitshuffle(nelems=64, cname="zstd",
                       clevel=7), hdf5plugin.Bitshuffle(cname="none")):
                d = f.create_dataset(str(len(f)), data=data, chunks=(999,), **kw)
                assert np.array_equal(d[...], data)
        import h5py  # hdf5plugin's import loaded it anyway
        with h5py.File(sys.argv[1], "r") as f:
            for k in sorted(f):
                assert np.array_equal(f[k][...], data)
                print(f[k].id.get_create_plist().get_filter(0)[2])
        """, tmp_path / "kw.h5"))
    assert out.split("\n")[:3] == ["(0, 4, 4, 0, 2)", "(0, 4, 4, 64, 3, 7)", "(0, 4, 4, 0, 0)"]


def exception_name(code, *args, env=None):
    return check_ok(run_script(code, *args, env=env)).strip()


def test_invalid_block_size_as_h5py(tmp_path):
    code = """
        import sys, numpy as np, {lib} as h5py{extra}
        with h5py.File(sys.argv[1], "w") as f:
            for opts in ((7, 2), (12,)):
                try:
                    f.create_dataset("d", data=np.arange(10.0), chunks=(5,), compression=32008,
                                     compression_opts=opts)
                except Exception as e:
                    print(type(e).__name__, "d" in f)
        """
    theirs = exception_name(code.format(lib="h5py", extra=", hdf5plugin"), tmp_path / "a.h5")
    ours = exception_name(code.format(lib="h5async", extra=""), tmp_path / "b.h5")
    assert ours == theirs == "ValueError False\nValueError False"


# Without the library: create_dataset(compression=32008) and reading a
# bitshuffle dataset, printing the exception types (and what still works).
WITHOUT = """
import sys
if sys.argv[1] == "h5async":
    sys.modules["hdf5plugin"] = None  # as if not installed: find_spec gives None
    import h5async as h5py
    from h5async._compat import h5z
    h5py.set_threads(int(sys.argv[3]))
else:
    import h5py
    from h5py import h5z
import numpy as np
with h5py.File(sys.argv[2], "r") as f:
    d = f["none_<f4"]
    print(d.compression, d.compression_opts, d.chunks, d.dtype)
    for sel in (np.s_[...], np.s_[0:2, 0:3]):
        try:
            d[sel]
        except Exception as e:
            print("read", type(e).__name__)
    with h5py.File(sys.argv[2] + ".new", "w") as g:
        for opts in (None, (0, 2)):
            try:
                g.create_dataset("x", (10,), dtype="f4", compression=32008, compression_opts=opts)
            except Exception as e:
                print("create", type(e).__name__, str(e))
        print(h5z.filter_avail(32008), list(g))
"""


def test_without_library_as_h5py_without_hdf5plugin(tmp_path):
    data = all_data()
    path = str(tmp_path / "ours.h5")
    write_ours(path, data)
    env = {k: v for k, v in os.environ.items() if k != "HDF5_PLUGIN_PATH"}
    theirs = check_ok(run_script(WITHOUT, "h5py", path, 0, env=env))
    assert "read OSError\nread OSError" in theirs
    for n in (1, 2):
        proc = run_script(WITHOUT, "h5async", path, n, env=env)
        assert check_ok(proc) == theirs
    # the file is intact: it still reads where the library is found
    with h5async.File(path, "r") as f:
        assert f["none_<f4"][...].tobytes() == data["none_<f4"].tobytes()


def test_library_found_through_hdf5_plugin_path(tmp_path):
    """A libh5bshuf.so in a directory of HDF5_PLUGIN_PATH serves the codec
    pool as hdf5plugin's does."""
    data = all_data()
    path = str(tmp_path / "ours.h5")
    write_ours(path, data)
    import importlib.util
    spec = importlib.util.find_spec("hdf5plugin")
    lib = os.path.join(spec.submodule_search_locations[0], "plugins", "libh5bshuf.so")
    os.mkdir(tmp_path / "plugins")
    os.symlink(lib, tmp_path / "plugins" / "libh5bshuf.so")
    out = check_ok(run_script("""
        import sys
        sys.modules["hdf5plugin"] = None
        import numpy as np, h5async
        h5async.set_threads(2)
        ref = np.load(sys.argv[2])
        with h5async.File(sys.argv[1], "r") as f:
            for k in ref.files:
                assert f[k][...].tobytes() == ref[k].tobytes(), k
        print(h5async.stats()["pipeline_chunks_read"] > 0)
        """, path, _saved(tmp_path, data), env={"HDF5_PLUGIN_PATH": str(tmp_path / "plugins")}))
    assert out.strip() == "True"


def _saved(tmp_path, data):
    np.savez(tmp_path / "ref.npz", **data)
    return tmp_path / "ref.npz"


def chunk_place(path, name, index):
    out = check_ok(run_script("""
        import sys, h5py
        c = h5py.File(sys.argv[1], "r")[sys.argv[2]].id.get_chunk_info(int(sys.argv[3]))
        print(c.byte_offset, c.size)
        """, path, name, index))
    return tuple(map(int, out.split()))


@pytest.mark.parametrize("name,at", [
    ("long_f8_lz4", 12),      # the first block's stored length: past the chunk
    ("long_u1_zstd", 7),      # the decoded size in the header
    ("none_<f8", "size"),     # a chunk shorter than its elements
])
def test_corrupt_chunk_is_an_error(tmp_path, nthreads, name, at):
    data = all_data()
    path = str(tmp_path / "bad.h5")
    with h5async.File(path, "w") as f:
        f.create_dataset(name, data=data[name], chunks=tuple(SPECS[name][2]), compression=BSHUF,
                         compression_opts=SPECS[name][3])
    offset, size = chunk_place(path, name, 1)
    if at == "size":
        # Rewrite the chunk one byte short, through h5py's direct write.
        check_ok(run_script("""
            import sys, h5py
            d = h5py.File(sys.argv[1], "r+")[sys.argv[2]]
            c = d.id.get_chunk_info(1)
            mask, raw = d.id.read_direct_chunk(c.chunk_offset)
            d.id.write_direct_chunk(c.chunk_offset, raw[:-1], mask)
            """, path, name))
    else:
        with open(path, "r+b") as fh:
            fh.seek(offset + at)
            byte = fh.read(1)
            fh.seek(offset + at)
            fh.write(bytes([byte[0] ^ 0x40]))
    with h5async.File(path, "r") as f:
        d = f[name]
        first = tuple(slice(0, c) for c in SPECS[name][2])
        assert np.array_equal(d[first], data[name][first])  # the good chunk still reads
        with pytest.raises(OSError) as info:
            d[...]
        if nthreads > 1:
            assert "bitshuffle" in str(info.value)
