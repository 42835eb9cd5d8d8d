# h5async: set-up, demo, tests.  `make demo` and `make test` do all the
# set-up themselves on a fresh Debian machine (run as root).

VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
STAMP   := $(VENV)/.h5async-setup
DEBS    := libhdf5-dev hdf5-tools pkg-config
HDF5_PC := $(shell pkg-config --exists hdf5 2>/dev/null && echo hdf5 || echo hdf5-serial)
CFLAGS_HDF5 = $(shell pkg-config --cflags $(HDF5_PC))
LIBS_HDF5   = $(shell pkg-config --libs $(HDF5_PC))
CORE_SRC := $(wildcard src/core/*.c)
CTEST_SRC := $(wildcard tests/c/*.c)
CTEST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -pthread -Isrc/core

.PHONY: setup demo test test-c test-python clean debs

debs:
	@dpkg -s $(DEBS) >/dev/null 2>&1 || { \
	  echo "installing $(DEBS)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBS); }

# The editable install rebuilds the extension on import when C files change,
# so the stamp only needs to follow the build description.
$(STAMP): pyproject.toml meson.build
	$(MAKE) debs
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q meson-python meson ninja numpy pytest h5py
	$(PIP) install -q --no-build-isolation -e '.[test]'
	touch $@

setup: debs $(STAMP)

demo: setup
	$(PY) examples/reference_usage.py
	$(PY) examples/overlap_demo.py

build/ctest/test_core: $(CORE_SRC) $(CTEST_SRC) $(wildcard src/core/*.h tests/c/*.h)
	@mkdir -p $(@D)
	$(CC) $(CTEST_CFLAGS) $(CFLAGS_HDF5) $(CORE_SRC) $(CTEST_SRC) $(LIBS_HDF5) -o $@

test-c: setup build/ctest/test_core
	build/ctest/test_core

test-python: setup
	$(PY) -m pytest -q

test: test-c test-python

clean:
	rm -rf build build-* $(VENV)
