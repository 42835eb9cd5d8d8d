"""The parallel chunk pipeline: filters of chunked datasets run on codec
threads, the I/O thread moves whole chunks with direct chunk I/O, and
everything else falls back to HDF5's own path (docs/semantics.md, "Chunk
pipeline").  Every test compares data exactly; the stats() counters show
which path ran, so each fallback rule is exercised on purpose."""
import os

import numpy as np
import pytest

import h5async
from subproc import check_ok, run_script

FILTERS = {
    "gzip": dict(compression="gzip", compression_opts=4),
    "shuffle": dict(shuffle=True),
    "fletcher32": dict(fletcher32=True),
    "gzip+shuffle": dict(compression="gzip", shuffle=True),
    "shuffle+fletcher32": dict(shuffle=True, fletcher32=True),
    "all": dict(compression="gzip", compression_opts=9, shuffle=True, fletcher32=True),
}
# Element sizes 1 to 16, odd ones included, for shuffle's byte planes.
DTYPES = {name: np.dtype(name) for name in ("u1", "<i2", "S3", "<f4", "<f8", "S12", "<c16")}
DTYPES["u1+i4"] = np.dtype([("a", "u1"), ("b", "<i4")])  # a packed 5-byte compound


@pytest.fixture
def threads():
    h5async.set_threads(2)
    yield 2
    h5async.set_threads(0)


def counters():
    return {k[9:]: v for k, v in h5async.stats().items() if k.startswith("pipeline_")}


def delta(before):
    now = counters()
    return {k: now[k] - before[k] for k in now}


def sample(shape, dtype):
    rng = np.random.default_rng(sum(shape))
    raw = rng.integers(0, 40, size=int(np.prod(shape)) * dtype.itemsize, dtype=np.uint8)
    return raw.view(dtype).reshape(shape)


def make(f, name, shape, chunks, dtype, filters, **kw):
    return f.create_dataset(name, shape, dtype=dtype, chunks=chunks, **FILTERS[filters], **kw)


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_whole_dataset(h5path, threads, filters, dtype):
    dtype = DTYPES[dtype]
    data = sample((45, 23), dtype)  # edge chunks on both axes
    before = counters()
    with h5async.File(h5path, "w") as f:
        d = make(f, "d", data.shape, (8, 5), dtype, filters)
        d[...] = data
        assert np.array_equal(d[...], data)
    got = delta(before)
    assert got["writes"] == 1 and got["reads"] == 1
    assert got["chunks_written"] == got["chunks_read"] == 6 * 5


@pytest.mark.parametrize("filters", ["gzip+shuffle", "all"])
def test_async_round_trip(h5path, threads, filters):
    data = sample((64, 40), np.dtype("<f8"))
    es = h5async.EventSet()
    f = h5async.File(h5path, "w", es=es)
    d = make(f, "d", data.shape, (16, 20), "<f8", filters)
    d[0:32] = data[0:32]
    d[32:64] = data[32:64]
    out = np.empty_like(data)
    d.read_direct(out, es=es)
    es.wait()
    assert np.array_equal(out, data)
    f.es = None
    f.close()
    es.close()


def test_aligned_blocks_and_edges(h5path, threads):
    data = sample((100, 37), np.dtype("<i4"))
    with h5async.File(h5path, "w") as f:
        d = make(f, "d", data.shape, (16, 10), "<i4", "gzip+shuffle")
        before = counters()
        d[0:32, 10:37] = data[0:32, 10:37]     # ends at the dataset's edge
        d[96:100, 0:10] = data[96:100, 0:10]    # the last, partial row of chunks
        d[32:96] = data[32:96]
        d[0:32, 0:10] = data[0:32, 0:10]
        d[96:100, 10:37] = data[96:100, 10:37]
        got = delta(before)
        assert got["writes"] == 5 and got["declined"] == 0
        assert np.array_equal(d[...], data)
        assert np.array_equal(d[16:48, 20:37], data[16:48, 20:37])
        assert np.array_equal(d[96:100], data[96:100])
        assert np.array_equal(d[48], data[48])  # one row: not chunk-aligned
        assert delta(before)["declined"] == 1


def test_unaligned_and_converted_fall_back(h5path, threads):
    data = sample((40, 30), np.dtype("<f8"))
    with h5async.File(h5path, "w") as f:
        d = make(f, "d", data.shape, (10, 10), "<f8", "all")
        before = counters()
        d[...] = data.astype("<f4")             # needs conversion: HDF5 converts
        d[3:17, 5:25] = data[3:17, 5:25]        # unaligned: read-modify-write in HDF5
        d[::2, 0:10] = data[::2, 0:10]          # strided
        expect = data.astype("<f4").astype("<f8")
        expect[3:17, 5:25] = data[3:17, 5:25]
        expect[::2, 0:10] = data[::2, 0:10]
        got = delta(before)
        assert got["writes"] == 0 and got["declined"] == 3
        assert np.array_equal(d[...], expect)
        assert np.array_equal(d.astype("<f4")[...], expect.astype("<f4"))  # converted read
        assert np.array_equal(d[[1, 5, 7], 0:10], expect[[1, 5, 7], 0:10])  # list: HDF5


def test_fill_values(h5path, threads):
    with h5async.File(h5path, "w") as f:
        d = f.create_dataset("d", (15,), dtype="<i8", chunks=(10,), maxshape=(None,),
                             compression="gzip", fillvalue=-1)
        before = counters()
        assert np.array_equal(d[...], np.full(15, -1))  # nothing written yet
        assert delta(before)["chunks_unallocated"] == 2
        d[...] = np.arange(15)   # the edge chunk's padding holds the fill value
        d.resize((25,))
        expect = np.concatenate([np.arange(15), np.full(10, -1)])
        assert np.array_equal(d[...], expect)
        d[20:25] = [7, 7, 7, 7, 7]
        expect[20:25] = 7
        assert np.array_equal(d[...], expect)


def test_mixed_paths_stay_coherent(h5path, threads):
    """A chunk left in HDF5's cache by the fallback path, then moved whole
    by the pipeline (and the other way round), must never go stale."""
    data = sample((30, 30), np.dtype("<u2"))
    with h5async.File(h5path, "w") as f:
        d = make(f, "d", data.shape, (10, 10), "<u2", "gzip+shuffle")
        d[...] = data
        d[2:5, 2:5] = 0                     # partial: cached in HDF5
        data[2:5, 2:5] = 0
        assert np.array_equal(d[0:10, 0:10], data[0:10, 0:10])  # direct read
        d[12:15, 12:15] = 1
        d[10:20, 10:20] = data[10:20, 10:20]  # direct write over a cached chunk
        assert np.array_equal(d[...], data)
    out = check_ok(run_script("""
        import sys, h5py, numpy as np
        d = h5py.File(sys.argv[1], "r")["d"][...]
        print(int(d.astype(np.int64).sum()), int(d[2:5, 2:5].sum()))
        """, h5path))
    assert out == f"{int(data.astype(np.int64).sum())} 0\n"


def test_threads_one_and_many_store_the_same(tmp_path):
    data = sample((64, 64), np.dtype("<f4"))
    outs = []
    try:
        for n in (1, 2, 3):
            h5async.set_threads(n)
            assert h5async.get_threads() == n
            path = str(tmp_path / f"t{n}.h5")
            with h5async.File(path, "w") as f:
                make(f, "d", data.shape, (16, 16), "<f4", "all")[...] = data
            outs.append(path)
        for n in (1, 2):
            h5async.set_threads(n)
            for path in outs:
                with h5async.File(path, "r") as f:
                    assert f["d"][...].tobytes() == data.tobytes()
    finally:
        h5async.set_threads(0)


H5PY_CHECK = """
import sys, h5py, numpy as np
ref = np.load(sys.argv[2])
with h5py.File(sys.argv[1], "r") as f:
    for name in ref.files:
        got = f[name][...]
        assert got.dtype == ref[name].dtype, name
        assert got.tobytes() == ref[name].tobytes(), name
print(len(ref.files))
"""


def test_h5py_reads_our_files(tmp_path, threads):
    path, ref = str(tmp_path / "ours.h5"), {}
    with h5async.File(path, "w") as f:
        for i, (filters, dtype) in enumerate((fi, dt) for fi in FILTERS
                                             for dt in DTYPES.values()):
            shape = (33, 7) if dtype.itemsize == 1 else (20, 9)  # odd byte counts too
            data = sample(shape, dtype)
            make(f, f"d{i}", shape, (8, 7), dtype, filters)[...] = data
            ref[f"d{i}"] = data
    np.savez(tmp_path / "ref.npz", **ref)
    out = check_ok(run_script(H5PY_CHECK, path, tmp_path / "ref.npz"))
    assert out == f"{len(ref)}\n"


def test_we_read_h5pys_files(tmp_path, threads):
    check_ok(run_script("""
        import sys, h5py, numpy as np
        rng = np.random.default_rng(1)
        ref = {}
        with h5py.File(sys.argv[1], "w") as f:
            for i, kw in enumerate([dict(compression="gzip", shuffle=True),
                                    dict(compression="gzip", compression_opts=1, fletcher32=True),
                                    dict(shuffle=True, fletcher32=True),
                                    dict(compression="lzf", shuffle=True),
                                    dict(compression="lzf")]):
                data = rng.integers(0, 9, size=(50, 31)).astype("<i4")
                f.create_dataset(f"d{i}", data=data, chunks=(16, 8), **kw)
                ref[f"d{i}"] = data
            # incompressible data: lzf gives up and HDF5 stores the chunk raw
            noise = rng.integers(0, 2**32, size=(64,), dtype="<u4")
            f.create_dataset("noise", data=noise, chunks=(32,), compression="lzf")
            ref["noise"] = noise
        np.savez(sys.argv[2], **ref)
        """, tmp_path / "h5py.h5", tmp_path / "ref.npz"))
    ref = np.load(tmp_path / "ref.npz")
    before = counters()
    with h5async.File(str(tmp_path / "h5py.h5"), "r") as f:
        for name in ref.files:
            assert f[name][...].tobytes() == ref[name].tobytes(), name
    assert delta(before)["reads"] == len(ref.files)


def chunk_places(path, name):
    """(byte offset, size) of each stored chunk, from h5py."""
    out = check_ok(run_script("""
        import sys, h5py
        d = h5py.File(sys.argv[1], "r")[sys.argv[2]]
        for i in range(d.id.get_num_chunks()):
            c = d.id.get_chunk_info(i)
            print(c.byte_offset, c.size)
        """, path, name))
    return [tuple(map(int, line.split())) for line in out.splitlines()]


@pytest.mark.parametrize("filters,message", [("fletcher32", "Fletcher32"),
                                             ("gzip", "corrupt deflate stream")])
def test_corrupt_chunk_is_an_error(tmp_path, threads, filters, message):
    path = str(tmp_path / "bad.h5")
    data = sample((40,), np.dtype("<f8"))
    with h5async.File(path, "w") as f:
        make(f, "d", data.shape, (10,), "<f8", filters)[...] = data
    offset, size = chunk_places(path, "d")[2]
    with open(path, "r+b") as fh:
        fh.seek(offset + size // 2)
        byte = fh.read(1)
        fh.seek(offset + size // 2)
        fh.write(bytes([byte[0] ^ 0x5A]))
    with h5async.File(path, "r") as f:
        d = f["d"]
        assert np.array_equal(d[0:20], data[0:20])  # the good chunks still read
        with pytest.raises(OSError, match=message) as info:
            d[...]
        assert "chunk at (20)" in str(info.value)


def test_set_threads_checks_its_argument():
    with pytest.raises(TypeError):
        h5async.set_threads("2")
    with pytest.raises(TypeError):
        h5async.set_threads(True)
    with pytest.raises(ValueError):
        h5async.set_threads(-1)
    with pytest.raises(ValueError):
        h5async.set_threads(10**6)


@pytest.mark.parametrize("value,ok", [("3", True), (" 1 ", True), ("0", False),
                                      ("two", False), ("-2", False), ("99999", False)])
def test_threads_environment_variable(value, ok):
    proc = run_script("import h5async; print(h5async.get_threads())",
                      env={"H5ASYNC_THREADS": value})
    if ok:
        assert check_ok(proc) == f"{int(value)}\n"
    else:
        assert proc.returncode == 1 and "ValueError" in proc.stderr
        assert "H5ASYNC_THREADS" in proc.stderr


def test_default_is_the_usable_cores():
    proc = run_script("import h5async; print(h5async.get_threads())",
                      env={"H5ASYNC_THREADS": ""})
    assert check_ok(proc) == f"{len(os.sched_getaffinity(0))}\n"


@pytest.mark.parametrize("n", [1, 2])
def test_lzf_through_hdf5s_path_too(tmp_path, n):
    """h5py's lzf datasets stay usable where the pipeline steps aside: one
    codec thread, unaligned reads and partial writes go through HDF5 with
    the lzf filter h5async registers; h5py reads the result."""
    path = str(tmp_path / "lzf.h5")
    check_ok(run_script("""
        import sys, h5py, numpy as np
        with h5py.File(sys.argv[1], "w") as f:
            f.create_dataset("d", data=np.arange(600, dtype="<i4").reshape(20, 30),
                             chunks=(8, 8), compression="lzf")
        """, path))
    expect = np.arange(600, dtype="<i4").reshape(20, 30)
    h5async.set_threads(n)
    try:
        with h5async.File(path, "r+") as f:
            d = f["d"]
            assert np.array_equal(d[3:11, 5:17], expect[3:11, 5:17])
            d[1:3, 1:3] = -1                 # partial: HDF5 re-encodes the chunk
            d[8:16, 8:16] = -2               # whole chunk: the pipeline, when it runs
            expect[1:3, 1:3] = -1
            expect[8:16, 8:16] = -2
            assert np.array_equal(d[...], expect)
    finally:
        h5async.set_threads(0)
    out = check_ok(run_script("""
        import sys, h5py
        d = h5py.File(sys.argv[1], "r")["d"][...]
        print(int(d.sum()), d[1, 1], d[9, 9])
        """, path))
    assert out == f"{int(expect.sum())} -1 -2\n"
