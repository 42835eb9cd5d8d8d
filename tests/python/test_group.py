"""Groups: creation (nested, bytes names), lookup, membership, the mapping
protocol, identity and deletion."""
import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async


def test_create_nested_group_makes_intermediates(h5file):
    c = h5file.create_group("a/b/c")
    assert isinstance(c, h5async.Group)
    assert c.name == "/a/b/c"
    assert list(h5file.keys()) == ["a"]
    assert list(h5file["a"].keys()) == ["b"]
    assert list(h5file["a/b"].keys()) == ["c"]
    assert len(c) == 0


def test_create_group_relative_to_subgroup(h5file):
    a = h5file.create_group("a")
    b = a.create_group("b/c")
    assert b.name == "/a/b/c"
    assert h5file["/a/b/c"] == b


def test_bytes_names(h5file):
    g = h5file.create_group(b"x/y")
    assert g.name == "/x/y"
    assert h5file[b"x/y"].name == "/x/y"
    assert b"x/y" in h5file
    assert b"x/z" not in h5file
    h5file[b"x"].create_group(b"z")
    assert sorted(h5file["x"].keys()) == ["y", "z"]


def test_getitem_relative_and_absolute(h5file):
    h5file.create_group("a/b/c")
    h5file.create_dataset("a/d", data=np.arange(3))
    b = h5file["a"]["b"]
    assert b.name == "/a/b"
    assert h5file["a"]["b/c"].name == "/a/b/c"
    assert b["/a/d"].name == "/a/d"  # absolute from a subgroup
    assert b["c"]["/a"].name == "/a"
    assert h5file["/"].name == "/"
    assert b["."].name == "/a/b"
    assert isinstance(b["/a/d"], h5async.Dataset)
    assert_array_equal(b["/a/d"][...], np.arange(3))


def test_getitem_missing_raises_key_error(h5file):
    h5file.create_group("a")
    with pytest.raises(KeyError, match="missing"):
        h5file["missing"]
    with pytest.raises(KeyError):
        h5file["a/missing"]


def test_contains(h5file):
    h5file.create_group("a/b/c")
    h5file.create_dataset("a/d", data=[1])
    assert "a" in h5file
    assert "a/b/c" in h5file
    assert "/a/b" in h5file
    assert "a/d" in h5file
    assert "b/c" in h5file["a"]
    assert "/a/b" in h5file["a/b/c"]
    assert "missing" not in h5file
    assert "a/missing" not in h5file
    assert "x/y/z" not in h5file  # missing intermediate
    assert "a/d/q" not in h5file  # below a dataset
    assert "/" in h5file
    with pytest.raises(TypeError):  # as h5py
        1 in h5file


def test_contains_empty_name_is_false(h5file):
    h5file.create_group("a")
    assert ("" in h5file) is False


def test_keys_values_items_iter_len(h5file):
    # Created out of order: h5py lists links in name order.
    h5file.create_group("b")
    h5file.create_dataset("c", data=np.arange(2))
    h5file.create_group("a")
    assert list(h5file.keys()) == ["a", "b", "c"]
    assert list(h5file) == ["a", "b", "c"]
    assert len(h5file) == 3
    assert [v.name for v in h5file.values()] == ["/a", "/b", "/c"]
    items = list(h5file.items())
    assert [k for k, _ in items] == ["a", "b", "c"]
    assert [type(v) for _, v in items] == [h5async.Group, h5async.Group, h5async.Dataset]
    assert_array_equal(items[2][1][...], np.arange(2))
    assert "b" in h5file.keys()


def test_keys_match_h5py(h5path, tmp_path):
    names = ["zeta", "Alpha", "beta", "10", "9", "_x"]
    with h5async.File(h5path, "w") as f:
        for n in names:
            f.create_group(n)
        ours = list(f)
    other = str(tmp_path / "h5py.h5")
    with h5py.File(other, "w") as p:
        for n in names:
            p.create_group(n)
        theirs = list(p)
    assert ours == theirs


def test_same_object_compares_equal_and_hashes_equal(h5file):
    g = h5file.create_group("g")
    d = g.create_dataset("d", data=np.arange(3))
    assert h5file["g"] == g
    assert h5file["/g"] == h5file["g"]
    assert hash(h5file["g"]) == hash(g)
    assert h5file["g/d"] == d
    assert hash(g["d"]) == hash(d)
    assert h5file["g"] is not g
    assert h5file["g"] != h5file["g/d"]
    assert len({g, h5file["g"], h5file["/g"]}) == 1
    lookup = {g: "group", d: "dataset"}
    assert lookup[h5file["g"]] == "group"
    assert lookup[h5file["g"]["d"]] == "dataset"


def test_hard_link_names_the_same_object(h5file):
    g = h5file.create_group("g")
    h5file["alias"] = g
    assert h5file["alias"] == g
    assert hash(h5file["alias"]) == hash(g)
    assert h5file["alias"].name == "/alias"


def test_root_group_equals_file(h5file):
    d = h5file.create_dataset("d", data=[1])
    assert h5file["/"] == h5file
    assert d.parent == h5file


def test_parent_and_file(h5file):
    c = h5file.create_group("a/b/c")
    assert c.parent == h5file["a/b"]
    assert c.parent.name == "/a/b"
    assert c.file == h5file
    assert c.file.filename == h5file.filename


def test_delete_group_and_dataset(h5file):
    h5file.create_group("a/b")
    h5file.create_dataset("a/d", data=[1, 2])
    h5file.create_group("keep")
    del h5file["a/b"]
    assert "a/b" not in h5file
    assert list(h5file["a"]) == ["d"]
    del h5file["a"]["d"]
    assert len(h5file["a"]) == 0
    del h5file["a"]
    assert list(h5file) == ["keep"]


def test_delete_missing_raises_key_error(h5file):
    with pytest.raises(KeyError):
        del h5file["nothing"]
    assert len(h5file) == 0


def test_delete_with_default_es_is_counted(h5path, es):
    f = h5async.File(h5path, "w", es=es)
    f.create_group("a")
    f.create_group("b")
    n = es.op_counter
    del f["a"]
    assert es.op_counter == n + 1
    assert es.wait() == 0
    assert list(f) == ["b"]
    f.es = None
    f.close()


def test_create_group_with_other_es(h5path, es):
    other = h5async.EventSet()
    f = h5async.File(h5path, "w", es=es)
    g = f.create_group("g", es=other)
    g.create_group("h", es=other)
    assert other.op_counter == 2
    assert es.op_counter == 1  # only the open
    assert other.wait() == 0
    assert es.wait() == 0
    assert "g/h" in f
    other.close()
    f.es = None
    f.close()


def test_groups_visible_to_h5py(h5path):
    with h5async.File(h5path, "w") as f:
        f.create_group("a/b/c")
        f.create_group(b"bytes")
        f.create_group("gone")
        del f["gone"]
    with h5py.File(h5path, "r") as p:
        assert sorted(p) == ["a", "bytes"]
        assert isinstance(p["a/b/c"], h5py.Group)


def test_repr(h5file):
    h5file.create_group("g/x")
    assert repr(h5file["g"]) == '<HDF5 group "/g" (1 members)>'
