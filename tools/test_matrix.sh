#!/usr/bin/env bash
# Build and test h5async against several HDF5 releases.
#
#   tools/test_matrix.sh              # system 1.10 (Debian's package), 1.14, 2
#   tools/test_matrix.sh 1.14         # one release series
#   tools/test_matrix.sh system 2
#
# For each version: the HDF5 library (the system's through pkg-config, or one
# built once by tools/build_hdf5.sh into ${H5ASYNC_CACHE:-/var/cache/h5async}),
# a venv in build-matrix/<version>/venv (git-ignored), a non-editable install
# of this tree into it with HDF5_DIR=<prefix>, then the C core tests (src/core
# + tests/c, as the Makefile's test-c, linked with an rpath to that HDF5) and
# the pytest suite (tests/python) run from build-matrix/<version>/, so that
# `import h5async` is the venv's copy (checked, with its HDF5 version, first).
# Prints a table, then one line "matrix: N passed, N failed" summing the C and
# Python tests of all versions; exits non-zero if anything failed.
#
# Environment: H5ASYNC_CACHE (see build_hdf5.sh); MATRIX_PYTEST_ARGS (extra
# pytest arguments); MATRIX_TIMEOUT (seconds for each test run, default 1800).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
REPO=$(pwd)
VERSIONS=("$@")
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(1.10 1.14 2)
TIMEOUT=${MATRIX_TIMEOUT:-1800}
CTEST_CFLAGS=(-std=gnu11 -g -O1 -Wall -Wextra -pthread -Isrc/core)
# The chunk pipeline's codecs, found as the Makefile's test-c and meson.build
# find them: each optional, zlib always.
CODEC_CFLAGS=()
CODEC_LIBS=()
for pc in libdeflate:LIBDEFLATE liblzf:LZF libzstd:ZSTD liblz4:LZ4 blosc:BLOSC; do
  if pkg-config --exists "${pc%%:*}"; then
    CODEC_CFLAGS+=("-DHA_HAVE_${pc##*:}")
    read -r -a more <<<"$(pkg-config --cflags "${pc%%:*}")"; CODEC_CFLAGS+=("${more[@]}")
    read -r -a more <<<"$(pkg-config --libs "${pc%%:*}")"; CODEC_LIBS+=("${more[@]}")
  fi
done
CODEC_LIBS+=(-lz -ldl)  # -ldl: bitshuffle's library is loaded at run time

say() { echo "== matrix[$1]: $2"; }
declare -A R_BUILD R_HDF5 R_C R_PY R_SECS
TOTAL_PASS=0 TOTAL_FAIL=0 BAD=0

count() {             # $1 = a "... N passed, M failed ..." summary; prints "N M"
  local p=0 f=0 n
  n=$(grep -oE '[0-9]+ passed' <<<"$1" | head -n1) && p=${n%% *}
  while read -r n; do [ -n "$n" ] && f=$((f + ${n%% *})); done < <(grep -oE '[0-9]+ (failed|errors?)' <<<"$1")
  echo "$p $f"
}

run_version() {
  local v=$1 dir=build-matrix/$1 t0=$SECONDS
  local prefix="" cflags=() libs=() expect="" env_dir=()
  mkdir -p "$dir"
  R_BUILD[$v]=FAIL; R_HDF5[$v]=-; R_C[$v]=not-run; R_PY[$v]=not-run

  # -- the HDF5 library
  case "$v" in
    1.10|system)
      if ! dpkg -s libhdf5-dev pkg-config >/dev/null 2>&1; then
        say "$v" "installing libhdf5-dev pkg-config"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libhdf5-dev pkg-config; } >"$dir/apt.log" 2>&1 ||
          { say "$v" "apt-get failed, see $dir/apt.log"; return 1; }
      fi
      local pc=hdf5; pkg-config --exists hdf5 2>/dev/null || pc=hdf5-serial
      expect=$(pkg-config --modversion "$pc")
      read -ra cflags <<<"$(pkg-config --cflags "$pc")"
      read -ra libs <<<"$(pkg-config --libs "$pc")"
      ;;
    *)
      say "$v" "HDF5 (tools/build_hdf5.sh $v)"
      prefix=$(bash tools/build_hdf5.sh "$v" 2> >(tee "$dir/hdf5-build.log" >&2)) ||
        { say "$v" "building HDF5 failed, see $dir/hdf5-build.log"; return 1; }
      prefix=$(tail -n1 <<<"$prefix")
      expect=$(awk '/^hdf5: /{print $2}' "$prefix/h5async-build.txt")
      cflags=(-I"$prefix/include")
      libs=(-L"$prefix/lib" "-Wl,-rpath,$prefix/lib" -lhdf5)
      env_dir=(HDF5_DIR="$prefix")
      ;;
  esac
  say "$v" "HDF5 $expect ${prefix:-(system, pkg-config)}"

  # -- venv with the build and test dependencies (once), then this tree
  local venv=$dir/venv py=$dir/venv/bin/python
  if [ ! -f "$venv/.deps-ok" ]; then
    say "$v" "creating $venv"
    rm -rf "$venv"
    { python3 -m venv "$venv" &&
      "$py" -m pip install -q --upgrade pip &&
      "$py" -m pip install -q meson-python meson ninja numpy pytest h5py; } >"$dir/venv.log" 2>&1 ||
      { say "$v" "venv set-up failed, see $dir/venv.log"; return 1; }
    touch "$venv/.deps-ok"
  fi
  say "$v" "installing h5async (non-editable) into $venv"
  # A kept meson build dir per version makes the reinstall incremental.
  if ! env -u PYTHONPATH "${env_dir[@]}" "$py" -m pip install -q --no-build-isolation --no-deps \
        --force-reinstall -Cbuild-dir="$REPO/$dir/meson" . >"$dir/install.log" 2>&1; then
    say "$v" "pip install failed, see $dir/install.log"; tail -n 30 "$dir/install.log"; return 1
  fi
  R_BUILD[$v]=ok

  # -- the installed package is the one imported, against the expected HDF5
  local info
  info=$(cd "$dir" && env -u PYTHONPATH venv/bin/python -c \
    'import h5async; print(h5async.hdf5_version, h5async.__file__)' 2>&1) ||
    { say "$v" "import failed: $info"; R_BUILD[$v]=FAIL; return 1; }
  R_HDF5[$v]=${info%% *}
  say "$v" "imports $info"
  case "${info#* }" in
    "$REPO/$dir/venv/"*) ;;
    *) say "$v" "h5async is not the venv's copy"; R_BUILD[$v]=FAIL; return 1 ;;
  esac
  if [ "${R_HDF5[$v]}" != "$expect" ]; then
    say "$v" "runtime HDF5 ${R_HDF5[$v]} is not the expected $expect"; R_BUILD[$v]=FAIL; return 1
  fi

  # -- C core tests
  say "$v" "C core tests"
  if gcc "${CTEST_CFLAGS[@]}" "${CODEC_CFLAGS[@]}" "${cflags[@]}" src/core/*.c tests/c/*.c \
         "${libs[@]}" "${CODEC_LIBS[@]}" \
         -o "$dir/test_core" >"$dir/ctest-build.log" 2>&1; then
    [ -s "$dir/ctest-build.log" ] && { say "$v" "compiler output:"; cat "$dir/ctest-build.log"; }
    timeout "$TIMEOUT" "$dir/test_core" >"$dir/ctest.log" 2>&1
    local crc=$?
    R_C[$v]=$(grep -E '^C tests: ' "$dir/ctest.log" | tail -n1 | sed 's/^C tests: //')
    [ -n "${R_C[$v]}" ] || R_C[$v]="exit $crc, no summary"
    [ $crc -eq 0 ] || { R_C[$v]="FAIL (${R_C[$v]})"; grep -E '^not ok|: ' "$dir/ctest.log" | grep -v '# TODO' | head -n 40; }
    read -r p f < <(count "${R_C[$v]}"); TOTAL_PASS=$((TOTAL_PASS + p)); TOTAL_FAIL=$((TOTAL_FAIL + f))
    [ $crc -eq 0 ] || BAD=1
  else
    R_C[$v]="COMPILE FAIL"; BAD=1; TOTAL_FAIL=$((TOTAL_FAIL + 1))
    say "$v" "the C core does not compile against HDF5 $expect:"; grep -E 'error|warning' "$dir/ctest-build.log" | head -n 60
  fi
  tail -n1 "$dir/ctest.log" 2>/dev/null | sed "s/^/   /"

  # -- pytest, from $dir so that the source tree is not on sys.path
  say "$v" "pytest"
  ( cd "$dir" && env -u PYTHONPATH timeout "$TIMEOUT" venv/bin/python -m pytest -q -p no:cacheprovider \
      -c "$REPO/pyproject.toml" --rootdir "$REPO" ${MATRIX_PYTEST_ARGS:-} "$REPO/tests/python" ) >"$dir/pytest.log" 2>&1
  local prc=$?
  R_PY[$v]=$(grep -E '(passed|failed|error|no tests ran)' "$dir/pytest.log" | tail -n1 | sed -E 's/^=+ //; s/ =+$//; s/ in [0-9.]+s.*$//')
  [ -n "${R_PY[$v]}" ] || R_PY[$v]="exit $prc, no summary"
  if [ $prc -ne 0 ]; then
    R_PY[$v]="FAIL (${R_PY[$v]})"; BAD=1
    grep -E '^(FAILED|ERROR) ' "$dir/pytest.log" | head -n 40
  fi
  read -r p f < <(count "${R_PY[$v]}"); TOTAL_PASS=$((TOTAL_PASS + p)); TOTAL_FAIL=$((TOTAL_FAIL + f))
  tail -n1 "$dir/pytest.log" | sed "s/^/   /"
  R_SECS[$v]=$((SECONDS - t0))
  return 0
}

for v in "${VERSIONS[@]}"; do
  t0=$SECONDS
  if ! run_version "$v"; then BAD=1; TOTAL_FAIL=$((TOTAL_FAIL + 1)); fi
  R_SECS[$v]=$((SECONDS - t0))
done

echo
printf '%-8s %-8s %-6s %-28s %-52s %s\n' version hdf5 build "C tests" pytest seconds
for v in "${VERSIONS[@]}"; do
  printf '%-8s %-8s %-6s %-28s %-52s %s\n' "$v" "${R_HDF5[$v]}" "${R_BUILD[$v]}" "${R_C[$v]}" "${R_PY[$v]}" "${R_SECS[$v]}"
done
echo "logs: build-matrix/<version>/{hdf5-build,install,ctest-build,ctest,pytest}.log"
echo "matrix: $TOTAL_PASS passed, $TOTAL_FAIL failed"
exit $BAD
