"""``h5py.h5f``: the constants of h5py's low-level file module, with h5py's
values, because test modules and clients read them at import time
(``h5f.UNLIMITED`` for external storage, ``h5f.LIBVER_*``, ``ACC_*``,
``OBJ_*``).  h5async has no low-level file API: the functions and classes
(``open``, ``create``, ``FileID``, ``get_obj_ids`` ...) are not provided,
and asking for one raises an AttributeError that names it."""
from ._unsupported_fn import unsupported_fn
from . import unsupported_getattr

__getattr__ = unsupported_getattr("h5py.h5f")

ACC_RDONLY, ACC_RDWR, ACC_TRUNC, ACC_EXCL = 0, 1, 2, 4
ACC_SWMR_WRITE, ACC_SWMR_READ = 32, 64

CLOSE_DEFAULT, CLOSE_WEAK, CLOSE_SEMI, CLOSE_STRONG = 0, 1, 2, 3

SCOPE_LOCAL, SCOPE_GLOBAL = 0, 1

OBJ_FILE, OBJ_DATASET, OBJ_GROUP, OBJ_DATATYPE, OBJ_ATTR = 1, 2, 4, 8, 16
OBJ_ALL, OBJ_LOCAL = 31, 32

LIBVER_EARLIEST, LIBVER_V18, LIBVER_V110 = 0, 1, 2
LIBVER_V112, LIBVER_V114, LIBVER_V200 = 3, 4, 5
LIBVER_LATEST = LIBVER_V200

FSPACE_STRATEGY_FSM_AGGR, FSPACE_STRATEGY_PAGE = 0, 1
FSPACE_STRATEGY_AGGR, FSPACE_STRATEGY_NONE = 2, 3

FILE_IMAGE_OPEN_RW = 1

UNLIMITED = 2**64 - 1

# Named so that code which only mentions them imports; calling one says
# what is missing.
open = unsupported_fn("h5py.h5f.open")
create = unsupported_fn("h5py.h5f.create")
open_file_image = unsupported_fn("h5py.h5f.open_file_image")
