"""The h5py-shaped classes: names, docstrings and the mapping and slicing
protocols.  Every operation is one call into the C extension."""
import posixpath
from collections.abc import MutableMapping

import numpy as np

from . import _h5async

DEFAULT = _h5async.DEFAULT  # "use the file's default event set"


class Empty:
    """A dataset or attribute with no dataspace (h5py.Empty)."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)
        self.shape = None

    def __eq__(self, other):
        return isinstance(other, Empty) and self.dtype == other.dtype

    def __repr__(self):
        return f"Empty(dtype={self.dtype!r})"


class HardLink:
    """A hard link, as Group.get(name, getlink=True) reports it."""


class SoftLink:
    """A soft link to `path`; assign one to create it: g["x"] = SoftLink("/a")."""

    def __init__(self, path):
        self.path = str(path)

    def __repr__(self):
        return f'<SoftLink to "{self.path}">'


class ExternalLink:
    """A link to `path` in the file `filename`."""

    def __init__(self, filename, path):
        self.filename = str(filename)
        self.path = str(path)

    def __repr__(self):
        return f'<ExternalLink to "{self.path}" in file "{self.filename}">'


_COPY_FLAGS = {"shallow": 1, "expand_soft": 2, "expand_external": 4,
               "expand_refs": 8, "without_attrs": 16}


def _wrap(oid):
    if oid.kind == "dataset":
        return Dataset(oid)
    if oid.kind == "file":
        return File._from_id(oid)
    return Group(oid)


class HLObject:
    """Common base of File, Group and Dataset."""

    def __init__(self, oid):
        self._id = oid

    @property
    def id(self):
        """The low-level ObjectID."""
        return self._id

    @property
    def name(self):
        """Path of this object in its file."""
        return self._id.path

    @property
    def file(self):
        """The File this object belongs to."""
        return File._from_id(self._id.file)

    @property
    def parent(self):
        """The group containing this object."""
        return self.file[posixpath.dirname(self.name) or "/"]

    @property
    def attrs(self):
        """Attributes of this object (an AttributeManager)."""
        return AttributeManager(self)

    def __eq__(self, other):
        if isinstance(other, HLObject):
            return self._id == other._id
        return NotImplemented

    def __hash__(self):
        return hash(self._id)

    def __bool__(self):
        return self._id.valid


class Group(HLObject, MutableMapping):
    """An HDF5 group: a dictionary of links to groups and datasets."""

    def create_group(self, name, track_order=None, es=DEFAULT):
        """Create a group (intermediate groups too) and return it at once."""
        return Group(self._id.create_group(name, es=es, track_order=track_order))

    def create_dataset(self, name, shape=None, dtype=None, data=None, es=DEFAULT, **kwds):
        """Create a dataset, as h5py.Group.create_dataset; returns at once."""
        if isinstance(data, Empty):  # h5py.Empty: a null dataspace of its dtype
            data, dtype = None, data.dtype if dtype is None else dtype
        return Dataset(self._id.create_dataset(name, shape, dtype, data, es=es, **kwds))

    def require_group(self, name, es=DEFAULT):
        """Return the group `name`, creating it if missing."""
        if name not in self:
            return self.create_group(name, es=es)
        grp = self[name]
        if not isinstance(grp, Group):
            raise TypeError(f"Incompatible object ({type(grp).__name__}) already exists")
        return grp

    def require_dataset(self, name, shape, dtype, exact=False, es=DEFAULT, **kwds):
        """Return the dataset `name`, creating it if missing; an existing
        one must have the same shape and a compatible dtype."""
        if name not in self:
            return self.create_dataset(name, shape, dtype, es=es, **kwds)
        dset = self[name]
        if not isinstance(dset, Dataset):
            raise TypeError(f"Incompatible object ({type(dset).__name__}) already exists")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if shape != dset.shape:
            raise TypeError(f"Shapes do not match (existing {dset.shape} vs new {shape})")
        dtype = np.dtype(dtype)
        if exact and dtype != dset.dtype:
            raise TypeError(f"Datatypes cannot be exactly matched (existing {dset.dtype} vs new {dtype})")
        if not np.can_cast(dtype, dset.dtype):
            raise TypeError(f"Datatypes cannot be safely cast (existing {dset.dtype} vs new {dtype})")
        return dset

    def get(self, name, default=None, getclass=False, getlink=False):
        """The object (or with getlink=True the link) at `name`, or `default`."""
        if not getlink:
            if name not in self:
                return default
            obj = self[name]
            return type(obj) if getclass else obj
        try:
            kind, *value = self._id.link_get(name)
        except KeyError:
            return default
        link = {"hard": HardLink, "soft": SoftLink, "external": ExternalLink}[kind]
        return link if getclass else link(*value)

    def __getitem__(self, name):
        if isinstance(name, HLObject):
            return name
        return _wrap(self._id.open(name))

    def __setitem__(self, name, obj):
        if isinstance(obj, HLObject):
            self._id.link_hard(name, obj.id)
        elif isinstance(obj, SoftLink):
            self._id.link_soft(name, obj.path)
        elif isinstance(obj, ExternalLink):
            self._id.link_external(name, obj.filename, obj.path)
        else:
            self.create_dataset(name, data=obj)

    def move(self, source, dest, es=DEFAULT):
        """Rename the link `source` to `dest` (both in this file)."""
        if source == dest:
            return  # as h5py: nothing to do, not even a check
        self._id.move(source, dest, es=es)

    def copy(self, source, dest, name=None, shallow=False, expand_soft=False,
             expand_external=False, expand_refs=False, without_attrs=False, es=DEFAULT):
        """Copy an object (a path here, or an object) to a path here or into
        a group of any file, as h5py's Group.copy."""
        if isinstance(source, HLObject):
            src_id, src_path = source.id, "."
        else:
            src_id, src_path = self._id, source
        if isinstance(dest, Group):
            # name None: the source object's own name, found when the copy
            # runs (a missing source then raises KeyError, as in h5py).
            dest_id, dest_path = dest.id, name
        elif isinstance(dest, HLObject):
            raise TypeError("Destination must be path or Group object")
        else:
            dest_id, dest_path = self._id, dest
        chosen = {"shallow": shallow, "expand_soft": expand_soft, "expand_refs": expand_refs,
                  "expand_external": expand_external, "without_attrs": without_attrs}
        flags = sum(bit for key, bit in _COPY_FLAGS.items() if chosen[key])
        src_id.copy(src_path, dest_id, dest_path, flags, es=es)

    def visit(self, func):
        """Call func(name) for every object below; stop at a non-None return."""
        for name in self._id.visit_names():
            ret = func(name)
            if ret is not None:
                return ret
        return None

    def visititems(self, func):
        """Call func(name, object) for every object below."""
        for name in self._id.visit_names():
            ret = func(name, self[name])
            if ret is not None:
                return ret
        return None

    def __delitem__(self, name):
        self._id.delete(name)

    def __contains__(self, name):
        return self._id.contains(name)

    def __iter__(self):
        return iter(self._id.keys())

    def __len__(self):
        return len(self._id.keys())

    def __repr__(self):
        if not self:
            return "<Closed HDF5 group>"
        return f'<HDF5 group "{self.name}" ({len(self)} members)>'


class File(Group):
    """An HDF5 file.  With ``es=``, opening is asynchronous and ``es``
    becomes the default event set of every operation on the file."""

    def __init__(self, name, mode="r", es=None, driver=None, backing_store=True,
                 libver=None, userblock_size=None, comm=None):
        if hasattr(name, "read") or hasattr(name, "write"):
            raise TypeError("h5async opens files by name; Python file-like objects are "
                            "not supported (the I/O thread cannot call Python code)")
        super().__init__(_h5async.open_file(name, mode, es=es, driver=driver,
                                            backing_store=backing_store, libver=libver,
                                            userblock_size=userblock_size, comm=comm))

    @classmethod
    def _from_id(cls, oid):
        f = cls.__new__(cls)
        HLObject.__init__(f, oid)
        return f

    @property
    def es(self):
        """Default event set of operations on this file (None: synchronous)."""
        return self._id.es

    @es.setter
    def es(self, value):
        self._id.es = value

    es_id = es

    @property
    def filename(self):
        return self._id.filename

    @property
    def mode(self):
        return self._id.mode

    @property
    def file(self):
        return self

    def close(self, es=DEFAULT):
        """Close the file and everything in it; with an event set, at once."""
        self._id.close(es=es)

    def flush(self, es=DEFAULT):
        self._id.flush(es=es)

    async def aclose(self):
        """Coroutine: close the file without blocking the event loop."""
        es = _h5async.EventSet()
        self._id.close(es=es)
        await es
        es.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        if not self:
            return "<Closed HDF5 file>"
        return f'<HDF5 file "{posixpath.basename(self.filename)}" (mode {self.mode})>'


class Dataset(HLObject):
    """An HDF5 dataset.  shape, dtype and friends are cached: reading them
    never waits for the I/O thread."""

    shape = property(lambda self: self._id.shape)
    dtype = property(lambda self: self._id.dtype)
    maxshape = property(lambda self: self._id.maxshape)
    chunks = property(lambda self: self._id.chunks)
    ndim = property(lambda self: self._id.ndim)
    size = property(lambda self: self._id.size)
    compression = property(lambda self: self._id.compression)
    compression_opts = property(lambda self: self._id.compression_opts)
    shuffle = property(lambda self: self._id.shuffle)
    fletcher32 = property(lambda self: self._id.fletcher32)
    fillvalue = property(lambda self: self._id.fillvalue)

    def __getitem__(self, key):
        if self._id.shape is None:
            if key == () or key is Ellipsis:
                return Empty(self.dtype)
        return self._id.read(key)

    def __setitem__(self, key, value):
        self._id.write(key, value)

    async def aread(self, key=()):
        """Coroutine: read `key` without blocking the event loop."""
        return await self.read(key)

    async def awrite(self, key, value):
        """Coroutine: write `value` at `key` (copied at once); returns when
        it is in the file, raising its failure if any.  Cancelling the
        awaiting task does not cancel the write: it still completes, and a
        failure is then raised by the file's close()."""
        es = _h5async.EventSet()
        self._id.write(key, value, es=es)
        await es
        es.close()

    @property
    def collective(self):
        """Parallel HDF5: `with d.collective: d[sel] = x` makes the transfers
        submitted inside the block collective (every rank must submit them)."""
        return _Collective(self._id)

    def astype(self, dtype):
        """A view that reads converted to `dtype`: d.astype('f8')[0:10]."""
        return _ReadView(self, dtype=dtype)

    def asstr(self, encoding=None, errors="strict"):
        """A view that reads variable-length strings as str, not bytes."""
        return _ReadView(self, as_str=True)

    def read(self, key=(), es=DEFAULT):
        """Start reading `key` (a selection, default everything) and return
        a Future of the array at once; `es` (default: the file's) tracks it."""
        return self._id.read_async(key, es=es)

    def read_direct(self, dest, source_sel=None, dest_sel=None, es=DEFAULT):
        """Read into the caller's array; with an event set, it is filled later."""
        self._id.read_direct(dest, source_sel, dest_sel, es=es)

    def write_direct(self, source, source_sel=None, dest_sel=None, es=DEFAULT, copy=True):
        """Write from the caller's array, copied at once; with copy=False a
        C-contiguous array is used in place and must not change until the
        write is done (es.wait())."""
        self._id.write_direct(source, source_sel, dest_sel, es=es, copy=copy)

    def write(self, key, value, es=DEFAULT, copy=True):
        """d[key] = value with an explicit event set; copy=False uses an array
        that already has the dataset's dtype and the selection's shape in
        place (do not change it until the write is done)."""
        self._id.write(key, value, es=es, copy=copy)

    def resize(self, size, axis=None, es=DEFAULT):
        """Change the shape (within maxshape); `shape` changes at once."""
        self._id.resize(size, axis, es=es)

    def __len__(self):
        shape = self.shape
        if not shape:
            raise TypeError("Attempt to take len() of scalar dataset")
        return shape[0]

    def __iter__(self):
        shape = self.shape
        if not shape:
            raise TypeError("Can't iterate over a scalar dataset")
        for i in range(shape[0]):
            yield self[i]

    def __array__(self, dtype=None, copy=None):
        arr = self[()] if self.shape else np.asarray(self[()])
        return arr if dtype is None else arr.astype(dtype)

    def __repr__(self):
        if not self:
            return "<Closed HDF5 dataset>"
        return f'<HDF5 dataset "{posixpath.basename(self.name)}": shape {self.shape}, type "{self.dtype.str}">'


class _Collective:
    def __init__(self, oid):
        self._id = oid

    def __enter__(self):
        self._prev, self._id.collective = self._id.collective, True

    def __exit__(self, *exc):
        self._id.collective = self._prev


class _ReadView:
    """What Dataset.astype() and asstr() return: slicing reads, converted."""

    def __init__(self, dset, dtype=None, as_str=False):
        self._dset, self._dtype, self._as_str = dset, dtype, as_str

    def __getitem__(self, key):
        return self._dset.id.read(key, dtype=self._dtype, as_str=self._as_str)

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self[()])
        return arr if dtype is None else arr.astype(dtype)

    def __len__(self):
        return len(self._dset)


class AttributeManager(MutableMapping):
    """Attributes of an object, as a dictionary.  Setting one is queued on
    the file's default event set; reading one waits for its own read."""

    def __init__(self, parent):
        self._id = parent.id

    def __getitem__(self, name):
        arr = self._id.attr_get(name)
        if isinstance(arr, np.dtype):  # a null dataspace
            return Empty(arr)
        return arr[()] if arr.ndim == 0 else arr

    def __setitem__(self, name, value):
        self.create(name, value)

    def __delitem__(self, name):
        self._id.attr_delete(name)

    def create(self, name, data, shape=None, dtype=None, es=DEFAULT):
        """Create (or replace) an attribute."""
        if isinstance(data, Empty):
            self._id.attr_set(name, None, es=es, dtype=data.dtype, empty=True)
        else:
            self._id.attr_set(name, data, es=es, dtype=dtype, shape=shape)

    def read(self, name, es=DEFAULT):
        """Start reading attribute `name`; returns a Future of its value."""
        return self._id.attr_read_async(name, es=es)

    async def aget(self, name):
        """Coroutine: the value of attribute `name`."""
        return await self.read(name)

    def modify(self, name, value, es=DEFAULT):
        """Change an attribute's value, keeping its type if it exists."""
        self._id.attr_modify(name, value, es=es)

    def __contains__(self, name):
        return self._id.attr_contains(name)

    def __iter__(self):
        return iter(self._id.attr_names())

    def __len__(self):
        return len(self._id.attr_names())

    def __repr__(self):
        return f"<Attributes of HDF5 object at {id(self._id)}>"
