"""Configuration is refused, not guessed (issue 10, point 7).

H5ASYNC_STAGING_LIMIT has one format (docs/semantics.md, "Configuration"):
a positive whole number of bytes with an optional K/M/G/T or KiB/MiB/GiB/
TiB suffix.  A bad value fails `import h5async` with a ValueError naming
the variable and the value.  set_staging_limit() takes an int >= 0.
Environment cases run in a fresh interpreter each.
"""
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async

from subproc import check_ok, run_script

SHOW_LIMIT = """
try:
    import h5async
except ValueError as exc:
    print("ValueError:", exc)
else:
    print("LIMIT", h5async.stats()["staging_limit"])
"""


def limit_with(value):
    out = check_ok(run_script(SHOW_LIMIT, env={"H5ASYNC_STAGING_LIMIT": value}))
    return out.strip()


@pytest.mark.parametrize("value, expected", [
    ("3000000", 3000000),
    (" 4096 ", 4096),
    ("4096B", 4096),
    ("1k", 1 << 10),
    ("64K", 64 << 10),
    ("64KiB", 64 << 10),
    ("512M", 512 << 20),
    ("512 MiB", 512 << 20),
    ("2g", 2 << 30),
    ("2GiB", 2 << 30),
    ("1T", 1 << 40),
])
def test_valid_values(value, expected):
    assert limit_with(value) == f"LIMIT {expected}"


@pytest.mark.parametrize("value, reason", [
    ("abc", "not a whole number of bytes"),     # was a 0-byte cap
    ("-1", "negative"),                         # was unlimited (2**64 - 1)
    ("0", "zero"),                              # was a 0-byte cap
    ("0MiB", "zero"),
    ("1.5G", "not a whole number of bytes"),    # was 1 byte
    ("64MB", "ambiguous"),                      # was 64 bytes
    ("64 potatoes", "unknown unit"),            # was 64 bytes
    ("64MiB extra", "text after the size"),
    ("99999999999999999999", "too large"),      # was clamped to 2**64 - 1
    ("16777216T", "too large"),
])
def test_invalid_values_fail_the_import(value, reason):
    out = limit_with(value)
    assert out.startswith(f"ValueError: environment variable H5ASYNC_STAGING_LIMIT={value!r} "
                          "is invalid: "), out
    assert reason in out
    assert "KiB, MiB, GiB, TiB" in out  # says what is expected


def test_unset_or_empty_is_the_default():
    default = limit_with("")
    assert default.startswith("LIMIT ")
    assert 64 << 20 <= int(default.split()[1]) <= 2 << 30


ZERO_RESTORES_THE_VARIABLE = """
import os, sys
import numpy as np
import h5async

h5async.set_staging_limit(12345)
print("SET", h5async.stats()["staging_limit"])
# Read once, at import: changing the environment later changes nothing.
os.environ["H5ASYNC_STAGING_LIMIT"] = "abc"
h5async.set_staging_limit(0)
print("DEFAULT", h5async.stats()["staging_limit"])

# Writes under the configured cap: data intact, the cap held.
es = h5async.EventSet()
f = h5async.File(sys.argv[1], "w", es=es)
d = f.create_dataset("x", shape=(16, 32768), dtype="f8", es=es)
for i in range(16):
    d.write(np.s_[i], np.full(32768, float(i)), es=es)   # 256 KiB each
es.wait()
print("PEAK_OK", h5async.stats()["staged_peak"] <= h5async.stats()["staging_limit"])
print("DATA_OK", bool((d[...] == np.arange(16.0)[:, None]).all()))
f.es = None
f.close()
es.close()
"""


def test_zero_restores_the_variable_read_at_import(tmp_path):
    out = check_ok(run_script(ZERO_RESTORES_THE_VARIABLE, tmp_path / "cap.h5",
                              env={"H5ASYNC_STAGING_LIMIT": "1MiB"}))
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines == {"SET": "12345", "DEFAULT": str(1 << 20), "PEAK_OK": "True",
                     "DATA_OK": "True"}


@pytest.fixture
def restore_limit():
    yield
    h5async.set_staging_limit(0)


@pytest.mark.parametrize("value, exc", [
    (-1, ValueError),          # was OverflowError
    (-(2 ** 70), ValueError),
    (2 ** 64, ValueError),     # was OverflowError
    (1.5, TypeError),
    ("64MiB", TypeError),
    (None, TypeError),
    (True, TypeError),         # was a 1-byte cap
])
def test_set_staging_limit_refuses(value, exc, restore_limit, tmp_path):
    h5async.set_staging_limit(4 << 20)
    with pytest.raises(exc, match="set_staging_limit"):
        h5async.set_staging_limit(value)
    assert h5async.stats()["staging_limit"] == 4 << 20  # unchanged
    # ... and writes still go through under it.
    with h5async.File(str(tmp_path / "s.h5"), "w") as f:
        es = h5async.EventSet()
        d = f.create_dataset("x", data=np.zeros(1000), es=es)
        d[10:20] = np.arange(10.0)
        es.wait()
        es.close()
        expected = np.zeros(1000)
        expected[10:20] = np.arange(10.0)
        assert_array_equal(d[...], expected)


def test_set_staging_limit_accepts_the_whole_range(restore_limit):
    h5async.set_staging_limit(np.int64(5000))
    assert h5async.stats()["staging_limit"] == 5000
    h5async.set_staging_limit(2 ** 64 - 1)
    assert h5async.stats()["staging_limit"] == 2 ** 64 - 1
