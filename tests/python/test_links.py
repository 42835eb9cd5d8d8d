"""Hard, soft and external links, get(getlink=), move, copy, visit: checked
against h5py reading the same file."""
import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import h5async


def test_link_kinds_round_trip_with_h5py(tmp_path):
    main, other = str(tmp_path / "main.h5"), str(tmp_path / "other.h5")
    with h5py.File(other, "w") as g:
        g["target"] = np.arange(3)
    es = h5async.EventSet()
    f = h5async.File(main, "w", es=es)
    a = f.create_dataset("grp/a", data=np.arange(5))
    f["hard"] = a
    f["soft"] = h5async.SoftLink("/grp/a")
    f["ext"] = h5async.ExternalLink(other, "/target")
    f["dangling"] = h5async.SoftLink("/nowhere")
    es.wait()
    assert_array_equal(f["hard"][...], np.arange(5))
    assert_array_equal(f["soft"][...], np.arange(5))
    assert_array_equal(f["ext"][...], np.arange(3))
    assert f["hard"] == a and f["soft"] == a
    assert "dangling" in f and "soft" in f  # as h5py: the last link is not followed
    assert isinstance(f.get("hard", getlink=True), h5async.HardLink)
    assert f.get("soft", getlink=True).path == "/grp/a"
    ext = f.get("ext", getlink=True)
    assert (ext.filename, ext.path) == (other, "/target")
    assert f.get("soft", getclass=True, getlink=True) is h5async.SoftLink
    assert f.get("grp", getclass=True) is h5async.Group
    assert f.get("missing", "default") == "default"
    f.es = None
    f.close()
    es.close()
    with h5py.File(main, "r") as h:
        assert h.get("soft", getlink=True).path == "/grp/a"
        assert h.get("ext", getlink=True).filename == other
        assert_array_equal(h["hard"][...], np.arange(5))
        assert_array_equal(h["ext"][...], np.arange(3))


def test_hard_link_to_another_file_is_refused(tmp_path):
    with h5async.File(tmp_path / "a.h5", "w") as f, h5async.File(tmp_path / "b.h5", "w") as g:
        d = g.create_dataset("d", data=[1])
        with pytest.raises(OSError, match="interfile"):
            f["x"] = d
        assert "x" not in f


def test_move_copy_and_visit(h5file, h5path):
    h5file.create_dataset("a/b/d", data=np.arange(4))
    h5file["a"].attrs["note"] = "kept"
    h5file.move("a/b/d", "a/moved")
    h5file.copy("a", "a_copy")
    h5file.copy(h5file["a/moved"], h5file["a/b"])                 # name from source
    h5file.copy("a", "bare", without_attrs=True)
    names = []
    h5file.visit(names.append)
    # a_copy was taken before a/b/moved existed; bare after.
    assert names == ["a", "a/b", "a/b/moved", "a/moved", "a_copy", "a_copy/b",
                     "a_copy/moved", "bare", "bare/b", "bare/b/moved", "bare/moved"]
    assert_array_equal(h5file["a_copy/moved"][...], np.arange(4))
    assert h5file["a_copy"].attrs["note"] == "kept"
    assert "note" not in h5file["bare"].attrs
    found = h5file.visititems(lambda n, o: n if isinstance(o, h5async.Dataset) else None)
    assert found == "a/b/moved"
    with pytest.raises(TypeError):
        h5file.copy("a", h5file["a/moved"])                       # destination a dataset
    h5file.close()
    with h5py.File(h5path, "r") as h:                             # h5py visits the same
        theirs = []
        h.visit(theirs.append)
        assert theirs == names


def test_copy_to_another_file(tmp_path):
    with h5async.File(tmp_path / "src.h5", "w") as s, h5async.File(tmp_path / "dst.h5", "w") as d:
        s.create_dataset("g/x", data=np.arange(6).reshape(2, 3))
        s.copy("g", d, name="copied")
        assert_array_equal(d["copied/x"][...], np.arange(6).reshape(2, 3))
    with h5py.File(tmp_path / "dst.h5", "r") as h:
        assert_array_equal(h["copied/x"][...], np.arange(6).reshape(2, 3))


def test_require_group_and_dataset(h5file):
    g = h5file.require_group("g")
    assert h5file.require_group("g") == g
    d = h5file.require_dataset("d", (3,), "i4")
    d[...] = [1, 2, 3]
    again = h5file.require_dataset("d", (3,), "i2")               # safe cast: i2 -> i4
    assert_array_equal(again[...], [1, 2, 3])
    with pytest.raises(TypeError):
        h5file.require_dataset("d", (4,), "i4")
    with pytest.raises(TypeError):
        h5file.require_dataset("d", (3,), "f8")                   # unsafe cast
    with pytest.raises(TypeError):
        h5file.require_dataset("d", (3,), "i2", exact=True)
    with pytest.raises(TypeError):
        h5file.require_group("d")
    with pytest.raises(TypeError):
        h5file.require_dataset("g", (3,), "i4")


def test_name_parent_file_root(h5file):
    c = h5file.create_group("x/y")
    assert c.name == "/x/y" and c.parent.name == "/x" and c.file == h5file
    assert h5file["/"] == h5file and h5file.name == "/"
    assert h5file["x"].parent == h5file
