"""The reference usage (DESIGN.md section 1): the prior h5py fork's example,
unchanged except for the import."""
import sys

import h5async as h5py
import numpy as np

fname = sys.argv[1] if len(sys.argv) > 1 else "file.hdf5"

es_id = h5py.Eventset()
f = h5py.File(fname, "w", es=es_id)
grp = f.create_group("grp", es=es_id)
dset = grp.create_dataset("dset", (10, 20), dtype="f4", maxshape=(20, 60), es=es_id)
data_read = np.empty((10, 20), dtype=int)
data_write = np.arange(200, dtype=int)
dset.write_direct(data_write.reshape(10, 20), es=es_id)
dset.read_direct(data_read.reshape(10, 20), es=es_id)
dset.resize((20, 50), es=es_id)
f.attrs["file"] = 1
grp.attrs["grp"] = 2
dset.attrs["dset"] = 3
es_id.wait(1000000)
print(f.attrs["file"], grp.attrs["grp"], dset.attrs["dset"])   # 1 2 3
f.attrs.modify("file", 4)
es_id.wait(1000000)
print(f.attrs["file"], dset.shape)                              # 4 (20, 50)
f.es_id = None
f.close()
es_id.wait(1000000)
es_id.close()

assert (data_read == data_write.reshape(10, 20)).all(), "read_direct returned other data"
print("read_direct returned the written data")
