"""h5py's mapping extras and link walks: reversed() of a group and of its
keys/values/items views, the views' str, IPython's key completions,
visit_links/visititems_links (every link once, soft and external ones not
followed, in name order, stopping at the first non-None), Dataset.len()
and SoftLink._path.  The same script under h5py and h5async prints the same."""
from subproc import check_ok, run_script

SCRIPT = r'''
import sys, numpy as np
L = __import__(sys.argv[1])
f = L.File(sys.argv[2], "w")
g = f.create_group("g"); g.create_group("sub")
f["d"] = np.arange(4); g["d2"] = np.arange(2)
f["soft"] = L.SoftLink("/g/d2"); g["ext"] = L.ExternalLink("other.h5", "/x"); f["hard"] = f["d"]
f.attrs["a"] = 1; f.attrs["b"] = 2
print(list(reversed(f)), list(reversed(f.keys())), [k for k, _ in reversed(f.items())], len(list(reversed(f.values()))))
print(str(f.keys()), f._ipython_key_completions_(), f.attrs._ipython_key_completions_())
names = []
print(f.visit_links(names.append), names)
out = []
f.visititems_links(lambda n, l: out.append((n, type(l).__name__)))
print(out)
print(f.visit_links(lambda n: n if n.startswith("g/") else None))
print(f["d"].len(), len(f["d"]), L.SoftLink("/x")._path)
'''


def test_mapping_extras_and_link_walks_as_h5py(tmp_path):
    out = {lib: check_ok(run_script(SCRIPT, lib, str(tmp_path / f"{lib}.h5")))
           for lib in ("h5py", "h5async")}
    assert out["h5async"] == out["h5py"]


DANGLING = r"""
import sys
L = __import__(sys.argv[1])
f = L.File(sys.argv[2], "w")
for x in "ab":
    f.create_group(x)
f["x"] = L.SoftLink("/mongoose")
print(f.get("x"), f.get("x", 7))
print([v is None for v in f.values()], [k for k, v in f.items() if v is None])
print(None in f.values(), ("x", None) in f.items(), [v is None for v in reversed(f.values())])
"""


def test_dangling_links_read_as_none_as_h5py(tmp_path):
    out = {lib: check_ok(run_script(DANGLING, lib, str(tmp_path / f"{lib}.h5")))
           for lib in ("h5py", "h5async")}
    assert out["h5async"] == out["h5py"]
