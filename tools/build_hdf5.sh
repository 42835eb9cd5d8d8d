#!/usr/bin/env bash
# Build (once) a minimal HDF5 of a given release series from Debian's source
# package and print its install prefix, for HDF5_DIR=<prefix>.
#
#   tools/build_hdf5.sh 1.14      # newest 1.14.x Debian carries (trixie/sid)
#   tools/build_hdf5.sh 2         # newest 2.x
#   tools/build_hdf5.sh 1.14.5    # that exact upstream release
#
# The library is C only, serial, thread-safe, shared, with the deflate filter
# (zlib); no Fortran, C++, Java, high-level library, tools, tests or examples.
# It is built with the upstream CMake build of the source tree (-j2) and
# installed into ${H5ASYNC_CACHE:-/var/cache/h5async}/hdf5-<version>, with a
# symlink hdf5-<tag> -> hdf5-<version>.  A finished prefix holds
# h5async-build.txt (what was built, from what, how, and how long it took);
# when it is there the script only prints the prefix, without any network.
#
# Sources: the deb-src entry is derived at run time from the machine's own apt
# configuration (the URI of the entry for this system's release), written to
# a private sources file in the cache with the suites below, and used through
# a private apt state directory: the system's apt configuration is untouched.
#
# If the mirror lists the source package but does not serve its files (seen
# for hdf5 2.x in sid), the script falls back to Debian's *binary* packages of
# that same version (libhdf5-dev + libhdf5-NNN), unpacked into the prefix; if
# those need a newer glibc than this system has only for C23 strto*/sscanf
# entry points, a small compat shim is added.  h5async-build.txt then says
# "method: debian-binary".  Set H5ASYNC_HDF5_NO_BINARY=1 to refuse that.
#
# Environment:
#   H5ASYNC_CACHE            cache root (default /var/cache/h5async)
#   H5ASYNC_DEBIAN_SUITES    suites to look in (default "trixie sid")
#   H5ASYNC_HDF5_NO_BINARY   1: never fall back to binary packages
#   H5ASYNC_HDF5_KEEP_BUILD  1: keep the unpacked source and build trees
#
# Progress goes to stderr (and a log in the cache); stdout is the prefix only.
set -euo pipefail

TAG=${1:?usage: tools/build_hdf5.sh VERSION_TAG   (e.g. 1.14 or 2)}
case "$TAG" in
  [0-9]*) ;;
  *) echo "build_hdf5: bad version tag '$TAG'" >&2; exit 2 ;;
esac
CACHE=$(realpath -m "${H5ASYNC_CACHE:-/var/cache/h5async}")
SUITES=${H5ASYNC_DEBIAN_SUITES:-trixie sid}
LINK=$CACHE/hdf5-$TAG
STAMP=h5async-build.txt

log() { echo "build_hdf5[$TAG]: $*" >&2; }
die() { echo "build_hdf5[$TAG]: error: $*" >&2; exit 1; }

# ---- already built?  Print the prefix and stop (no network, no lock) -------
if [ -f "$LINK/$STAMP" ]; then
  readlink -f "$LINK"
  exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock-hdf5-$TAG"
flock 9                                   # one build of a tag at a time
if [ -f "$LINK/$STAMP" ]; then readlink -f "$LINK"; exit 0; fi

T0=$SECONDS
apt_install() {                           # Debian packages, only when missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}
apt_install dpkg-dev xz-utils zlib1g-dev make gcc
command -v cmake >/dev/null 2>&1 || apt_install cmake

# ---- derive the Debian archive URI from the existing apt configuration -----
CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$CODENAME" ] || die "no VERSION_CODENAME in /etc/os-release"

derive_entry() {      # prints "URI KEYRING" of a 'deb' entry for $CODENAME
  local f files=()
  shopt -s nullglob
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    if [ -f "$f" ]; then files+=("$f"); fi
  done
  for f in "${files[@]}"; do
    # one-line style: deb [signed-by=/k.gpg arch=..] URI SUITE COMPONENTS
    awk -v cn="$CODENAME" '
      /^[[:space:]]*#/ { next }
      $1 == "deb" {
        key = ""; i = 2
        if ($2 ~ /^\[/) {
          for (; i <= NF; i++) {
            if ($i ~ /^\[?signed-by=/) { k = $i; sub(/^\[?signed-by=/, "", k); sub(/\]$/, "", k); key = k }
            if ($i ~ /\]$/) { i++; break }
          }
        }
        if ($(i+1) == cn) { print $i, key; exit }
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822 style: paragraphs of Types/URIs/Suites/Signed-By/Enabled
    awk -v cn="$CODENAME" '
      BEGIN { RS = ""; FS = "\n" }
      {
        types = ""; uris = ""; suites = ""; key = ""; enabled = "yes"
        for (n = 1; n <= NF; n++) {
          line = $n
          if (line ~ /^[[:space:]]*#/ || line ~ /^[[:space:]]/) continue
          split(line, kv, ":"); k = tolower(kv[1]); v = substr(line, length(kv[1]) + 2)
          gsub(/^[[:space:]]+|[[:space:]]+$/, "", v)
          if (k == "types") types = v; else if (k == "uris") uris = v
          else if (k == "suites") suites = v; else if (k == "signed-by") key = v
          else if (k == "enabled") enabled = tolower(v)
        }
        if (enabled == "no" || (" " types " ") !~ / deb /) next
        if ((" " suites " ") !~ (" " cn " ")) next
        if (key ~ /^-----BEGIN/) key = ""
        split(uris, u, /[[:space:]]+/); print u[1], key; exit
      }' "$f"
  done
}
read -r ARCHIVE_URI ARCHIVE_KEY < <(derive_entry | head -n1) || true
[ -n "${ARCHIVE_URI:-}" ] || die "no 'deb' entry for $CODENAME in the apt configuration"
if [ -z "${ARCHIVE_KEY:-}" ] && [ -f /usr/share/keyrings/debian-archive-keyring.gpg ]; then
  ARCHIVE_KEY=/usr/share/keyrings/debian-archive-keyring.gpg
fi

APTDIR=$CACHE/apt
mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$CACHE/src" "$CACHE/build"
write_sources() {     # $1 = file, $2 = Types
  {
    echo "# written by tools/build_hdf5.sh from this machine's apt configuration"
    echo "Types: $2"
    echo "URIs: $ARCHIVE_URI"
    echo "Suites: $SUITES"
    echo "Components: main"
    if [ -n "${ARCHIVE_KEY:-}" ]; then echo "Signed-By: $ARCHIVE_KEY"; fi
    if [ "$2" = deb ]; then echo "Architectures: $(dpkg --print-architecture)"; fi
  } > "$1"
}
write_sources "$APTDIR/src.sources" deb-src
APT_SRC=(-o Dir::Etc::sourcelist="$APTDIR/src.sources" -o Dir::Etc::sourceparts=/nonexistent
         -o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache"
         -o APT::Sandbox::User=root -o Acquire::Languages=none)
log "deb-src: $SUITES from the archive of the '$CODENAME' entry (private apt state in $APTDIR)"
apt-get "${APT_SRC[@]}" update -qq >&2 || die "apt-get update of the deb-src entry failed"

upstream_of() {       # 1.14.6+repack-2 -> 1.14.6 ; 1:2.2.0~rc1-1 -> 2.2.0~rc1
  local v=${1#*:}; v=${v%-*}; echo "${v%%+*}"
}
# Candidate Debian versions of the 'hdf5' source, newest first, matching TAG.
mapfile -t CANDIDATES < <(
  apt-cache "${APT_SRC[@]}" showsrc hdf5 2>/dev/null | awk '/^Package: /{p=($2=="hdf5")} p&&/^Version: /{print $2}' |
  sort -u | while read -r v; do
    u=$(upstream_of "$v")
    case "$u" in "$TAG"|"$TAG".*) echo "$v" ;; esac
  done | sort -rV)
[ ${#CANDIDATES[@]} -gt 0 ] || die "no hdf5 source for '$TAG' in suites: $SUITES"
log "Debian hdf5 sources for '$TAG': ${CANDIDATES[*]}"

finish() {            # $1 = prefix dir name (hdf5-<version>)
  if [ "$CACHE/$1" != "$LINK" ]; then ln -sfn "$1" "$LINK"; fi
  local secs=$((SECONDS - T0))
  echo "seconds: $secs" >> "$CACHE/$1/$STAMP"
  echo "$(date -u +%FT%TZ) $1 ${METHOD} ${DEBVER} ${secs}s" >> "$CACHE/build-times.log"
  log "done in ${secs}s: $CACHE/$1"
  readlink -f "$CACHE/$1"
}

# ---- from source ------------------------------------------------------------
DEBVER=""
for v in "${CANDIDATES[@]}"; do
  if [ -f "$CACHE/src/hdf5_${v#*:}.dsc" ] ||
     (cd "$CACHE/src" && apt-get "${APT_SRC[@]}" source --download-only -qq "hdf5=$v" >&2); then
    DEBVER=$v; break
  fi
  log "the mirror does not serve the files of source hdf5 $v"
done

if [ -n "$DEBVER" ]; then
  METHOD=source-cmake
  UPVER=$(upstream_of "$DEBVER")
  NAME=hdf5-$UPVER
  PREFIX=$CACHE/$NAME
  SRC=$CACHE/build/src-$DEBVER
  BLD=$CACHE/build/build-$DEBVER
  LOG=$CACHE/build/$NAME.log
  rm -rf "$SRC" "$BLD" "$PREFIX"
  log "unpacking hdf5 $DEBVER (with Debian's patches)"
  dpkg-source --no-check -x "$CACHE/src/hdf5_${DEBVER#*:}.dsc" "$SRC" >"$LOG" 2>&1 ||
    die "dpkg-source failed, see $LOG"
  # Options named for 1.14 and for 2.x (which renamed the zlib ones); the
  # unused ones only draw a CMake warning.
  CMAKE_OPTS=(
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX"
    -DBUILD_SHARED_LIBS=ON -DBUILD_STATIC_LIBS=OFF -DBUILD_TESTING=OFF
    -DHDF5_ENABLE_THREADSAFE=ON -DHDF5_ENABLE_PARALLEL=OFF
    -DHDF5_BUILD_HL_LIB=OFF -DHDF5_BUILD_TOOLS=OFF -DHDF5_BUILD_UTILS=OFF
    -DHDF5_BUILD_EXAMPLES=OFF -DHDF5_BUILD_FORTRAN=OFF -DHDF5_BUILD_CPP_LIB=OFF
    -DHDF5_BUILD_JAVA=OFF -DHDF5_BUILD_DOC=OFF -DHDF5_BUILD_PARALLEL_TOOLS=OFF
    -DHDF5_ENABLE_Z_LIB_SUPPORT=ON -DHDF5_ENABLE_ZLIB_SUPPORT=ON
    -DHDF5_ENABLE_SZIP_SUPPORT=OFF -DHDF5_ENABLE_PLUGIN_SUPPORT=OFF
    -DHDF5_USE_GNU_DIRS=OFF -DHDF5_INSTALL_LIB_DIR=lib
    -DHDF5_ALLOW_EXTERNAL_SUPPORT=NO -DHDF5_PACKAGE_EXTLIBS=OFF
    -DCMAKE_INSTALL_RPATH="$PREFIX/lib"
  )
  log "configuring (cmake), log: $LOG"
  cmake -S "$SRC" -B "$BLD" "${CMAKE_OPTS[@]}" >>"$LOG" 2>&1 || die "cmake configure failed, see $LOG"
  log "building with -j2"
  cmake --build "$BLD" -j2 >>"$LOG" 2>&1 || die "build failed, see $LOG"
  cmake --install "$BLD" >>"$LOG" 2>&1 || die "install failed, see $LOG"
  [ -e "$PREFIX/lib/libhdf5.so" ] && [ -f "$PREFIX/include/hdf5.h" ] ||
    die "install has no lib/libhdf5.so or include/hdf5.h, see $LOG"
  grep -q '^#define H5_HAVE_THREADSAFE 1' "$PREFIX/include/H5pubconf.h" ||
    grep -q '^# *define H5_HAVE_THREADSAFE 1' "$PREFIX/include/H5pubconf.h" ||
    die "the build is not thread-safe"
  cp "$LOG" "$PREFIX/h5async-build.log"
  [ "${H5ASYNC_HDF5_KEEP_BUILD:-0}" = 1 ] || rm -rf "$SRC" "$BLD"
  {
    echo "hdf5: $UPVER"
    echo "method: $METHOD"
    echo "debian-source: hdf5 $DEBVER"
    echo "cmake: $(cmake --version | head -n1)"
    echo "options: ${CMAKE_OPTS[*]}"
    echo "built: $(date -u +%FT%TZ) on $(nproc) cores"
  } > "$PREFIX/$STAMP"
  finish "$NAME"
  exit 0
fi

# ---- fallback: Debian's binary packages of the same version -----------------
[ "${H5ASYNC_HDF5_NO_BINARY:-0}" = 1 ] &&
  die "no source files served for ${CANDIDATES[*]} (H5ASYNC_HDF5_NO_BINARY=1)"
log "falling back to Debian's binary packages (the source is listed but not served)"
METHOD=debian-binary
write_sources "$APTDIR/bin.sources" deb
mkdir -p "$APTDIR/blists/partial"
APT_BIN=(-o Dir::Etc::sourcelist="$APTDIR/bin.sources" -o Dir::Etc::sourceparts=/nonexistent
         -o Dir::State::Lists="$APTDIR/blists" -o Dir::Cache="$APTDIR/cache"
         -o APT::Sandbox::User=root -o Acquire::Languages=none -o Dir::State::status=/dev/null)
apt-get "${APT_BIN[@]}" update -qq >&2 || die "apt-get update of the binary entry failed"
for v in "${CANDIDATES[@]}"; do
  libpkg=$(apt-cache "${APT_BIN[@]}" show "libhdf5-dev=$v" 2>/dev/null |
           awk '/^Depends:/{print; exit}' | grep -oE 'libhdf5-[0-9]+ \(= [^)]*\)' | head -n1 | cut -d' ' -f1) || true
  [ -n "$libpkg" ] || continue
  rm -rf "$CACHE/build/deb-$v" && mkdir -p "$CACHE/build/deb-$v"
  if (cd "$CACHE/build/deb-$v" && apt-get "${APT_BIN[@]}" download -qq "libhdf5-dev=$v" "$libpkg=$v" >&2); then
    DEBVER=$v; break
  fi
  log "the mirror does not serve the binary packages of hdf5 $v either"
done
[ -n "$DEBVER" ] || die "neither source nor binary packages served for ${CANDIDATES[*]}"
apt_install libsz2 patchelf
UPVER=$(upstream_of "$DEBVER")
NAME=hdf5-$UPVER
PREFIX=$CACHE/$NAME
DEB=$CACHE/build/deb-$DEBVER
rm -rf "$PREFIX" "$DEB/x"
for d in "$DEB"/*.deb; do dpkg-deb -x "$d" "$DEB/x"; done
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
mkdir -p "$PREFIX/include" "$PREFIX/lib"
cp -a "$DEB/x/usr/include/hdf5/serial/." "$PREFIX/include/"
real=$(cd "$DEB/x/usr/lib/$MA" && ls libhdf5_serial.so.*.*.* | head -n1)
soname=$(objdump -p "$DEB/x/usr/lib/$MA/$real" | awk '/SONAME/{print $2}')
cp "$DEB/x/usr/lib/$MA/$real" "$PREFIX/lib/"
ln -sfn "$real" "$PREFIX/lib/$soname"
ln -sfn "$real" "$PREFIX/lib/libhdf5.so"
# glibc: this system's version against what the library asks for.
host_glibc=$(ldd --version | awk 'NR==1{print $NF}')
newer=$(objdump -T "$PREFIX/lib/$real" | awk -v h="$host_glibc" '
  match($0, /\(GLIBC_[0-9.]+\)/) { v = substr($0, RSTART + 7, RLENGTH - 8)
    split(v, a, "."); split(h, b, ".")
    if (a[1] > b[1] || (a[1] == b[1] && a[2] > b[2])) print $NF }' | sort -u)
COMPAT=""
if [ -n "$newer" ]; then
  bad=$(echo "$newer" | grep -vE '^__isoc23_(strtol|strtoul|strtoll|strtoull|sscanf)$' || true)
  [ -z "$bad" ] || die "the binary library needs a newer glibc for: $bad"
  log "adding a compat shim for: $(echo $newer)"
  cat > "$DEB/c23compat.c" <<'EOF'
/* C23 entry points of glibc >= 2.38 that a newer Debian's libhdf5 calls,
 * mapped to the C99 ones (they differ only in accepting 0b binary input). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
long __isoc23_strtol(const char *s, char **e, int b) { return strtol(s, e, b); }
unsigned long __isoc23_strtoul(const char *s, char **e, int b) { return strtoul(s, e, b); }
long long __isoc23_strtoll(const char *s, char **e, int b) { return strtoll(s, e, b); }
unsigned long long __isoc23_strtoull(const char *s, char **e, int b) { return strtoull(s, e, b); }
int __isoc23_sscanf(const char *s, const char *f, ...)
{ va_list ap; va_start(ap, f); int r = vsscanf(s, f, ap); va_end(ap); return r; }
EOF
  gcc -O2 -shared -fPIC -o "$PREFIX/lib/libh5async_c23compat.so" "$DEB/c23compat.c"
  for s in $newer; do patchelf --clear-symbol-version "$s" "$PREFIX/lib/$real"; done
  # The version needs (GLIBC_2.38, ...) stay in .gnu.version_r and the loader
  # would refuse them: unlink those entries from their chain (no symbol uses
  # them any more).
  python3 - "$PREFIX/lib/$real" "$host_glibc" <<'PY'
import struct, sys
path, host = sys.argv[1], tuple(int(x) for x in sys.argv[2].split("."))
b = bytearray(open(path, "rb").read())
assert b[:4] == b"\x7fELF" and b[4] == 2 and b[5] == 1, "64-bit little-endian ELF only"
shoff, = struct.unpack_from("<Q", b, 0x28)
shentsize, shnum = struct.unpack_from("<HH", b, 0x3A)
secs = [struct.unpack_from("<IIQQQQIIQQ", b, shoff + i * shentsize) for i in range(shnum)]
for sec in secs:
    if sec[1] != 0x6FFFFFFE:                  # SHT_GNU_verneed
        continue
    stroff = secs[sec[6]][4]                  # sh_link -> .dynstr, its sh_offset
    name = lambda o: bytes(b[stroff + o: b.index(0, stroff + o)]).decode()
    vn = sec[4]
    while True:
        _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", b, vn)
        entries, va = [], vn + aux            # (offset, vna_name) of each Vernaux
        for _ in range(cnt):
            nm, anext = struct.unpack_from("<II", b, va + 8)
            entries.append((va, name(nm)))
            if not anext:
                break
            va += anext
        keep = [e for e in entries if not (e[1].startswith("GLIBC_") and
                tuple(int(x) for x in e[1][6:].split(".")) > host)]
        if len(keep) != len(entries):
            assert keep, "no version need left"
            print("dropped version needs:", [e[1] for e in entries if e not in keep], file=sys.stderr)
            struct.pack_into("<H", b, vn + 2, len(keep))            # vn_cnt
            struct.pack_into("<I", b, vn + 8, keep[0][0] - vn)      # vn_aux
            for (o, _), (o2, _) in zip(keep, keep[1:] + [(None, None)]):
                struct.pack_into("<I", b, o + 12, (o2 - o) if o2 else 0)   # vna_next
        if not nxt:
            break
        vn += nxt
open(path, "wb").write(b)
PY
  patchelf --add-needed libh5async_c23compat.so "$PREFIX/lib/$real"
  patchelf --set-rpath '$ORIGIN' "$PREFIX/lib/$real"
  COMPAT="c23 compat shim for: $(echo $newer)"
fi
# The library must load here, and be the version it claims.
cat > "$DEB/v.c" <<'EOF'
#include <hdf5.h>
#include <stdio.h>
int main(void) { unsigned a, b, c; hbool_t ts = 0;
  if (H5get_libversion(&a, &b, &c) < 0) return 1;
  H5is_library_threadsafe(&ts); printf("%u.%u.%u threadsafe=%d\n", a, b, c, (int)ts); return 0; }
EOF
gcc -I"$PREFIX/include" "$DEB/v.c" -L"$PREFIX/lib" -Wl,-rpath,"$PREFIX/lib" -lhdf5 -o "$DEB/v" ||
  die "cannot link against the unpacked library"
check=$("$DEB/v") || die "the unpacked library does not load"
log "loads: $check"
[ "${H5ASYNC_HDF5_KEEP_BUILD:-0}" = 1 ] || rm -rf "$DEB/x"
{
  echo "hdf5: $UPVER"
  echo "method: $METHOD"
  echo "debian-binary: libhdf5-dev $DEBVER, $libpkg $DEBVER (source files not served by the mirror)"
  if [ -n "$COMPAT" ]; then echo "patched: $COMPAT"; fi
  echo "runtime: $check"
  echo "built: $(date -u +%FT%TZ)"
} > "$PREFIX/$STAMP"
finish "$NAME"
