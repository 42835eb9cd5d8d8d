"""``h5py.h5t``: h5py's dtype helpers (numpy dtypes whose metadata carries
the HDF5 meaning, spelled as h5py spells them), from ``h5async._dtypes``.

A helper that builds a dtype h5async cannot store yet (a variable-length
sequence of numbers) still returns h5py's dtype; creating or writing a
dataset of it raises TypeError ("No conversion path for dtype").
Object references are supported (``ref_dtype``, ``special_dtype(ref=
Reference)``); region references are not: ``regionref_dtype`` raises
AttributeError."""
from .._dtypes import (check_dtype, check_enum_dtype, check_opaque_dtype,  # noqa: F401
                       check_ref_dtype, check_string_dtype, check_vlen_dtype, enum_dtype,
                       opaque_dtype, ref_dtype, special_dtype, string_dtype, string_info,
                       vlen_dtype)
from . import unsupported_getattr

__getattr__ = unsupported_getattr("h5py.h5t")
