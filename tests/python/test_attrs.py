"""Attributes of files, groups and datasets."""
import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async


@pytest.fixture(params=["file", "group", "dataset"])
def obj(request, h5file):
    """An object of each kind that carries attributes."""
    if request.param == "file":
        return h5file
    if request.param == "group":
        return h5file.create_group("g")
    return h5file.create_dataset("d", data=np.arange(3))


def test_scalar_int_and_float_read_back_as_numpy_scalars(obj):
    obj.attrs["i"] = 1
    obj.attrs["f"] = 2.5
    obj.attrs["i16"] = np.int16(-3)
    obj.attrs["b"] = True
    i, f, i16, b = (obj.attrs[k] for k in ("i", "f", "i16", "b"))
    assert isinstance(i, np.int64) and i == 1
    assert isinstance(f, np.float64) and f == 2.5
    assert isinstance(i16, np.int16) and i16 == -3
    assert isinstance(b, np.bool_) and b


def test_str_attribute_reads_back_as_str(obj):
    obj.attrs["s"] = "hello"
    obj.attrs["u"] = "héllo wörld ✓"
    assert obj.attrs["s"] == "hello"
    assert isinstance(obj.attrs["s"], str)
    assert obj.attrs["u"] == "héllo wörld ✓"


def test_str_list_attribute(obj):
    obj.attrs["names"] = ["x", "yy", "zzz"]
    out = obj.attrs["names"]
    assert out.dtype == object
    assert list(out) == ["x", "yy", "zzz"]
    assert all(isinstance(s, str) for s in out)


def test_array_attributes(obj):
    obj.attrs["a"] = np.arange(6, dtype="u2").reshape(2, 3)
    obj.attrs["l"] = [1.0, 2.0]
    obj.attrs["c"] = np.array([1 + 2j, 3 - 4j])
    a = obj.attrs["a"]
    assert a.dtype == np.uint16 and a.shape == (2, 3)
    assert_array_equal(a, np.arange(6).reshape(2, 3))
    assert_array_equal(obj.attrs["l"], [1.0, 2.0])
    assert_array_equal(obj.attrs["c"], [1 + 2j, 3 - 4j])


def test_replace_changes_type_and_shape(obj):
    obj.attrs["x"] = np.arange(4)
    obj.attrs["x"] = "now a string"
    assert obj.attrs["x"] == "now a string"
    obj.attrs["x"] = np.float32(1.5)
    assert obj.attrs["x"].dtype == np.float32 and obj.attrs["x"] == 1.5


def test_create_with_shape_and_dtype(obj):
    obj.attrs.create("c", [1, 2, 3, 4], shape=(2, 2), dtype="u1")
    c = obj.attrs["c"]
    assert c.dtype == np.uint8
    assert_array_equal(c, [[1, 2], [3, 4]])
    obj.attrs.create("plain", np.arange(3))
    assert_array_equal(obj.attrs["plain"], np.arange(3))


def test_create_converts_to_dtype(obj):
    obj.attrs.create("c", np.arange(4.0), dtype="f4")
    assert obj.attrs["c"].dtype == np.float32
    assert_array_equal(obj.attrs["c"], np.arange(4.0))


def test_modify_keeps_type_when_shape_matches(obj):
    obj.attrs["c"] = np.arange(6, dtype="i2").reshape(2, 3)
    obj.attrs.modify("c", np.full((2, 3), 7.9))
    c = obj.attrs["c"]
    assert c.dtype == np.int16
    assert_array_equal(c, np.full((2, 3), 7))
    obj.attrs["f"] = np.float32(1.5)
    obj.attrs.modify("f", 2)
    assert obj.attrs["f"].dtype == np.float32 and obj.attrs["f"] == 2.0
    obj.attrs["s"] = "abc"
    obj.attrs.modify("s", "a longer string")
    assert obj.attrs["s"] == "a longer string"


def test_modify_creates_missing(obj):
    obj.attrs.modify("new", 5)
    assert obj.attrs["new"] == 5
    assert "new" in obj.attrs


def test_modify_with_other_shape_raises_type_error(obj):
    obj.attrs["arr"] = np.arange(3)
    with pytest.raises(TypeError, match="[Ss]hape"):
        obj.attrs.modify("arr", [1, 2])
    assert_array_equal(obj.attrs["arr"], np.arange(3))


def test_contains_keys_len_iter_del(obj):
    for name, value in [("b", 1), ("a", 2.0), ("c", "three")]:
        obj.attrs[name] = value
    assert "a" in obj.attrs
    assert "zz" not in obj.attrs
    with pytest.raises(TypeError):  # as h5py
        3 in obj.attrs
    assert len(obj.attrs) == 3
    assert sorted(obj.attrs.keys()) == ["a", "b", "c"]
    assert sorted(obj.attrs) == ["a", "b", "c"]
    assert dict(obj.attrs.items()) == {"a": 2.0, "b": 1, "c": "three"}
    del obj.attrs["b"]
    assert "b" not in obj.attrs
    assert len(obj.attrs) == 2
    assert sorted(obj.attrs) == ["a", "c"]
    assert obj.attrs.get("b") is None
    assert obj.attrs.get("a") == 2.0


def test_missing_attribute_raises_key_error(obj):
    with pytest.raises(KeyError, match="nope"):
        obj.attrs["nope"]
    with pytest.raises(KeyError):
        del obj.attrs["nope"]
    assert len(obj.attrs) == 0


def test_attribute_order_matches_h5py(h5path, tmp_path):
    names = ["zeta", "alpha", "mid", "Beta"]
    with h5async.File(h5path, "w") as f:
        for n in names:
            f.attrs[n] = 1
        ours = list(f.attrs)
    with h5py.File(str(tmp_path / "ref.h5"), "w") as p:
        for n in names:
            p.attrs[n] = 1
        theirs = list(p.attrs)
    assert ours == theirs


def test_empty_attribute(obj):
    obj.attrs["e"] = h5async.Empty("f4")
    assert obj.attrs["e"] == h5async.Empty("f4")


def test_setting_with_default_es_is_counted_reading_is_not(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    g = f.create_group("g")
    n = es.op_counter
    g.attrs["x"] = 1
    g.attrs.create("y", [1, 2], es=es)
    g.attrs.modify("x", 2)
    del g.attrs["y"]
    assert es.op_counter == n + 4
    assert g.attrs["x"] == 2  # waits for its own read only
    assert "y" not in g.attrs
    assert list(g.attrs) == ["x"]
    assert es.op_counter == n + 4
    assert es.wait() == 0
    f.es = None
    f.close()


def test_attribute_read_future(h5path, es):
    with h5async.File(h5path, "w") as f:
        f.attrs["v"] = np.arange(3)
        fut = f.attrs.read("v", es=es)
        assert es.wait() == 0
        assert_array_equal(fut.result(), np.arange(3))


def test_attributes_visible_to_h5py(h5path):
    with h5async.File(h5path, "w") as f:
        f.attrs["s"] = "text"
        f.create_group("g").attrs["n"] = np.int16(3)
        f.create_dataset("d", data=[1]).attrs["a"] = np.arange(4.0)
    with h5py.File(h5path, "r") as p:
        assert p.attrs["s"] == "text"
        assert p["g"].attrs["n"] == 3 and p["g"].attrs["n"].dtype == np.int16
        assert_array_equal(p["d"].attrs["a"], np.arange(4.0))
