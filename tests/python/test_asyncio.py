"""asyncio integration (issue 5): await es, await future, d.aread(),
d.awrite(), attrs.aget(), f.aclose(); gather over many reads; cancellation
of awaiting tasks; several event loops, and new loops after old ones
closed.  Completion reaches the loop through the engine's wake-up fd: no
thread per operation and no executor."""
import asyncio
import contextlib
import gc
import os
import threading

import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async

FAILSAFE = 60.0


@contextlib.contextmanager
def slow_storage(latency):
    h5async.emulate_storage(latency=latency)
    try:
        yield
    finally:
        h5async.emulate_storage()


DATA = np.arange(4000, dtype="i8").reshape(40, 100)


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "aio.h5")


@pytest.fixture
def dfile(path):
    """File with /x = DATA and an attribute; closed (synchronously) after."""
    f = h5async.File(path, "w")
    f.create_dataset("x", data=DATA)
    f.attrs["n"] = 42
    f.attrs["name"] = "aio"
    f["x"].attrs["scale"] = np.array([0.5, 2.0])
    yield f
    if f:
        f.es = None
        with contextlib.suppress(h5async.EventSetError):
            f.close()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, FAILSAFE))


# ---------------------------------------------------------------- awaitables

def test_await_eventset(path):
    async def main():
        es = h5async.EventSet()
        f = h5async.File(path, "w", es=es)
        d = f.create_dataset("x", shape=(40, 100), dtype="i8")
        for i in range(40):
            d[i] = DATA[i]
        f.attrs["k"] = 3
        assert await es == 0
        assert es.num_in_progress == 0
        f.close()
        assert await es == 0
        es.close()

    run(main())
    with h5py.File(path, "r") as h:
        assert_array_equal(h["x"][...], DATA)
        assert h.attrs["k"] == 3


def test_await_future(dfile):
    async def main():
        es = h5async.EventSet()
        fut = dfile["x"].read(np.s_[5:9, ::10], es=es)
        got = await fut
        assert_array_equal(got, DATA[5:9, ::10])
        assert fut.done()
        assert_array_equal(await fut, DATA[5:9, ::10])  # a done future awaits at once
        assert await es == 0

    run(main())


def test_aread_awrite_aget(dfile, path):
    async def main():
        d = dfile["x"]
        assert_array_equal(await d.aread(np.s_[3]), DATA[3])
        assert_array_equal(await d.aread(), DATA)
        await d.awrite(np.s_[0, 0:5], [-1, -2, -3, -4, -5])
        assert_array_equal(await d.aread(np.s_[0, 0:6]), [-1, -2, -3, -4, -5, 5])
        assert await dfile.attrs.aget("n") == 42
        assert await dfile.attrs.aget("name") == "aio"
        assert_array_equal(await d.attrs.aget("scale"), [0.5, 2.0])

    run(main())
    dfile.close()
    expected = DATA.copy()
    expected[0, 0:5] = [-1, -2, -3, -4, -5]
    with h5py.File(path, "r") as h:
        assert_array_equal(h["x"][...], expected)


def test_aclose(path):
    async def main():
        es = h5async.EventSet()
        f = h5async.File(path, "w", es=es)
        f["x"] = np.arange(10)
        await f.aclose()
        assert not f
        assert await es == 0

    run(main())
    with h5py.File(path, "r") as h:
        assert_array_equal(h["x"][...], np.arange(10))


def test_awaited_failures_raise(dfile):
    async def main():
        es = h5async.EventSet()
        dfile.create_group("g", es=es)
        dfile.create_group("g", es=es)  # fails
        with pytest.raises(h5async.EventSetError) as info:
            await es
        assert [type(e) for e in info.value.exceptions] == [ValueError]
        assert await es == 0  # raised once
        with pytest.raises(KeyError):
            await dfile.attrs.aget("missing")
        dup = dfile.create_dataset("x", data=[1], es=es)  # fails: exists
        with pytest.raises(h5async.DependencyError) as info:
            await dup.aread()
        assert type(info.value.__cause__) is ValueError
        with pytest.raises(h5async.EventSetError):
            await es
        with pytest.raises(IndexError):  # bad arguments raise at the call
            await dfile["x"].aread(np.s_[40])
        with pytest.raises(TypeError):
            await dfile["x"].awrite(np.s_[0], np.arange(3))

    run(main())


def test_awaiting_outside_a_running_loop_is_an_error(dfile):
    fut = dfile["x"].read(np.s_[0])
    with pytest.raises(RuntimeError):
        fut.__await__()
    assert_array_equal(fut.result(), DATA[0])


# ---------------------------------------------------------------- many at once

def test_gather_a_hundred_reads_over_several_files(tmp_path):
    paths = [str(tmp_path / f"g{k}.h5") for k in range(4)]
    for k, p in enumerate(paths):
        with h5py.File(p, "w") as h:
            for j in range(3):
                h[f"d{j}"] = DATA + 10_000 * k + 100_000 * j

    async def main():
        files = [h5async.File(p, "r") for p in paths]
        dsets = [(k, j, f[f"d{j}"]) for k, f in enumerate(files) for j in range(3)]
        threads_before = threading.active_count()
        coros = []
        expected = []
        for n in range(100):
            k, j, d = dsets[n % len(dsets)]
            row = n % 40
            coros.append(d.aread(np.s_[row, 10:90]))
            expected.append(DATA[row, 10:90] + 10_000 * k + 100_000 * j)
        results = await asyncio.gather(*coros)
        for got, exp in zip(results, expected):
            assert_array_equal(got, exp)
        # No thread per operation, no executor.
        assert threading.active_count() == threads_before
        assert asyncio.get_running_loop()._default_executor is None
        for f in files:
            await f.aclose()

    run(main())


def test_gather_keeps_the_queue_full(dfile, hold):
    """All hundred reads are submitted before any completes: the engine sees
    them queued at once, not one by one."""
    d = dfile["x"]
    es = h5async.EventSet()

    async def main():
        h = hold()

        async def check_then_release():
            await asyncio.sleep(0)
            assert h.held
            assert es.num_in_progress == 100
            assert h5async.stats()["queued"] >= 100
            h.release()

        async def one(i):
            return await d.read(np.s_[i % 40], es=es)

        results = await asyncio.gather(*[one(i) for i in range(100)], check_then_release())
        for i, got in enumerate(results[:100]):
            assert_array_equal(got, DATA[i % 40])
        assert await es == 0

    run(main())
    es.close()


def test_a_loop_stays_responsive_while_waiting(dfile):
    d = dfile["x"]
    ticks = []

    async def ticker(stop):
        while not stop.is_set():
            ticks.append(1)
            await asyncio.sleep(0.001)

    async def main():
        stop = asyncio.Event()
        t = asyncio.ensure_future(ticker(stop))
        with slow_storage(0.2):
            got = await d.aread(np.s_[7])
        stop.set()
        await t
        assert_array_equal(got, DATA[7])
        assert len(ticks) > 1  # the loop ran other work meanwhile

    run(main())


# ---------------------------------------------------------------- cancellation
# Awaiting is observation (issue 10, point 4): cancelling the awaiting task
# or a wait_for() timeout never cancels I/O; only es.cancel() and
# Future.cancel() do.

def test_cancelling_a_task_leaves_its_queued_read_to_complete(dfile):
    d = dfile["x"]
    es = h5async.EventSet()

    async def main():
        with slow_storage(0.5):
            slow = d.read(es=es)                 # the I/O thread sleeps in this one
            queued = d.read(np.s_[0:3], es=es)   # behind it

            async def waiter():
                return await queued

            task = asyncio.ensure_future(waiter())
            await asyncio.sleep(0)               # the task now awaits the read
            assert not task.done()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert queued.cancelled() is False
            assert_array_equal(await slow, DATA)
            assert_array_equal(await queued, DATA[0:3])
        assert await es == 0

    run(main())
    es.close()


def test_cancelling_a_task_whose_read_started_lets_it_finish(dfile):
    d = dfile["x"]
    es = h5async.EventSet()

    async def main():
        with slow_storage(0.5):
            started = d.read(np.s_[10:20], es=es)
            while not started.running():
                await asyncio.sleep(0.001)

            async def waiter():
                return await started

            task = asyncio.ensure_future(waiter())
            await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert started.cancelled() is False
        # It finishes safely, with its data, and the engine goes on.
        assert_array_equal(started.result(timeout=FAILSAFE), DATA[10:20])
        assert await es == 0
        assert_array_equal(await d.aread(np.s_[39]), DATA[39])

    run(main())
    es.close()


def test_wait_for_timeout_leaves_a_queued_read_to_complete(dfile, hold):
    d = dfile["x"]
    es = h5async.EventSet()

    async def main():
        h = hold()
        fut = d.read(np.s_[1], es=es)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(fut, 0.05)
        assert not fut.cancelled()
        h.release()
        assert await es == 0
        assert_array_equal(fut.result(timeout=FAILSAFE), DATA[1])

    run(main())
    es.close()


def test_cancelling_a_task_awaiting_awrite_still_writes(dfile, hold):
    d = dfile["x"]

    async def main():
        h = hold()
        task = asyncio.ensure_future(d.awrite(np.s_[2], np.zeros(100, "i8")))
        await asyncio.sleep(0)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        h.release()
        assert_array_equal(await d.aread(np.s_[2]), np.zeros(100, "i8"))

    run(main())


def test_wait_for_timeout_on_an_eventset_loses_no_write(dfile, hold):
    d = dfile["x"]
    es = h5async.EventSet()

    async def main():
        h = hold()
        for i in range(40):
            d.write_direct(np.full(100, -i, "i8"), dest_sel=np.s_[i], es=es)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(es, 0.01)
        task = asyncio.ensure_future(_await(es))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert es.num_in_progress == 40 and es.num_cancelled == 0
        h.release()
        assert await es == 0
        expect = -np.repeat(np.arange(40), 100).reshape(40, 100)
        assert_array_equal(await d.aread(), expect)

    run(main())
    es.close()


def test_only_an_explicit_cancel_cancels_and_says_how_many(dfile, hold):
    d = dfile["x"]
    es = h5async.EventSet()

    async def main():
        h = hold()
        for i in range(5):
            d.write_direct(np.full(100, -i, "i8"), dest_sel=np.s_[i], es=es)
        assert es.num_in_progress == 5
        assert es.num_cancelled == 0
        assert es.cancel() == 0          # none left in progress: all five cancelled
        assert es.num_in_progress == 0 and es.num_cancelled == 5
        h.release()
        assert await es == 0             # a cancellation is no failure
        assert_array_equal(await d.aread(np.s_[0:5]), DATA[0:5])

    run(main())
    es.close()


def test_awrite_and_aclose_submit_at_the_call(dfile, path):
    """The copy and the submission happen at the call: changing the array
    afterwards, a zero timeout, or cancelling the task before it ever runs
    loses nothing."""
    d = dfile["x"]

    async def main():
        a = np.zeros(100, "i8")
        c = d.awrite(np.s_[0], a)
        a[:] = 99                              # after the call: not written
        await c
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(d.awrite(np.s_[1], np.full(100, 1)), timeout=0)
        tasks = [asyncio.ensure_future(_await(d.awrite(np.s_[i], np.full(100, i))))
                 for i in range(2, 40)]
        for t in tasks:
            t.cancel()                         # before any of them has run
        await asyncio.gather(*tasks, return_exceptions=True)
        h5async.drain()
        expect = np.repeat(np.arange(40), 100).reshape(40, 100)
        assert_array_equal(await d.aread(), expect)

    run(main())
    dfile.es = None
    dfile.close()
    with h5py.File(path, "r") as f:
        assert_array_equal(f["x"][...], np.repeat(np.arange(40), 100).reshape(40, 100))


def test_await_returns_when_the_set_is_closed_meanwhile(dfile, hold):
    d = dfile["x"]
    es, other = h5async.EventSet(), h5async.EventSet()

    async def main():
        h = hold()
        for i in range(5):
            d.write_direct(np.full(100, -i, "i8"), dest_sel=np.s_[i], es=es)
        d.write_direct(np.full(100, 7, "i8"), dest_sel=np.s_[5], es=other)
        waiter = asyncio.ensure_future(_await(es))
        waiter2 = asyncio.ensure_future(_await(other))
        await asyncio.sleep(0)
        h.release()
        es.close()                           # from the loop, while awaited
        assert await asyncio.wait_for(waiter, FAILSAFE) == 0
        assert await asyncio.wait_for(waiter2, FAILSAFE) == 0
        assert_array_equal(await d.aread(np.s_[5]), np.full(100, 7))

    run(main())
    other.close()


async def _await(x):
    return await x


# ---------------------------------------------------------------- loops

def test_two_event_loops_in_two_threads_at_once(tmp_path):
    barrier = threading.Barrier(2)
    errors = []

    def thread_main(k):
        async def main():
            es = h5async.EventSet()
            f = h5async.File(str(tmp_path / f"loop{k}.h5"), "w", es=es)
            d = f.create_dataset("x", shape=(40, 100), dtype="i8")
            await es
            barrier.wait(FAILSAFE)
            for r in range(3):
                await asyncio.gather(*[d.awrite(np.s_[i], DATA[i] * (k + 1) + r)
                                       for i in range(40)])
                got = await asyncio.gather(*[d.aread(np.s_[i]) for i in range(40)])
                assert_array_equal(np.stack(got), DATA * (k + 1) + r)
                f.attrs.create("round", r, es=es)
                assert await f.attrs.aget("round") == r
            await f.aclose()
            assert await es == 0
            es.close()

        try:
            asyncio.run(asyncio.wait_for(main(), FAILSAFE))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=thread_main, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(FAILSAFE * 2)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]
    for k in range(2):
        with h5py.File(tmp_path / f"loop{k}.h5", "r") as h:
            assert_array_equal(h["x"][...], DATA * (k + 1) + 2)


def test_a_new_loop_after_one_closed(dfile):
    d = dfile["x"]

    async def once(i):
        got = await d.aread(np.s_[i])
        await d.awrite(np.s_[i], got + 1)
        return await d.aread(np.s_[i])

    first = asyncio.run(once(4))
    second = asyncio.run(once(4))
    loop = asyncio.new_event_loop()
    try:
        third = loop.run_until_complete(once(4))
    finally:
        loop.close()
    fourth = asyncio.run(once(4))
    assert_array_equal(first, DATA[4] + 1)
    assert_array_equal(second, DATA[4] + 2)
    assert_array_equal(third, DATA[4] + 3)
    assert_array_equal(fourth, DATA[4] + 4)


def test_wakeup_fds_do_not_accumulate_over_many_loops(dfile):
    d = dfile["x"]

    def open_fds():
        return len(os.listdir("/proc/self/fd"))

    async def once():
        return await d.aread(np.s_[0])

    for _ in range(3):  # warm up
        asyncio.run(once())
    gc.collect()
    before = open_fds()
    for _ in range(30):
        assert_array_equal(asyncio.run(once()), DATA[0])
    gc.collect()
    asyncio.run(once())  # a new loop gives back the fds of closed ones
    gc.collect()
    assert open_fds() <= before + 3


def test_prefetch_pattern(dfile):
    """Process block i while block i+1 is read (examples/prefetch_asyncio.py)."""
    d = dfile["x"]

    async def main():
        total = 0
        nxt = asyncio.ensure_future(d.aread(np.s_[0:4]))
        for i in range(10):
            block = await nxt
            if i + 1 < 10:
                nxt = asyncio.ensure_future(d.aread(np.s_[(i + 1) * 4:(i + 2) * 4]))
            assert_array_equal(block, DATA[i * 4:(i + 1) * 4])
            total += int(block.sum())
        return total

    assert run(main()) == int(DATA.sum())
