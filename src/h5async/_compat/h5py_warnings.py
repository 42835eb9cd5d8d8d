"""``h5py.h5py_warnings``: h5py's warning classes."""


class H5pyWarning(UserWarning):
    pass


class H5pyDeprecationWarning(H5pyWarning):
    pass
