"""``h5py.h5z``: filter identifiers and flags (HDF5's H5Z constants).

``filter_avail`` and ``get_filter_info`` ask the I/O thread (h5async's
own filters, lzf and the plugin codecs, are registered first); the other
low-level functions (``register_filter``...) are not provided: asking for
them raises an AttributeError that names them."""
from .._h5async import filter_info
from . import unsupported_getattr

__getattr__ = unsupported_getattr("h5py.h5z")

FILTER_ERROR = -1
FILTER_NONE = 0
FILTER_ALL = 0
FILTER_DEFLATE = 1
FILTER_SHUFFLE = 2
FILTER_FLETCHER32 = 3
FILTER_SZIP = 4
FILTER_NBIT = 5
FILTER_SCALEOFFSET = 6
FILTER_RESERVED = 256
FILTER_LZF = 32000
FILTER_MAX = 65535

FLAG_DEFMASK = 0x00FF
FLAG_MANDATORY = 0x0000
FLAG_OPTIONAL = 0x0001
FLAG_INVMASK = 0xFF00
FLAG_REVERSE = 0x0100
FLAG_SKIP_EDC = 0x0200

SZIP_ALLOW_K13_OPTION_MASK = 1
SZIP_CHIP_OPTION_MASK = 2
SZIP_EC_OPTION_MASK = 4
SZIP_NN_OPTION_MASK = 32
SZIP_MAX_PIXELS_PER_BLOCK = 32

SO_FLOAT_DSCALE = 0
SO_FLOAT_ESCALE = 1
SO_INT = 2
SO_INT_MINBITS_DEFAULT = 0

FILTER_CONFIG_ENCODE_ENABLED = 1
FILTER_CONFIG_DECODE_ENABLED = 2

ERROR_EDC = -1
DISABLE_EDC = 0
ENABLE_EDC = 1
NO_EDC = 2

CLASS_T_VERS = 1


def filter_avail(filter_code: int) -> bool:
    """Whether HDF5 in this process can apply filter ``filter_code``.  Waits."""
    return bool(filter_info(filter_code)[0])


def get_filter_info(filter_code: int) -> int:
    """The filter's FILTER_CONFIG_* flags (0 when it is missing).  Waits."""
    return int(filter_info(filter_code)[1])
