"""h5py's dtype helpers: numpy dtypes that carry HDF5 meaning in metadata."""
import numpy as np


def string_dtype(encoding="utf-8", length=None):
    """A dtype for strings: variable-length (length=None) or fixed bytes."""
    enc = encoding.lower().replace("_", "-")
    if enc not in ("utf-8", "ascii"):
        raise ValueError(f"Invalid encoding ({encoding!r}); 'utf-8' or 'ascii' allowed")
    if length is None:
        return np.dtype("O", metadata={"vlen": str if enc == "utf-8" else bytes})
    return np.dtype(f"S{int(length)}")


def check_string_dtype(dt):
    """('utf-8' or 'ascii', length or None) for a string dtype, else None."""
    dt = np.dtype(dt)
    vlen = (dt.metadata or {}).get("vlen")
    if vlen is str:
        return ("utf-8", None)
    if vlen is bytes:
        return ("ascii", None)
    if dt.kind == "S":
        return ("ascii", dt.itemsize)
    return None


def enum_dtype(values_dict, basetype=np.uint8):
    """An integer dtype that HDF5 stores as an enum of `values_dict`."""
    return np.dtype(basetype, metadata={"enum": dict(values_dict)})


def check_enum_dtype(dt):
    """The name -> value mapping of an enum dtype, else None."""
    return (np.dtype(dt).metadata or {}).get("enum")
