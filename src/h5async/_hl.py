"""The h5py-shaped classes: names, docstrings and the mapping and slicing
protocols.  Every operation is one call into the C extension.

Conventions of every docstring here:

- ``es``: an EventSet that tracks the operation; DEFAULT (the default) means
  the file's default event set (``File(..., es=...)``), None means wait.  An
  operation with an event set is queued and returns at once; errors only
  HDF5 can find are raised later by ``es.wait()`` as EventSetError.
- Argument errors (bad shape, dtype, selection out of range, a closed
  object, a read-only file) raise at the call, with h5py's exception types.
- "Waits" means the call waits for its own operation only (not for the
  event set), which is then not added to any event set.
"""
from __future__ import annotations

import os
import posixpath
import warnings
from collections.abc import (Callable, Coroutine, ItemsView, Iterator, KeysView, Mapping,
                             MutableMapping, ValuesView)
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

import numpy as np
import numpy.typing as npt

from . import _aio, _h5async, _implicit
from ._compat.h5py_warnings import H5pyDeprecationWarning
from ._dtypes import check_string_dtype

DEFAULT = _h5async.DEFAULT  # "use the file's default event set"
if TYPE_CHECKING:
    from ._h5async import ESArg  # what every es= accepts: EventSet, None or DEFAULT
    from .dims import DimensionManager
_R = TypeVar("_R")


class Empty:
    """A dataset or attribute with no dataspace (h5py.Empty)."""

    def __init__(self, dtype: npt.DTypeLike) -> None:
        self.dtype: np.dtype[Any] = np.dtype(dtype)
        self.shape: None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Empty) and self.dtype == other.dtype

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"Empty(dtype={self.dtype!r})"


class HardLink:
    """A hard link, as Group.get(name, getlink=True) reports it."""


class SoftLink:
    """A soft link to `path`; assign one to create it: g["x"] = SoftLink("/a")."""

    def __init__(self, path: str) -> None:
        self.path = str(path)

    @property
    def _path(self) -> str:  # h5py's attribute, which some callers read
        return self.path

    def __repr__(self) -> str:
        return f'<SoftLink to "{self.path}">'


class ExternalLink:
    """A link to `path` in the file `filename`."""

    def __init__(self, filename: str | os.PathLike[str], path: str) -> None:
        self.filename = str(filename)
        self.path = str(path)

    def __repr__(self) -> str:
        return f'<ExternalLink to "{self.path}" in file "{self.filename}">'


_COPY_FLAGS = {"shallow": 1, "expand_soft": 2, "expand_external": 4,
               "expand_refs": 8, "without_attrs": 16}


def _wrap(oid: _h5async.ObjectID) -> Group | Dataset:
    if oid.kind == "dataset":
        return Dataset(oid)
    if oid.kind == "datatype":
        return Datatype(oid)  # type: ignore[return-value]  # h5py's g[name] may be one
    if oid.kind == "file":
        return File._from_id(oid)
    return Group(oid)


class RegionRefProxy:
    """h5py's obj.regionref: makes and describes dataset region references."""

    def __init__(self, oid: _h5async.ObjectID) -> None:
        self._id = oid

    def __getitem__(self, key: Any) -> _h5async.RegionReference:
        """A RegionReference to selection `key` of this dataset (TypeError for
        other objects).  Waits."""
        return self._id.regionref_create(key)

    def shape(self, ref: _h5async.RegionReference) -> tuple[int, ...]:
        """The shape of the dataset `ref` points into.  Waits."""
        return self._id.region_shape(ref)

    def selection(self, ref: _h5async.RegionReference) -> tuple[int, ...] | None:
        """The shape of the selection `ref` holds, as h5py guesses it.  Waits."""
        return self._id.region_selection(ref)


class HLObject:
    """Common base of File, Group and Dataset."""

    def __init__(self, oid: _h5async.ObjectID) -> None:
        self._id = oid

    @property
    def id(self) -> _h5async.ObjectID:
        """The low-level ObjectID."""
        return self._id

    @property
    def name(self) -> str:
        """Path of this object in its file ("/grp/dset")."""
        return self._id.path

    @property
    def file(self) -> File:
        """The File this object belongs to."""
        return File._from_id(self._id.file)

    @property
    def ref(self) -> _h5async.Reference:
        """An object reference to this object (h5py's obj.ref); g[ref] opens
        it again.  Waits for its own task."""
        return self._id.get_ref()

    @property
    def regionref(self) -> RegionRefProxy:
        """Dataset region references (h5py's obj.regionref): dset.regionref[sel]
        makes one, obj.regionref.shape(ref) and .selection(ref) describe one
        from any object of the file.  Each waits."""
        return RegionRefProxy(self._id)

    @property
    def parent(self) -> Group:
        """The group containing this object.  Waits for opening it."""
        return cast(Group, self.file[posixpath.dirname(self.name) or "/"])

    @property
    def attrs(self) -> AttributeManager:
        """Attributes of this object (an AttributeManager)."""
        return AttributeManager(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HLObject):
            return self._id == other._id
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._id)

    def __bool__(self) -> bool:
        """False once the object or its file is closed."""
        return self._id.valid


class KeysViewHDF5(KeysView[str]):
    """keys() of a group or attributes, as h5py's: reversible, and shown as
    its list."""

    _mapping: Mapping[str, Any]

    def __str__(self) -> str:
        return "<KeysViewHDF5 {}>".format(list(self))

    __repr__ = __str__

    def __reversed__(self) -> Iterator[str]:
        yield from reversed(list(self._mapping))


class ValuesViewHDF5(ValuesView[Any]):
    """values(), reversible as h5py's; a dangling link's value is None."""

    _mapping: Mapping[str, Any]

    def __iter__(self) -> Iterator[Any]:
        for key in self._mapping:
            yield self._mapping.get(key)

    def __contains__(self, value: object) -> bool:
        return any(v is value or v == value for v in self)

    def __reversed__(self) -> Iterator[Any]:
        for key in reversed(list(self._mapping)):
            yield self._mapping.get(key)


class ItemsViewHDF5(ItemsView[str, Any]):
    """items(), reversible as h5py's; a dangling link's value is None."""

    _mapping: Mapping[str, Any]

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for key in self._mapping:
            yield key, self._mapping.get(key)

    def __contains__(self, item: object) -> bool:
        return isinstance(item, tuple) and len(item) == 2 and item in list(self)

    def __reversed__(self) -> Iterator[tuple[str, Any]]:
        for key in reversed(list(self._mapping)):
            yield key, self._mapping.get(key)


class _MappingHDF5(Mapping[str, Any]):
    """h5py's mapping extras for groups and attributes: reversible views,
    reversed(), and IPython's key completions."""

    def keys(self) -> KeysViewHDF5:
        return KeysViewHDF5(self)

    def values(self) -> ValuesViewHDF5:
        return ValuesViewHDF5(self)

    def items(self) -> ItemsViewHDF5:
        return ItemsViewHDF5(self)

    def __reversed__(self) -> Iterator[str]:
        """The names, last first.  Waits for the listing."""
        return reversed(list(self))

    def _ipython_key_completions_(self) -> list[str]:
        return sorted(self)


class Group(_MappingHDF5, HLObject, MutableMapping[str, "Group | Dataset"]):
    """An HDF5 group: a dictionary of links to groups and datasets."""

    def __init__(self, oid: _h5async.ObjectID) -> None:
        if oid.kind not in ("group", "file"):  # as h5py: ValueError for another object's id
            raise ValueError(f"{oid!r} is not a GroupID")
        super().__init__(oid)

    def create_group(self, name: str, track_order: bool | None = None,
                     es: ESArg = DEFAULT) -> Group:
        """Create group `name` (intermediate groups too) and return it at once;
        later operations on it queue behind its creation.  An existing name
        raises ValueError (from es.wait() when queued)."""
        return Group(self._id.create_group(name, es=es, track_order=track_order))

    def create_dataset(self, name: str | None, shape: int | tuple[int, ...] | None = None,
                       dtype: npt.DTypeLike | None = None, data: Any = None,
                       es: ESArg = DEFAULT, **kwds: Any) -> Dataset:
        """Create a dataset, as h5py.Group.create_dataset, and return it at
        once: its shape (a tuple of ints, from `shape` or `data`) and dtype
        (`dtype`, else data's, else float32) are known at once.  `data` is
        copied at the call.  Keywords: maxshape (None entries: unlimited),
        chunks, fillvalue, compression ('gzip', 'lzf' or a level),
        compression_opts, shuffle, fletcher32, track_order.  Bad shapes,
        dtypes or options raise TypeError or ValueError at once."""
        if isinstance(data, Empty):  # h5py.Empty: a null dataspace of its dtype
            data, dtype = None, data.dtype if dtype is None else dtype
        if isinstance(dtype, Datatype):  # a committed type: its dtype (not linked)
            dtype = dtype.dtype
        if dtype is None and data is None and shape is not None:
            warnings.warn("Creating a dataset without passing data or dtype is deprecated. Pass "
                          "an explicit dtype. Using dtype='f4' will keep the current default "
                          "behaviour.", H5pyDeprecationWarning, stacklevel=2)  # as h5py 3.16
        return Dataset(self._id.create_dataset(name, shape, dtype, data, es=es, **kwds))

    def create_virtual_dataset(self, name: str | None, layout: Any, fillvalue: Any = None,
                               es: ESArg = DEFAULT) -> Dataset:
        """Create a virtual dataset from a VirtualLayout (h5async.vds), as
        h5py; queued like create_dataset.  Sources in this file are stored
        as '.', so the file may be renamed."""
        from .vds import layout_dtype
        return Dataset(self._id.create_dataset(
            name, layout.shape, layout_dtype(layout), maxshape=layout.maxshape,
            fillvalue=fillvalue, es=es, virtual=layout._mappings(self.file.filename)))

    def build_virtual_dataset(self, name: str | None, shape: int | tuple[int, ...],
                              dtype: npt.DTypeLike, maxshape: Any = None,
                              fillvalue: Any = None) -> Any:
        """A context manager giving a VirtualLayout; the dataset is created
        when the block ends, as h5py's."""
        from .vds import build
        return build(self, name, shape, dtype, maxshape, fillvalue)

    def create_dataset_like(self, name: str | None, other: Dataset, es: ESArg = DEFAULT,
                            **kwupdate: Any) -> Dataset:
        """Create a dataset like `other`: its shape, dtype, chunks, filters,
        fill value, maxshape (when it differs from the shape) and
        track_order, as h5py; keywords override them.  No data or
        attributes are copied.  Never waits: all of it is cached."""
        for k in ("shape", "dtype", "chunks", "compression", "compression_opts",
                  "shuffle", "fletcher32", "fillvalue"):
            kwupdate.setdefault(k, getattr(other, k))
        kwupdate.setdefault("track_order", other.id.track_order())
        if other.maxshape != other.shape:
            kwupdate.setdefault("maxshape", other.maxshape)
        return self.create_dataset(name, es=es, **kwupdate)

    def require_group(self, name: str, es: ESArg = DEFAULT) -> Group:
        """Return the group `name`, creating it if missing (the check waits).
        Raises TypeError if a dataset has that name."""
        if name not in self:
            return self.create_group(name, es=es)
        grp = self[name]
        if not isinstance(grp, Group):
            raise TypeError(f"Incompatible object ({type(grp).__name__}) already exists")
        return grp

    def require_dataset(self, name: str, shape: int | tuple[int, ...], dtype: npt.DTypeLike,
                        exact: bool = False, es: ESArg = DEFAULT, **kwds: Any) -> Dataset:
        """Return the dataset `name`, creating it if missing (the check waits);
        an existing one must have the same shape and a dtype `dtype` can be
        cast to safely (with exact=True: the same dtype), else TypeError."""
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

    def get(self, name: str, default: Any = None, getclass: bool = False,
            getlink: bool = False) -> Any:
        """The object (or with getlink=True the link: HardLink, SoftLink or
        ExternalLink) at `name`, or `default`; getclass=True gives its class.
        Waits for the lookup."""
        if not getlink:
            if name not in self:
                return default
            try:
                obj = self[name]
            except KeyError:  # a dangling soft or external link, as h5py
                return default
            return type(obj) if getclass else obj
        try:
            kind, *value = self._id.link_get(name)
        except KeyError:
            return default
        link = {"hard": HardLink, "soft": SoftLink, "external": ExternalLink}[kind]
        return link if getclass else link(*value)

    def __getitem__(self, name: str | bytes | HLObject | _h5async.Reference) -> Group | Dataset:
        """The group or dataset at path `name`, or that an object Reference
        points at.  Waits for opening it; KeyError if nothing is there."""
        if isinstance(name, HLObject):
            return name  # type: ignore[return-value]  # as h5py: g[obj] is obj
        if isinstance(name, _h5async.Reference):
            return _wrap(self._id.deref(name))
        return _wrap(self._id.open(name))

    def __setitem__(self, name: str, obj: Any) -> None:
        """g[name] = array (a new dataset, queued), an object (a hard link),
        SoftLink or ExternalLink."""
        if isinstance(obj, HLObject):
            self._id.link_hard(name, obj.id)
        elif isinstance(obj, SoftLink):
            self._id.link_soft(name, obj.path)
        elif isinstance(obj, ExternalLink):
            self._id.link_external(name, obj.filename, obj.path)
        elif isinstance(obj, np.dtype):
            self._id.commit_type(name, obj)  # a committed (named) datatype
        else:
            self.create_dataset(name, data=obj)

    def move(self, source: str, dest: str, es: ESArg = DEFAULT) -> None:
        """Rename the link `source` to `dest` (both in this file)."""
        if source == dest:
            return  # as h5py: nothing to do, not even a check
        self._id.move(source, dest, es=es)

    def copy(self, source: str | HLObject, dest: str | Group, name: str | None = None,
             shallow: bool = False, expand_soft: bool = False, expand_external: bool = False,
             expand_refs: bool = False, without_attrs: bool = False,
             es: ESArg = DEFAULT) -> None:
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

    def visit(self, func: Callable[[str], _R | None]) -> _R | None:
        """Call func(name) for every object below (names relative to this
        group); stop at, and return, the first non-None return.  Waits for
        the listing."""
        for name in self._id.visit_names():
            ret = func(name)
            if ret is not None:
                return ret
        return None

    def visititems(self, func: Callable[[str, Group | Dataset], _R | None]) -> _R | None:
        """Call func(name, object) for every object below; stop at, and
        return, the first non-None return.  Waits for the listing."""
        for name in self._id.visit_names():
            ret = func(name, self[name])
            if ret is not None:
                return ret
        return None

    def visit_links(self, func: Callable[[str], _R | None]) -> _R | None:
        """Call func(name) for every link below, each once whatever it points
        at (soft and external links are not followed), in name order; stop
        at, and return, the first non-None return.  Waits for the listing."""
        for name in self._id.visit_names(links=True):
            ret = func(name)
            if ret is not None:
                return ret
        return None

    def visititems_links(self, func: Callable[[str, Any], _R | None]) -> _R | None:
        """Call func(name, link) for every link below (a HardLink, SoftLink
        or ExternalLink, as get(name, getlink=True) gives it); stop at, and
        return, the first non-None return.  Waits for the listing."""
        for name in self._id.visit_names(links=True):
            ret = func(name, self.get(name, getlink=True))
            if ret is not None:
                return ret
        return None

    def __delitem__(self, name: str) -> None:
        """Remove the link `name` (queued on the file's default event set)."""
        self._id.delete(name)

    def __contains__(self, name: object) -> bool:
        """Whether a link `name` exists.  Waits for the check.  "." path
        components name the group they are in, as h5py takes them."""
        # the common name has no "." at all: no split for it
        if isinstance(name, bytes) and b"." in name and b"." in name.split(b"/"):
            name = name.decode("utf-8", "surrogateescape")
        if isinstance(name, str) and "." in name and "." in name.split("/"):
            kept = [p for p in name.split("/") if p and p != "."]
            if not kept:
                return True  # ".", "./", "/./": the group itself
            name = ("/" if name.startswith("/") else "") + "/".join(kept)
        return self._id.contains(name)  # type: ignore[arg-type]  # C raises TypeError

    def __iter__(self) -> Iterator[str]:
        """The link names.  Waits for the listing."""
        return iter(self._id.keys())

    def __len__(self) -> int:
        return len(self._id.keys())

    def __repr__(self) -> str:
        if not self:
            return "<Closed HDF5 group>"
        return f'<HDF5 group "{self.name}" ({len(self)} members)>'


class File(Group):
    """An HDF5 file.  With ``es=``, opening is asynchronous and ``es``
    becomes the default event set of every operation on the file."""

    def __init__(self, name: str | bytes | os.PathLike[str], mode: str = "r",
                 es: _h5async.EventSet | None = None, driver: str | None = None,
                 backing_store: bool | None = None, libver: Any = None,
                 userblock_size: int | None = None, comm: Any = None, swmr: bool = False,
                 rdcc_nslots: int | None = None, rdcc_nbytes: int | None = None,
                 rdcc_w0: float | None = None, track_order: bool | None = None,
                 fs_strategy: str | None = None, fs_persist: bool = False,
                 fs_threshold: int = 1, fs_page_size: int | None = None,
                 page_buf_size: int | None = None, min_meta_keep: int = 0,
                 min_raw_keep: int = 0, locking: bool | str | None = None,
                 alignment_threshold: int = 1, alignment_interval: int = 1,
                 meta_block_size: int | None = None) -> None:
        """Open or create the HDF5 file `name`.

        mode: 'r' (read only, must exist), 'r+' (read/write, must exist),
        'w' (create, truncate), 'w-' or 'x' (create, fail if it exists),
        'a' (read/write, create if missing).  driver: None, 'sec2', 'stdio'
        or 'core' (with backing_store).  The other keywords are h5py's:
        swmr (read side), the chunk cache rdcc_*, track_order (the root
        group's links and attributes), the file space fs_* (new files),
        page_buf_size with min_meta_keep/min_raw_keep, locking (True, False
        or 'best-effort'), alignment_*, meta_block_size.
        Without `es` the open waits and raises FileNotFoundError,
        FileExistsError or OSError at once; with `es` it is queued and those
        are raised by es.wait().  Python file-like objects raise TypeError:
        the I/O thread never calls Python code."""
        if hasattr(name, "read") or hasattr(name, "write"):
            raise TypeError("h5async opens files by name; Python file-like objects are "
                            "not supported (the I/O thread cannot call Python code)")
        if backing_store is not None and driver != "core":
            # h5py's rule: a driver's keywords are refused with another driver
            raise TypeError("backing_store applies only to driver='core'")
        backing_store = True if backing_store is None else backing_store
        self._open(name, mode, es=es, driver=driver, backing_store=backing_store,
                   libver=libver, userblock_size=userblock_size, comm=comm, swmr=swmr,
                   rdcc_nslots=rdcc_nslots, rdcc_nbytes=rdcc_nbytes, rdcc_w0=rdcc_w0,
                   track_order=track_order, fs_strategy=fs_strategy, fs_persist=fs_persist,
                   fs_threshold=fs_threshold, fs_page_size=fs_page_size,
                   page_buf_size=page_buf_size, min_meta_keep=min_meta_keep,
                   min_raw_keep=min_raw_keep, locking=locking,
                   alignment_threshold=alignment_threshold,
                   alignment_interval=alignment_interval, meta_block_size=meta_block_size)
        if userblock_size is not None and mode == "a" and self.userblock_size != int(userblock_size):
            existing = self.userblock_size  # an existing file keeps its own (h5py's check)
            self.close()
            raise ValueError(f"Requested userblock size ({int(userblock_size)}) does not match "
                             f"that of existing file ({existing})")
        if es is None:
            _implicit.adopt(self)  # implicit mode: a default event set if writable

    def _open(self, name: str | bytes | os.PathLike[str], mode: str, **kw: Any) -> None:
        super().__init__(_h5async.open_file(name, mode, **kw))

    _in_memory_count = 0
    _FCPL_KEYWORDS = ("track_order", "fs_strategy", "fs_persist", "fs_threshold",
                      "fs_page_size")

    @classmethod
    def in_memory(cls, file_image: Any = None, es: _h5async.EventSet | None = None,
                  **kwargs: Any) -> File:
        """A file in memory only (h5py's File.in_memory): empty, or opened
        read/write from `file_image` (bytes or any buffer; copied).  Other
        keywords are File()'s, except name, mode, driver, locking and
        backing_store."""
        for k in ("driver", "locking", "backing_store"):
            if k in kwargs:
                raise TypeError(f"File.in_memory() got an unexpected keyword argument {k!r}")
        fcpl = [k for k in cls._FCPL_KEYWORDS if k in kwargs]
        if file_image and fcpl:
            raise TypeError(f"{', '.join(fcpl)} parameters cannot be used with file_image")
        # HDF5 needs a name, different from every other open file's; it is
        # never created on disk.
        name = f"h5async_in_memory_nonfile_{cls._in_memory_count}"
        cls._in_memory_count += 1
        f = cls.__new__(cls)
        image = bytes(memoryview(file_image)) if file_image else None
        f._open(name, "r+" if image else "w-", es=es, driver="core", backing_store=False,
                image=image, **kwargs)
        return f

    @classmethod
    def _from_id(cls, oid: _h5async.ObjectID) -> File:
        f = cls.__new__(cls)
        HLObject.__init__(f, oid)
        return f

    @property
    def es(self) -> _h5async.EventSet | None:
        """Default event set of operations on this file (None: synchronous)."""
        return self._id.es

    @es.setter
    def es(self, value: _h5async.EventSet | None) -> None:
        self._id.es = value

    es_id = es

    @property
    def filename(self) -> str:
        """The file's name, as given to File()."""
        return self._id.filename

    @property
    def mode(self) -> str:
        """'r' (read only) or 'r+' (writable)."""
        return self._id.mode

    @property
    def driver(self) -> str:
        """The HDF5 file driver: 'sec2', 'core', 'stdio', 'mpio'.  This and
        libver, userblock_size, meta_block_size and swmr_mode are read from
        HDF5, as h5py does: each waits for its own query."""
        return cast(str, self._id.file_info()["driver"])

    @property
    def libver(self) -> tuple[str, str]:
        """The file format bounds (low, high); 'latest' reads as the name
        of this HDF5's newest format ('v110' on 1.10), as in h5py."""
        return cast("tuple[str, str]", self._id.file_info()["libver"])

    @property
    def userblock_size(self) -> int:
        """The user block size in bytes (0: none)."""
        return cast(int, self._id.file_info()["userblock_size"])

    @property
    def meta_block_size(self) -> int:
        """The minimum size of metadata block allocations, in bytes."""
        return cast(int, self._id.file_info()["meta_block_size"])

    @property
    def swmr_mode(self) -> bool:
        """Whether the file is open in SWMR mode (File(..., 'r', swmr=True))."""
        return cast(bool, self._id.file_info()["swmr_mode"])

    @swmr_mode.setter
    def swmr_mode(self, value: bool) -> None:
        if not value:
            raise ValueError("It is not possible to forcibly switch SWMR mode off.")
        raise NotImplementedError("h5async does not support SWMR write mode "
                                  "(f.swmr_mode = True); SWMR reading (swmr=True) works")

    @property
    def file(self) -> File:
        """The file itself."""
        return self

    def close(self, es: ESArg = DEFAULT) -> None:
        """Close the file and everything in it.  With an event set, queued
        behind the file's operations and returns at once; without one, waits,
        and raises the failures of the file's operations that no wait() has
        raised (EventSetError)."""
        self._id.close(es=es)

    def flush(self, es: ESArg = DEFAULT) -> None:
        """Ask HDF5 to write its buffers to the file (H5Fflush); queued with
        an event set, else waits."""
        self._id.flush(es=es)

    def aclose(self) -> Coroutine[Any, Any, None]:
        """Close the file: queued at the call; await the result to wait for
        it without blocking the event loop (raises its failure).  Cancelling
        the await does not undo the close."""
        es = _h5async.EventSet()
        self._id.close(es=es)
        return _aio.Submitted(es, es)

    def __enter__(self) -> File:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        if not self:
            return "<Closed HDF5 file>"
        return f'<HDF5 file "{posixpath.basename(self.filename)}" (mode {self.mode})>'


class Datatype(HLObject):
    """A committed (named) datatype, as h5py.Datatype: g[name] gives one
    where g[name] = np.dtype(...) stored it."""

    def __init__(self, oid: _h5async.ObjectID) -> None:
        if oid.kind != "datatype":  # as h5py: ValueError for another object's id
            raise ValueError(f"{oid!r} is not a TypeID")
        super().__init__(oid)

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype it stands for (cached: never waits)."""
        return self._id.dtype

    def __repr__(self) -> str:
        return f'<HDF5 named type "{posixpath.basename(self.name)}" (dtype {self.dtype.str})>'


class Dataset(HLObject):
    """An HDF5 dataset.  shape, dtype and friends are cached: reading them
    never waits for the I/O thread."""

    def __init__(self, oid: _h5async.ObjectID) -> None:
        if oid.kind != "dataset":  # as h5py: ValueError for another object's id
            raise ValueError(f"{oid!r} is not a DatasetID")
        super().__init__(oid)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape, a tuple of ints (cached: never waits).  None for a
        dataset without a dataspace (h5py.Empty), which typing leaves out."""
        return cast("tuple[int, ...]", self._id.shape)

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype of the elements (cached)."""
        return self._id.dtype

    @property
    def maxshape(self) -> tuple[int | None, ...]:
        """The maximum shape; None entries are unlimited (cached)."""
        return cast("tuple[int | None, ...]", self._id.maxshape)

    @property
    def chunks(self) -> tuple[int, ...] | None:
        """The chunk shape, or None when not chunked (cached)."""
        return self._id.chunks

    @property
    def ndim(self) -> int:
        """The number of dimensions (cached)."""
        return self._id.ndim

    @property
    def size(self) -> int:
        """The number of elements (cached)."""
        return self._id.size

    @property
    def compression(self) -> str | None:
        """'gzip', 'lzf' or None (cached)."""
        return self._id.compression

    @property
    def scaleoffset(self) -> int | None:
        """The scale-offset filter's factor: bits kept for integers (0: found
        by HDF5), decimal digits for floats; None without it (cached)."""
        return self._id.scaleoffset

    @property
    def compression_opts(self) -> int | None:
        """The compression level, or None (cached)."""
        return self._id.compression_opts

    @property
    def shuffle(self) -> bool:
        """Whether the shuffle filter is on (cached)."""
        return self._id.shuffle

    @property
    def fletcher32(self) -> bool:
        """Whether the fletcher32 checksum filter is on (cached)."""
        return self._id.fletcher32

    @property
    def fillvalue(self) -> Any:
        """The value of elements never written (cached)."""
        return self._id.fillvalue

    @property
    def nbytes(self) -> int:
        """The size of the data in bytes, itemsize * size; 0 for Empty (cached)."""
        if self._id.shape is None:
            return 0
        return self.dtype.itemsize * self.size

    def iter_chunks(self, sel: Any = None) -> Iterator[tuple[slice, ...]]:
        """The chunks of the dataset (or of the region `sel`, a slice, an
        integer or a tuple of them) as tuples of slices, each the
        intersection of one chunk with the region, in C order, as h5py.
        TypeError if not chunked, ValueError for a region outside the
        dataset.  Never waits (shape and chunks are cached)."""
        return _chunk_iter(self.shape, self.chunks, sel)

    def fields(self, names: str | list[str]) -> _FieldsView:
        """A view that reads only the fields `names` of a compound dataset:
        d.fields("x")[:] is that field's array, d.fields(["x", "y"])[:] a
        structured array of those two.  ValueError for an unknown field."""
        return _FieldsView(self, names)

    def flush(self, es: ESArg = DEFAULT) -> None:
        """Write the dataset's cached data and metadata to the file
        (H5Dflush, for SWMR readers); queued like a write."""
        self._id.dset_flush(es=es)

    def refresh(self) -> None:
        """Reload the dataset's metadata from the file (H5Drefresh, for
        SWMR readers): `shape` then shows what the writer has flushed.
        Waits for it, behind everything submitted before."""
        self._id.refresh()

    @overload
    def __getitem__(self, key: slice | tuple[slice, ...] | list[int] | npt.NDArray[Any]
                    ) -> npt.NDArray[Any]: ...
    @overload
    def __getitem__(self, key: Any) -> Any: ...

    def __getitem__(self, key: Any) -> Any:
        """d[key]: read the selection `key` and return a numpy array of the
        selection's shape (a numpy scalar for a single element; Empty for
        a dataset without dataspace).  Waits for this read only; a
        selection out of range raises IndexError at once."""
        if key.__class__ is _h5async.RegionReference:
            # a null or scalar dataspace may hold no selection: h5py's Empty
            if not self._id.shape and self._id.region_selection(key) is None:
                return Empty(self.dtype)
        elif (key is Ellipsis or key.__class__ is tuple and not key) and self._id.shape is None:
            return Empty(self.dtype)
        return self._id.read(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        """d[key] = value: write `value` (broadcast to the selection's shape,
        converted to the dataset's dtype) at `key`.  Queued on the file's
        default event set with a copy of `value`; waits when there is none."""
        if self._id.dtype.subdtype is not None and np.ndim(value) == 0 and \
                not isinstance(value, np.void):
            # h5py refuses filling array-typed elements from one number
            raise TypeError(f"Can't broadcast a scalar to elements of dtype {self._id.dtype}")
        self._id.write(key, value)

    def aread(self, key: Any = ()) -> Coroutine[Any, Any, npt.NDArray[Any]]:
        """Read `key`: queued at the call; await the result for the array
        without blocking the event loop."""
        return _aio.Submitted(self.read(key))

    def awrite(self, key: Any, value: Any) -> Coroutine[Any, Any, None]:
        """Write `value` at `key`: copied and queued at the call; await the
        result to wait until it is in the file, raising its failure if any.
        Cancelling the await does not cancel the write: it still completes,
        and a failure is then raised by the file's close()."""
        es = _h5async.EventSet()
        self._id.write(key, value, es=es)
        return _aio.Submitted(es, es)

    @property
    def collective(self) -> _Collective:
        """Parallel HDF5: `with d.collective: d[sel] = x` makes the transfers
        submitted inside the block collective (every rank must submit them)."""
        return _Collective(self._id)

    @property
    def dims(self) -> DimensionManager:
        """The dimension scales of each axis (h5py's d.dims; see h5async.dims)."""
        from .dims import DimensionManager
        return DimensionManager(self)

    def make_scale(self, name: str | bytes = "", es: ESArg = DEFAULT) -> None:
        """Make this dataset a dimension scale named `name`, to attach with
        other.dims[i].attach_scale(self) (h5py's make_scale)."""
        from . import h5ds
        h5ds.set_scale(self, name, es=es)

    @property
    def is_virtual(self) -> bool:
        """Whether this is a virtual dataset (cached: no wait)."""
        return self._id.is_virtual()

    def virtual_sources(self) -> list[Any]:
        """The mappings of a virtual dataset (VDSmap: file_name, dset_name;
        vspace and src_space, h5py's low-level dataspaces, are None).
        Waits; RuntimeError if the dataset is not virtual."""
        from .vds import VDSmap
        return [VDSmap(None, f, d, None) for f, d in self._id.virtual_sources()]

    @property
    def is_scale(self) -> bool:
        """Whether this dataset is a dimension scale.  Waits."""
        from . import h5ds
        return h5ds.is_scale(self)

    def astype(self, dtype: npt.DTypeLike) -> _ReadView:
        """A view that reads converted to `dtype`: d.astype('f8')[0:10].
        numpy's StringDType ('T') reads strings as str in that dtype
        (TypeError for datasets without strings, as h5py)."""
        dt = np.dtype(dtype)
        if dt.kind == "T":
            info = check_string_dtype(self.dtype)
            if info is None:
                raise TypeError("dset.astype('T') can only be used on datasets with an HDF5 "
                                "string datatype")
            return _ReadView(self, dtype=dt, as_str=True, encoding=info.encoding)
        return _ReadView(self, dtype=dtype)

    def asstr(self, encoding: str | None = None, errors: str = "strict") -> _ReadView:
        """A view that reads strings (variable- or fixed-length) as str,
        decoded with `encoding` (default: the dataset's, 'utf-8' or 'ascii')
        and `errors` as bytes.decode() takes them.  TypeError if the dataset
        does not hold strings (as h5py)."""
        info = check_string_dtype(self.dtype)
        if info is None:
            raise TypeError("dset.asstr() can only be used on datasets with an HDF5 string "
                            "datatype")
        return _ReadView(self, as_str=True, encoding=encoding or info.encoding, errors=errors)

    def read(self, key: Any = (), es: ESArg = DEFAULT) -> _h5async.Future[npt.NDArray[Any]]:
        """Start reading `key` (a selection, default everything) and return
        a Future of the numpy array at once (fut.result() waits for it,
        ``await fut`` in asyncio); `es` (default: the file's) tracks it."""
        return self._id.read_async(key, es=es)

    def read_direct(self, dest: npt.NDArray[Any], source_sel: Any = None, dest_sel: Any = None,
                    es: ESArg = DEFAULT) -> None:
        """Read the selection `source_sel` into dest[dest_sel], a writable
        numpy array whose selection has the same number of elements.  With
        an event set it is filled later (the task keeps `dest` alive); do
        not read it before es.wait().  A `dest` of a dtype holding Python
        objects (strings, sequences, references) is filled by a read that
        waits, as h5py fills it."""
        if isinstance(dest, np.ndarray) and dest.dtype.hasobject:
            # HDF5 must never write pointers into numpy's object slots: read
            # an array of the dataset's own, then let numpy assign it
            data = self[() if source_sel is None else source_sel]
            key = () if dest_sel is None else dest_sel
            dest[key] = np.asarray(data).reshape(np.shape(dest[key]))
            return
        self._id.read_direct(dest, source_sel, dest_sel, es=es)

    def write_direct(self, source: npt.ArrayLike, source_sel: Any = None, dest_sel: Any = None,
                     es: ESArg = DEFAULT, copy: bool = True) -> None:
        """Write from the caller's array, copied at once; with copy=False a
        C-contiguous array is used in place and must not change until the
        write is done (es.wait())."""
        self._id.write_direct(source, source_sel, dest_sel, es=es, copy=copy)

    def write(self, key: Any, value: Any, es: ESArg = DEFAULT, copy: bool = True) -> None:
        """d[key] = value with an explicit event set; copy=False uses an array
        that already has the dataset's dtype and the selection's shape in
        place (do not change it until the write is done)."""
        self._id.write(key, value, es=es, copy=copy)

    def resize(self, size: int | tuple[int, ...], axis: int | None = None,
               es: ESArg = DEFAULT) -> None:
        """Change the shape to `size` (a tuple, or with `axis` the new length
        of that axis) within maxshape; `shape` changes at once.  Beyond
        maxshape raises at once."""
        self._id.resize(size, axis, es=es)

    def __len__(self) -> int:
        return self.len()

    def len(self) -> int:
        """The length of the first axis (h5py's len(), for lengths past what
        len() may return on 32-bit systems); TypeError for a scalar."""
        shape = self.shape
        if not shape:
            raise TypeError("Attempt to take len() of scalar dataset")
        return shape[0]

    def __iter__(self) -> Iterator[Any]:
        shape = self.shape
        if not shape:
            raise TypeError("Can't iterate over a scalar dataset")
        for i in range(shape[0]):
            yield self[i]

    def __array__(self, dtype: npt.DTypeLike | None = None,
                  copy: bool | None = None) -> npt.NDArray[Any]:
        _no_copy_refused(copy, "Dataset")
        arr = self[()] if self.shape else np.asarray(self[()])
        return arr if dtype is None else arr.astype(dtype)

    def __repr__(self) -> str:
        if not self:
            return "<Closed HDF5 dataset>"
        return f'<HDF5 dataset "{posixpath.basename(self.name)}": shape {self.shape}, type "{self.dtype.str}">'


class _Collective:
    def __init__(self, oid: _h5async.ObjectID) -> None:
        self._id = oid

    def __enter__(self) -> None:
        self._prev, self._id.collective = self._id.collective, True

    def __exit__(self, *exc: object) -> None:
        self._id.collective = self._prev


def _no_copy_refused(copy: bool | None, what: str) -> None:
    """np.array(dset, copy=False): a read always allocates (h5py's error)."""
    if copy is False:
        raise ValueError(f"{what}.__array__ received copy=False but memory allocation "
                         "cannot be avoided on read")


class _ViewShape:
    """shape, ndim and size of a view: its dataset's."""

    _dset: Dataset

    @property
    def shape(self) -> tuple[int, ...]:
        return self._dset.shape

    @property
    def ndim(self) -> int:
        return self._dset.ndim

    @property
    def size(self) -> int:
        return self._dset.size


class _ReadView(_ViewShape):
    """What Dataset.astype() and asstr() return: slicing reads, converted."""

    def __init__(self, dset: Dataset, dtype: npt.DTypeLike | None = None,
                 as_str: bool = False, encoding: str = "utf-8", errors: str = "strict") -> None:
        self._dset, self._dtype, self._as_str = dset, dtype, as_str
        self._encoding, self._errors = encoding, errors

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of what a read gives."""
        if self._dtype is not None:
            return np.dtype(self._dtype)
        return np.dtype("O") if self._as_str else self._dset.dtype

    def __getitem__(self, key: Any) -> Any:
        if not self._as_str:
            want = np.dtype(self._dtype) if self._dtype is not None else None
            info = check_string_dtype(self._dset.dtype)
            if want is not None and want.kind == "S" and info is not None and info.length is None:
                # variable-length to fixed-length strings: HDF5 has no such
                # conversion; numpy's (truncating), as h5py gives it
                raw = self._dset.id.read(key)
                return np.asarray(raw).astype(want) if isinstance(raw, np.ndarray) else \
                    np.bytes_(raw).astype(want)
            return self._dset.id.read(key, dtype=self._dtype)
        # Strings: read as bytes, decoded as asked (h5py's AsStrView); in
        # numpy's StringDType when asked ('T').
        raw = self._dset.id.read(key)
        if isinstance(raw, bytes):
            return raw.decode(self._encoding, self._errors)
        if not isinstance(raw, np.ndarray):
            return raw
        out = np.empty(raw.shape, dtype=object)
        for i, b in enumerate(raw.flat):
            out.flat[i] = bytes(b).decode(self._encoding, self._errors)
        return out if self._dtype is None else out.astype(self._dtype)

    def __array__(self, dtype: npt.DTypeLike | None = None,
                  copy: bool | None = None) -> npt.NDArray[Any]:
        _no_copy_refused(copy, type(self).__name__)
        arr = np.asarray(self[()])
        return arr if dtype is None else arr.astype(dtype)

    def __len__(self) -> int:
        return len(self._dset)


class _FieldsView(_ViewShape):
    """What Dataset.fields() returns: slicing reads those fields only."""

    def __init__(self, dset: Dataset, names: str | list[str]) -> None:
        base = dset.dtype
        self._single = names if isinstance(names, str) else None
        names = [names] if isinstance(names, str) else list(names)
        if base.names is None:
            raise ValueError("Field names only allowed for compound types")
        for name in names:
            if name not in base.names:
                raise ValueError(f"Field {name} does not appear in this type.")
        self._dset = dset
        self._read_dtype = np.dtype([(name, base.fields[name][0])  # type: ignore[index]
                                     for name in names])

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of what a read gives."""
        if self._single is not None:
            return self._read_dtype[self._single]
        return self._read_dtype

    def __getitem__(self, key: Any) -> Any:
        data = self._dset.id.read(key, dtype=self._read_dtype)
        return data if self._single is None else data[self._single]

    def __array__(self, dtype: npt.DTypeLike | None = None,
                  copy: bool | None = None) -> npt.NDArray[Any]:
        _no_copy_refused(copy, type(self).__name__)
        arr = np.asarray(self[()])
        return arr if dtype is None else arr.astype(dtype)

    def __len__(self) -> int:
        return len(self._dset)


def _chunk_iter(shape: tuple[int, ...], chunks: tuple[int, ...] | None,
                source_sel: Any) -> Iterator[tuple[slice, ...]]:
    """h5py's ChunkIterator: the checks run at the call, the chunks lazily."""
    if not chunks:
        raise TypeError("Chunked dataset required")
    rank = len(shape)
    if source_sel is None:
        sel = [slice(0, shape[dim]) for dim in range(rank)]
    else:
        items = [source_sel] if isinstance(source_sel, (slice, int)) else list(source_sel)
        if len(items) != rank:
            raise ValueError("Invalid selection - selection region must have same rank as dataset")
        sel = []
        for dim, s in enumerate(items):
            if isinstance(s, slice):
                sel.append(slice(s.start or 0, s.stop or shape[dim], s.step))
            elif isinstance(s, int):
                sel.append(slice(s, s + 1))
            else:
                raise AssertionError(f"{s}: Selection object must be a slice or integer")
    index = []
    for dim in range(rank):
        s = sel[dim]
        if s.start < 0 or s.stop > shape[dim] or s.stop <= s.start:
            raise ValueError("Invalid selection - selection region must be within dataset space")
        index.append(s.start // chunks[dim])
    return _chunks_from(shape, chunks, sel, index)


def _chunks_from(shape: tuple[int, ...], chunks: tuple[int, ...], sel: list[slice],
                 index: list[int]) -> Iterator[tuple[slice, ...]]:
    rank = len(shape)
    while rank and index[0] * chunks[0] < sel[0].stop:
        yield tuple(slice(max(index[d] * chunks[d], sel[d].start),
                          min((index[d] + 1) * chunks[d], sel[d].stop), 1)
                    for d in range(rank))
        # The next chunk: the last axis first, carrying into the ones before.
        for dim in range(rank - 1, -1, -1):
            index[dim] += 1
            if index[dim] * chunks[dim] < sel[dim].stop or dim == 0:
                break
            index[dim] = sel[dim].start // chunks[dim]


class AttrInfo:
    """AttributeManager.get_id()'s answer: an attribute's name, dtype and
    shape (None for an empty one), as h5py's AttrID has them."""

    def __init__(self, name: str, dtype: np.dtype[Any], shape: tuple[int, ...] | None) -> None:
        self.name, self.dtype, self.shape = name, dtype, shape

    def __repr__(self) -> str:
        return f"<attribute {self.name!r}: {self.dtype}, shape {self.shape}>"


class AttributeManager(_MappingHDF5, MutableMapping[str, Any]):
    """Attributes of an object, as a dictionary.  Setting one is queued on
    the file's default event set; reading one waits for its own read."""

    def __init__(self, parent: HLObject) -> None:
        self._id = parent.id

    def __getitem__(self, name: str) -> Any:
        """The attribute's value: a numpy scalar for a scalar attribute, an
        array otherwise, Empty for a null dataspace.  Waits for its read;
        KeyError if missing."""
        arr = self._id.attr_get(name)
        if isinstance(arr, np.dtype):  # a null dataspace
            return Empty(arr)
        return arr[()] if arr.ndim == 0 else arr

    def __setitem__(self, name: str, value: Any) -> None:
        """attrs[name] = value: create or replace; queued on the file's
        default event set with a copy of `value`."""
        self.create(name, value)

    def __delitem__(self, name: str) -> None:
        """Delete attribute `name` (queued on the file's default event set)."""
        self._id.attr_delete(name)

    def create(self, name: str, data: Any, shape: int | tuple[int, ...] | None = None,
               dtype: npt.DTypeLike | None = None, es: ESArg = DEFAULT) -> None:
        """Create (or replace) attribute `name` with `data` (copied at once),
        optionally reshaped to `shape` and converted to `dtype`."""
        if isinstance(data, Empty):
            self._id.attr_set(name, None, es=es, dtype=data.dtype, empty=True)
        else:
            self._id.attr_set(name, data, es=es, dtype=dtype, shape=shape)

    def read(self, name: str, es: ESArg = DEFAULT) -> _h5async.Future[Any]:
        """Start reading attribute `name`; returns a Future of its value at once."""
        return self._id.attr_read_async(name, es=es)

    def aget(self, name: str) -> Coroutine[Any, Any, Any]:
        """Read attribute `name`: queued at the call; await the result for
        its value."""
        return _aio.Submitted(self.read(name))

    def get_id(self, name: str) -> AttrInfo:
        """What clients read off h5py's low-level attribute id: its dtype,
        shape and name (anndata checks the dtype for fixed-length strings).
        Waits for reading the attribute; KeyError if missing."""
        arr = self._id.attr_get(name)  # the array, not a scalar: its dtype keeps h5py's metadata
        if isinstance(arr, np.dtype):  # a null dataspace
            return AttrInfo(name, arr, None)
        return AttrInfo(name, arr.dtype, arr.shape)

    def modify(self, name: str, value: Any, es: ESArg = DEFAULT) -> None:
        """Change an attribute's value, keeping its type if it exists
        (created otherwise)."""
        self._id.attr_modify(name, value, es=es)

    def __contains__(self, name: object) -> bool:
        """Whether attribute `name` exists.  Waits for the check."""
        return self._id.attr_contains(name)  # type: ignore[arg-type]  # C raises TypeError

    def __iter__(self) -> Iterator[str]:
        """The attribute names.  Waits for the listing."""
        return iter(self._id.attr_names())

    def __len__(self) -> int:
        return len(self._id.attr_names())

    def __repr__(self) -> str:
        return f"<Attributes of HDF5 object at {id(self._id)}>"
