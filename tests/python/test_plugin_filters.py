"""The common plugin filters (Zstandard 32015, LZ4 32004, Blosc 32001) in
the chunk pipeline and on HDF5's own path: create_dataset(compression=<id>,
compression_opts=<cd_values>) as h5py takes them, round trips through the
codec pool (2 threads) and through HDF5's filters h5async registers (1
thread, partial and unaligned selections), and files h5py with hdf5plugin
reads identically, and the other way round.  A filter whose library this
build lacks is skipped."""
import numpy as np
import pytest

import h5async
from subproc import check_ok, run_script

ZSTD, LZ4, BLOSC = 32015, 32004, 32001

# name: (filter id, compression_opts) as hdf5plugin writes them.
CASES = {
    "zstd": (ZSTD, None),
    "zstd-1": (ZSTD, (1,)),
    "zstd-19": (ZSTD, (19,)),
    "lz4": (LZ4, None),
    "lz4-default": (LZ4, (0,)),
    "lz4-blocks": (LZ4, (1000,)),  # several blocks per chunk, a short last one
    "blosc": (BLOSC, None),
    "blosc-lz4-shuffle": (BLOSC, (0, 0, 0, 0, 5, 1, 1)),
    "blosc-zstd-bitshuffle": (BLOSC, (0, 0, 0, 0, 9, 2, 5)),
    "blosc-zlib-noshuffle": (BLOSC, (0, 0, 0, 0, 3, 0, 4)),
}


def available(fid):
    with h5async.File("pf-probe.h5", "w", driver="core", backing_store=False) as f:
        try:
            f.create_dataset("d", (4,), dtype="u1", compression=fid)
        except ValueError:
            return False
    return True


AVAILABLE = {fid: available(fid) for fid in (ZSTD, LZ4, BLOSC)}


def need(fid):
    if not AVAILABLE[fid]:
        pytest.skip(f"filter {fid} not in this build")


def counters():
    return {k[9:]: v for k, v in h5async.stats().items() if k.startswith("pipeline_")}


@pytest.fixture(params=[1, 2])
def nthreads(request):
    h5async.set_threads(request.param)
    yield request.param
    h5async.set_threads(0)


def sample(shape, dtype="<f8"):
    rng = np.random.default_rng(7)
    # compressible, but not trivially: small integers and some noise
    return (rng.integers(0, 50, size=shape) + rng.random(shape) * (rng.random(shape) < 0.1)
            ).astype(dtype)


@pytest.mark.parametrize("case", CASES)
def test_round_trip(h5path, nthreads, case):
    fid, opts = CASES[case]
    need(fid)
    data = sample((45, 23))  # edge chunks on both axes
    before = counters()
    with h5async.File(h5path, "w") as f:
        d = f.create_dataset("d", data.shape, dtype="<f8", chunks=(8, 5), compression=fid,
                             compression_opts=opts)
        d[...] = data                          # whole chunks, edge ones partial in extent
        d[3:11, 2:13] = -data[3:11, 2:13]      # unaligned: HDF5's path, read-modify-write
        data[3:11, 2:13] *= -1
        assert np.array_equal(d[...], data)
        assert np.array_equal(d[5:40:3, 1:22], data[5:40:3, 1:22])
        assert d.compression == "unknown" and d.compression_opts is None
    with h5async.File(h5path, "r") as f:
        assert np.array_equal(f["d"][...], data)
        assert np.array_equal(f["d"][7:9, 4:6], data[7:9, 4:6])
    moved = counters()["chunks_written"] - before["chunks_written"]
    assert moved > 0 if nthreads > 1 else moved == 0


@pytest.mark.parametrize("case", ["zstd", "lz4-blocks", "blosc-lz4-shuffle"])
def test_async_round_trip(h5path, case):
    fid, opts = CASES[case]
    need(fid)
    h5async.set_threads(2)
    try:
        data = sample((64, 40))
        es = h5async.EventSet()
        f = h5async.File(h5path, "w", es=es)
        d = f.create_dataset("d", data.shape, dtype="<f8", chunks=(16, 20), compression=fid,
                             compression_opts=opts)
        d[0:32] = data[0:32]
        d[32:64] = data[32:64]
        d[10:20, 3:7] = 5.0                    # a partial update, queued behind
        data[10:20, 3:7] = 5.0
        out = np.empty_like(data)
        d.read_direct(out, es=es)
        es.wait()
        assert np.array_equal(out, data)
        f.es = None
        f.close()
        es.close()
    finally:
        h5async.set_threads(0)


CHUNK_HASHES = """
import hashlib, sys, h5py
d = h5py.File(sys.argv[1], "r")["d"]
for i in range(d.id.get_num_chunks()):
    c = d.id.get_chunk_info(i)
    mask, raw = d.id.read_direct_chunk(c.chunk_offset)
    print(c.chunk_offset, mask, hashlib.sha1(raw).hexdigest())
"""


@pytest.mark.parametrize("case", CASES)
def test_pool_and_hdf5_path_store_the_same_bytes(tmp_path, case):
    """The codec pool (2 threads) and HDF5's filter (1 thread) run the same
    codec: the stored chunks are identical, byte for byte."""
    fid, opts = CASES[case]
    need(fid)
    data = sample((45, 23))
    out = []
    for n in (1, 2):
        path = str(tmp_path / f"t{n}.h5")
        h5async.set_threads(n)
        try:
            with h5async.File(path, "w") as f:
                f.create_dataset("d", data=data, chunks=(8, 5), compression=fid,
                                 compression_opts=opts)
        finally:
            h5async.set_threads(0)
        out.append(check_ok(run_script(CHUNK_HASHES, path)))
    assert out[0] == out[1] and len(out[0].splitlines()) == 6 * 5


def test_incompressible_chunks(h5path, nthreads):
    """Blosc gives up on data it cannot shrink (the optional filter is
    skipped for that chunk); zstd and lz4 store it, lz4 as raw blocks."""
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 2**63, size=(64,), dtype="<u8")
    with h5async.File(h5path, "w") as f:
        for fid in (ZSTD, LZ4, BLOSC):
            if AVAILABLE[fid]:
                f.create_dataset(str(fid), data=noise, chunks=(16,), compression=fid)
    with h5async.File(h5path, "r") as f:
        for name in f:
            assert np.array_equal(f[name][...], noise)
            assert np.array_equal(f[name][5:37], noise[5:37])


def test_compression_argument():
    with h5async.File("pf-args.h5", "w", driver="core", backing_store=False) as f:
        with pytest.raises(ValueError, match="Unknown compression filter number"):
            f.create_dataset("a", (4,), dtype="f4", compression=32099)
        with pytest.raises(ValueError, match="Unknown compression filter number"):
            f.create_dataset("b", (4,), dtype="f4", compression=-3)
        if AVAILABLE[ZSTD]:
            with pytest.raises(TypeError):
                f.create_dataset("c", (4,), dtype="f4", compression=ZSTD, compression_opts=("x",))
            with pytest.raises(TypeError):
                f.create_dataset("c", (4,), dtype="f4", compression=ZSTD, compression_opts=(-1,))
            with pytest.raises(ValueError):
                f.create_dataset("c", (4,), dtype="f4", compression=ZSTD, compression_opts=tuple(range(9)))
            d = f.create_dataset("z", (100,), dtype="f4", compression=ZSTD, compression_opts=(7,))
            assert d.chunks is not None  # a filter asks for chunks, as in h5py
        # gzip's levels stay gzip's
        assert f.create_dataset("g", (4,), dtype="f4", compression=4).compression == "gzip"
        # lzf by its id
        d = f.create_dataset("l", (40,), dtype="f4", compression=32000)
        assert d.compression == "lzf"


def hdf5plugin_or_skip():
    proc = run_script("import hdf5plugin")
    if proc.returncode:
        pytest.skip("hdf5plugin is not installed")


H5PY_IO = """
import sys, numpy as np, h5py, hdf5plugin
mode, path, ref = sys.argv[1:4]
if mode == "read":
    with h5py.File(path, "r") as f:
        np.savez(ref, **{k: f[k][...] for k in f})
        for k in f:
            print(k, f[k].compression, dict(f[k]._filters))
else:
    data = dict(np.load(ref))
    kws = {"zstd": hdf5plugin.Zstd(clevel=4), "lz4": hdf5plugin.LZ4(nbytes=1000),
           "blosc": hdf5plugin.Blosc(cname="lz4", clevel=5, shuffle=hdf5plugin.Blosc.SHUFFLE),
           "blosc2": hdf5plugin.Blosc(cname="zstd", clevel=7,
                                      shuffle=hdf5plugin.Blosc.BITSHUFFLE)}
    with h5py.File(path, "w") as f:
        for k, v in data.items():
            f.create_dataset(k, data=v, chunks=(8, 5), **kws[k.split("_")[0]])
"""


def datasets():
    a = sample((45, 23))
    b = sample((45, 23), "<i4")
    noise = np.random.default_rng(5).integers(0, 2**31, size=(45, 23)).astype("<i4")
    out = {}
    for name, fid in (("zstd", ZSTD), ("lz4", LZ4), ("blosc", BLOSC), ("blosc2", BLOSC)):
        if AVAILABLE[fid]:
            out[f"{name}_f8"], out[f"{name}_i4"], out[f"{name}_noise"] = a, b, noise
    return out


@pytest.mark.parametrize("n", [1, 2])
def test_h5py_with_hdf5plugin_reads_our_files(tmp_path, n):
    hdf5plugin_or_skip()
    data = datasets()
    opts = {"zstd": (ZSTD, (4,)), "lz4": (LZ4, (1000,)), "blosc": (BLOSC, (0, 0, 0, 0, 5, 1, 1)),
            "blosc2": (BLOSC, (0, 0, 0, 0, 7, 2, 5))}
    path = str(tmp_path / "ours.h5")
    h5async.set_threads(n)
    try:
        with h5async.File(path, "w") as f:
            for k, v in data.items():
                fid, cd = opts[k.split("_")[0]]
                d = f.create_dataset(k, v.shape, dtype=v.dtype, chunks=(8, 5), compression=fid,
                                     compression_opts=cd)
                d[...] = v
                d[3:5, 1:2] = v[3:5, 1:2]  # one unaligned write: HDF5's path too
    finally:
        h5async.set_threads(0)
    out = check_ok(run_script(H5PY_IO, "read", path, tmp_path / "got.npz"))
    assert "unknown" in out
    got = np.load(tmp_path / "got.npz")
    assert sorted(got.files) == sorted(data)
    for k, v in data.items():
        assert got[k].dtype == v.dtype and got[k].tobytes() == v.tobytes(), k


@pytest.mark.parametrize("n", [1, 2])
def test_we_read_files_of_h5py_with_hdf5plugin(tmp_path, n):
    hdf5plugin_or_skip()
    data = datasets()
    np.savez(tmp_path / "ref.npz", **data)
    path = str(tmp_path / "theirs.h5")
    check_ok(run_script(H5PY_IO, "write", path, tmp_path / "ref.npz"))
    h5async.set_threads(n)
    before = counters()
    try:
        with h5async.File(path, "r") as f:
            for k, v in data.items():
                assert f[k][...].tobytes() == v.tobytes(), k
                assert np.array_equal(f[k][3:40:2, 1:20], v[3:40:2, 1:20]), k
                assert f[k].compression == "unknown"
    finally:
        h5async.set_threads(0)
    if n > 1:
        assert counters()["chunks_read"] > before["chunks_read"]


def chunk_places(path, name):
    out = check_ok(run_script("""
        import sys, h5py
        d = h5py.File(sys.argv[1], "r")[sys.argv[2]]
        for i in range(d.id.get_num_chunks()):
            c = d.id.get_chunk_info(i)
            print(c.byte_offset, c.size)
        """, path, name))
    return [tuple(map(int, line.split())) for line in out.splitlines()]


@pytest.mark.parametrize("case,message", [("zstd", "zstd decompression failed"),
                                          ("lz4", "lz4 decompression failed"),
                                          ("blosc", "blosc decompression failed")])
@pytest.mark.parametrize("n", [1, 2])
def test_corrupt_chunk_is_an_error(tmp_path, n, case, message):
    fid, opts = CASES[case]
    need(fid)
    path = str(tmp_path / "bad.h5")
    data = sample((400,))
    with h5async.File(path, "w") as f:
        f.create_dataset("d", data=data, chunks=(100,), compression=fid, compression_opts=opts)
    offset, size = chunk_places(path, "d")[2]
    with open(path, "r+b") as fh:
        # Damage the header: zstd's magic number, the decoded size of lz4
        # and blosc (zstd frames carry no checksum unless asked, so damage
        # in the middle of a stream may go unnoticed, as with any reader).
        at = offset + {ZSTD: 1, LZ4: 7, BLOSC: 5}[fid]
        assert size > 8
        fh.seek(at)
        byte = fh.read(1)
        fh.seek(at)
        fh.write(bytes([byte[0] ^ 0x5A]))
    h5async.set_threads(n)
    try:
        with h5async.File(path, "r") as f:
            d = f["d"]
            assert np.array_equal(d[0:200], data[0:200])  # the good chunks still read
            with pytest.raises(OSError) as info:
                d[...]
            if n > 1:  # the pool names the chunk and the codec's complaint
                assert "chunk at (200)" in str(info.value)
                assert message in str(info.value)
    finally:
        h5async.set_threads(0)
