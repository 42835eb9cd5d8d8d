"""copy=False: queued writes that use the caller's array in place."""
import gc

import numpy as np
from numpy.testing import assert_array_equal

import h5async


def test_copy_false_uses_the_array_in_place(h5file, es, hold):
    d = h5file.create_dataset("x", (4, 5), dtype="f8")
    h = hold()                                   # the write stays queued
    a = np.arange(20.0).reshape(4, 5)
    staged = h5async.stats()["staged_bytes"]
    d.write(np.s_[...], a, es=es, copy=False)
    assert h5async.stats()["staged_bytes"] == staged   # nothing was copied
    a += 100                                     # breaks the promise: seen by the write
    h.release()
    assert es.wait() == 0
    assert_array_equal(d[...], np.arange(20.0).reshape(4, 5) + 100)


def test_copy_false_keeps_the_array_alive(h5file, es, hold):
    d = h5file.create_dataset("x", (1000,), dtype="i4")
    h = hold()
    src = np.arange(1000, dtype="i4")
    d.write_direct(src, es=es, copy=False)
    del src
    gc.collect()                                 # the task holds it
    h.release()
    assert es.wait() == 0
    assert_array_equal(d[...], np.arange(1000))


def test_copy_false_with_conversion_still_copies(h5file, es, hold):
    d = h5file.create_dataset("x", (3,), dtype="f4")
    h = hold()
    a = np.array([1, 2, 3])                      # int64: must be converted
    d.write(np.s_[...], a, es=es, copy=False)
    a[:] = 0                                     # the staged copy is unaffected
    h.release()
    assert es.wait() == 0
    assert_array_equal(d[...], [1.0, 2.0, 3.0])


def test_default_write_copies(h5file, es, hold):
    d = h5file.create_dataset("x", (3,), dtype="i8")
    h = hold()
    a = np.array([1, 2, 3])
    d.write(np.s_[...], a, es=es)
    a[:] = 0
    h.release()
    assert es.wait() == 0
    assert_array_equal(d[...], [1, 2, 3])
