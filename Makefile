# h5async: set-up, demo, tests.  `make demo` and `make test` do all the
# set-up themselves on a fresh Debian machine (run as root).

VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
STAMP   := $(VENV)/.h5async-setup
DEBS    := libhdf5-dev hdf5-tools pkg-config zlib1g-dev libdeflate-dev liblzf-dev \
           libzstd-dev liblz4-dev libblosc-dev
# Debian's 'hdf5' may point at the parallel flavour: ask for the serial one first.
HDF5_PC := $(shell pkg-config --exists hdf5-serial 2>/dev/null && echo hdf5-serial || echo hdf5)
CFLAGS_HDF5 = $(shell pkg-config --cflags $(HDF5_PC))
LIBS_HDF5   = $(shell pkg-config --libs $(HDF5_PC))
# The chunk pipeline's codecs, as meson.build picks them; evaluated when
# used, so after `make debs` has installed them.
CODEC_PCS    = $(shell for p in libdeflate liblzf libzstd liblz4 blosc; do pkg-config --exists $$p && echo $$p; done)
CFLAGS_CODEC = $(if $(filter libdeflate,$(CODEC_PCS)),-DHA_HAVE_LIBDEFLATE) \
               $(if $(filter liblzf,$(CODEC_PCS)),-DHA_HAVE_LZF) \
               $(if $(filter libzstd,$(CODEC_PCS)),-DHA_HAVE_ZSTD) \
               $(if $(filter liblz4,$(CODEC_PCS)),-DHA_HAVE_LZ4) \
               $(if $(filter blosc,$(CODEC_PCS)),-DHA_HAVE_BLOSC) \
               $(if $(CODEC_PCS),$(shell pkg-config --cflags $(CODEC_PCS)))
LIBS_CODEC   = $(if $(CODEC_PCS),$(shell pkg-config --libs $(CODEC_PCS))) -lz -ldl
CORE_SRC := $(wildcard src/core/*.c)
CTEST_SRC := $(wildcard tests/c/*.c)
CTEST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -pthread -Isrc/core

.PHONY: setup demo test test-c test-python typecheck test-sdist check check-tsan check-asan test-mpi bench-mpi test-matrix bench clean debs test-compat

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
	$(PIP) install -q meson-python meson ninja numpy pytest h5py mypy hypothesis
	$(PIP) install -q --no-build-isolation -e '.[test]'
	touch $@

setup: debs $(STAMP)

demo: setup
	$(PY) examples/reference_usage.py
	$(PY) examples/overlap_demo.py

build/ctest/test_core: $(CORE_SRC) $(CTEST_SRC) $(wildcard src/core/*.h tests/c/*.h)
	@mkdir -p $(@D)
	$(CC) $(CTEST_CFLAGS) $(CFLAGS_HDF5) $(CFLAGS_CODEC) $(CORE_SRC) $(CTEST_SRC) $(LIBS_HDF5) $(LIBS_CODEC) -o $@

test-c: setup build/ctest/test_core
	build/ctest/test_core

test-python: setup
	$(PY) -m pytest -q

# mypy --strict on src/h5async and examples/ (settings in pyproject.toml).
typecheck: setup
	$(PY) -m mypy --cache-dir build/mypy-cache

test: test-c test-python typecheck check

# What a pip user gets: build the sdist, install it into a fresh venv (build
# isolation: numpy 2 headers), and run a smoke test outside the source tree,
# with the newest numpy and with numpy 1.23.
SDIST_DIR := build/sdist
test-sdist: setup
	rm -rf $(SDIST_DIR) && mkdir -p $(SDIST_DIR)
	$(PY) -c "import mesonpy, sys; print(mesonpy.build_sdist(sys.argv[1]))" $(SDIST_DIR)
	python3 -m venv $(SDIST_DIR)/venv
	$(SDIST_DIR)/venv/bin/python -m pip install -q $(SDIST_DIR)/h5async-*.tar.gz
	cd $(SDIST_DIR) && venv/bin/python $(abspath tests/sdist_smoke.py)
	# built against numpy 2's headers, it runs on the oldest numpy it allows
	$(SDIST_DIR)/venv/bin/python -m pip install -q "numpy==1.23.*"
	cd $(SDIST_DIR) && venv/bin/python $(abspath tests/sdist_smoke.py)

# ---- sanitizers: the C core under ThreadSanitizer, the C and Python suites
# under AddressSanitizer with UBSan (a switch of the build, not a fork).
SAN_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -pthread -Isrc/core -fno-omit-frame-pointer

build/ctest/test_core_tsan: $(CORE_SRC) $(CTEST_SRC) $(wildcard src/core/*.h tests/c/*.h)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -fsanitize=thread $(CFLAGS_HDF5) $(CFLAGS_CODEC) $(CORE_SRC) $(CTEST_SRC) $(LIBS_HDF5) $(LIBS_CODEC) -o $@

build/ctest/test_core_asan: $(CORE_SRC) $(CTEST_SRC) $(wildcard src/core/*.h tests/c/*.h)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=undefined $(CFLAGS_HDF5) $(CFLAGS_CODEC) $(CORE_SRC) $(CTEST_SRC) $(LIBS_HDF5) $(LIBS_CODEC) -o $@

check-tsan: setup build/ctest/test_core_tsan
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" setarch $$(uname -m) -R build/ctest/test_core_tsan

# The Python suite against an ASan/UBSan build of the extension, in its own
# venv so that the editable install's loader does not pick the normal build.
ASAN_VENV := build-asan/venv
ASAN_PKG  := build-asan/pkg
ASAN_RT    = $(shell $(CC) -print-file-name=libasan.so) $(shell $(CC) -print-file-name=libubsan.so)

$(ASAN_VENV)/.ok: $(STAMP)
	test -x $(ASAN_VENV)/bin/python || python3 -m venv $(ASAN_VENV)
	$(ASAN_VENV)/bin/python -m pip install -q meson ninja numpy pytest h5py hypothesis
	touch $@

build-asan/ext/build.ninja: meson.build $(ASAN_VENV)/.ok
	rm -rf build-asan/ext
	$(ASAN_VENV)/bin/meson setup build-asan/ext -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false >/dev/null

check-asan: setup build/ctest/test_core_asan build-asan/ext/build.ninja
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build/ctest/test_core_asan
	ninja -C build-asan/ext >/dev/null
	rm -rf $(ASAN_PKG) && mkdir -p $(ASAN_PKG)/h5async
	cp -r src/h5async/. $(ASAN_PKG)/h5async/
	find $(ASAN_PKG) -name __pycache__ -prune -exec rm -rf {} +
	cp build-asan/ext/_h5async*.so $(ASAN_PKG)/h5async/
	cd build-asan && LD_PRELOAD="$(ASAN_RT)" ASAN_OPTIONS=detect_leaks=0 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 H5ASYNC_SANITIZED=1 \
	  PYTHONPATH=$(abspath $(ASAN_PKG)) venv/bin/python -m pytest -q -p no:cacheprovider \
	  -c $(abspath pyproject.toml) --rootdir $(abspath .) $(abspath tests/python)

check: check-tsan check-asan

# ---- parallel HDF5 over MPI: a separate build against Debian's OpenMPI
# flavour, installed with mpi4py into its own venv, run on 2 ranks.
MPI_DEBS := libhdf5-openmpi-dev openmpi-bin libopenmpi-dev
MPI_VENV := build-mpi/venv

$(MPI_VENV)/.ok:
	@dpkg -s $(MPI_DEBS) >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(MPI_DEBS); }
	test -x $(MPI_VENV)/bin/python || python3 -m venv $(MPI_VENV)
	$(MPI_VENV)/bin/python -m pip install -q meson-python meson ninja numpy pytest mpi4py
	touch $@

test-mpi: $(MPI_VENV)/.ok
	$(MPI_VENV)/bin/python -m pip install -q --no-build-isolation --force-reinstall --no-deps \
	  -Csetup-args=-Dmpi=true -Cbuild-dir=build-mpi/build .
	cd build-mpi && OMPI_MCA_rmaps_base_oversubscribe=1 mpirun -n 2 --oversubscribe --allow-run-as-root \
	  venv/bin/python -m pytest -q -p no:cacheprovider -c $(abspath pyproject.toml) \
	  --rootdir $(abspath .) $(abspath tests/mpi)

bench-mpi: test-mpi
	cd build-mpi && for mode in independent collective; do \
	  OMPI_MCA_rmaps_base_oversubscribe=1 mpirun -n 2 --oversubscribe --allow-run-as-root \
	  venv/bin/python $(abspath benchmarks/mpi_checkpoint.py) 8 16 $$mode; done

# ---- compatibility (docs/compat.md, "Measured compatibility"): h5py's own
# tests from the sdist of the installed h5py, h5netcdf's test suite, an xarray
# round trip and anndata's HDF5 I/O tests, each run against the real h5py and
# against h5async installed as h5py, each test in a forked child.  Fails if
# fewer pass than tests/compat/expected.json records.  The venvs are kept in
# build/compat; h5async is rebuilt as a wheel into them on every run.
COMPAT           := build/compat
H5NETCDF_VERSION := 1.8.2
ANNDATA_VERSION  := 0.12.19
COMPAT_ARGS      ?=
COMPAT_H5PY       = $(shell $(PY) -c 'import h5py; print(h5py.__version__)')

$(COMPAT)/.h5py-tests: $(STAMP)
	rm -rf $(COMPAT)/h5py-sdist $(COMPAT)/h5py_tests && mkdir -p $(COMPAT)/h5py-sdist $(COMPAT)/h5py_tests/h5py
	$(PIP) download -q --no-deps --no-binary h5py -d $(COMPAT)/h5py-sdist "h5py==$(COMPAT_H5PY)"
	tar xzf $(COMPAT)/h5py-sdist/h5py-$(COMPAT_H5PY).tar.gz -C $(COMPAT)/h5py-sdist
	cp -r $(COMPAT)/h5py-sdist/h5py-$(COMPAT_H5PY)/h5py/tests $(COMPAT)/h5py_tests/h5py/tests
	echo 'raise ImportError("marker: h5py.tests is served by tests/compat/site/sitecustomize.py")' \
	  > $(COMPAT)/h5py_tests/h5py/__init__.py
	touch $@

$(COMPAT)/venv-netcdf/.ok: $(STAMP)
	rm -rf $(COMPAT)/venv-netcdf && python3 -m venv $(COMPAT)/venv-netcdf
	$(COMPAT)/venv-netcdf/bin/python -m pip install -q "h5netcdf==$(H5NETCDF_VERSION)" \
	  "h5py==$(COMPAT_H5PY)" xarray netCDF4 pytest
	touch $@

$(COMPAT)/venv-anndata/.ok: $(STAMP)
	rm -rf $(COMPAT)/venv-anndata $(COMPAT)/anndata-src && python3 -m venv $(COMPAT)/venv-anndata
	$(COMPAT)/venv-anndata/bin/python -m pip install -q "anndata==$(ANNDATA_VERSION)" \
	  "h5py==$(COMPAT_H5PY)" pytest pytest-mock filelock joblib boltons "dask[array]" awkward
	$(COMPAT)/venv-anndata/bin/python -m pip download -q --no-deps --no-binary anndata \
	  -d $(COMPAT)/venv-anndata "anndata==$(ANNDATA_VERSION)"
	mkdir -p $(COMPAT)/anndata-src
	tar xzf $(COMPAT)/venv-anndata/anndata-$(ANNDATA_VERSION).tar.gz -C $(COMPAT)/anndata-src --strip-components=1
	touch $@

test-compat: $(COMPAT)/.h5py-tests $(COMPAT)/venv-netcdf/.ok $(COMPAT)/venv-anndata/.ok
	cp tests/compat/pytest-h5py.ini $(COMPAT)/pytest.ini
	rm -rf $(COMPAT)/wheels
	$(PIP) wheel -q --no-build-isolation --no-deps -w $(COMPAT)/wheels \
	  -Cbuild-dir=$(abspath $(COMPAT))/h5async-build .
	for v in netcdf anndata; do $(COMPAT)/venv-$$v/bin/python -m pip install -q --no-deps \
	  --force-reinstall $(COMPAT)/wheels/h5async-*.whl; done
	$(PY) tests/compat/run_compat.py $(COMPAT_ARGS)

# Benchmarks (docs/performance.md).  The h5py they compare with is built
# from source against the same system libhdf5 as h5async, once, so that the
# comparison isolates the binding (the PyPI wheel bundles another HDF5).
BENCH_OUT  ?= build/bench
BENCH_ARGS ?=
SMALLCALLS_ARGS ?=
BENCH_H5PY := build/h5py-system

$(BENCH_H5PY)/.stamp: | $(STAMP)
	rm -rf $(BENCH_H5PY)
	HDF5_PKGCONFIG_NAME=$(HDF5_PC) $(PIP) install -q --no-binary h5py --no-deps \
	  --target $(BENCH_H5PY) "h5py==$$($(PY) -c 'import h5py; print(h5py.__version__)')"
	touch $@

# The suite (W1-W6, each also run with the installed h5py wheel), then the
# issue-13 measurements: small calls against both h5py builds (with
# callgrind's instruction counts when valgrind is installed), the gzip
# pipeline against its codec thread count, and the staging copy.  About
# 20 minutes on 2 cores; not part of CI.
bench: setup $(BENCH_H5PY)/.stamp
	$(PIP) install -q matplotlib
	$(PY) -m benchmarks.suite --out $(BENCH_OUT) --h5py-path $(BENCH_H5PY) $(BENCH_ARGS)
	$(PY) -m benchmarks.smallcalls --out $(BENCH_OUT) --h5py-path $(BENCH_H5PY) \
	  $$(command -v valgrind >/dev/null && echo --callgrind) $(SMALLCALLS_ARGS)
	$(PY) -m benchmarks.compression --out $(BENCH_OUT) --h5py-path $(BENCH_H5PY) --rows 4096
	$(PY) -m benchmarks.staging_copy --out $(BENCH_OUT)

# HDF5 version matrix (docs/building.md): system 1.10, 1.14 and 2 by default,
# or e.g. `make test-matrix MATRIX=1.14`.
MATRIX ?=
test-matrix:
	bash tools/test_matrix.sh $(MATRIX)

clean:
	rm -rf build build-* $(VENV)
