#!/usr/bin/env bash
# Packages the Lambda layer zip: the extension at extensions/telemetry-kinesis (what Lambda starts)
# and, under telemetry-kinesis/, the dynamic loader and every shared library it needs (the NEEDED
# closure, resolved with readelf against the target's library folders, so it works for a cross
# build where ldd cannot run), plus each library's copyright file. The executable must already be
# linked with PT_INTERP and DT_RPATH pointing at /opt/telemetry-kinesis/lib (cmake/layer.cmake).
#
# usage: package-layer.sh --exe FILE --out ZIP --staging DIR --lib-dirs "DIR:DIR:..."
#                         [--readelf TOOL] [--strip TOOL] [--license-package NAME]...
#                         [--license-file NAME=FILE]...
# --license-package adds the copyright file of a Debian package compiled into the executable
# (header-only and static libraries), next to those of the bundled shared libraries;
# --license-file the same for a library compiled in from a source package (as licenses/NAME.txt).
# The zip is deterministic: sorted entries, fixed timestamps, no extra attributes.
set -euo pipefail

readelf_tool=readelf
strip_tool=strip
exe= out= staging= lib_dirs=
license_packages=()
license_files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --exe) exe=$2 ;;
    --out) out=$2 ;;
    --staging) staging=$2 ;;
    --lib-dirs) lib_dirs=$2 ;;
    --readelf) readelf_tool=$2 ;;
    --strip) strip_tool=$2 ;;
    --license-package) license_packages+=("$2") ;;
    --license-file) license_files+=("$2") ;;
    *) echo "package-layer.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift 2
done
for required in exe out staging lib_dirs; do
  if [ -z "${!required}" ]; then
    echo "package-layer.sh: --${required//_/-} is required" >&2
    exit 2
  fi
done

# Where the layer's own folder lands in the function's file system (Lambda unpacks layers to /opt).
readonly layer_prefix=/opt/telemetry-kinesis
# A fixed date for every entry (zip stores local DOS time; TZ=UTC below keeps it the same anywhere).
readonly fixed_mtime=202001010000

IFS=: read -r -a search_dirs <<<"$lib_dirs"

die() {
  echo "package-layer.sh: $*" >&2
  exit 1
}

# Prints the first existing file named $1 in the search folders.
find_library() {
  local dir
  for dir in "${search_dirs[@]}"; do
    if [ -e "$dir/$1" ]; then
      echo "$dir/$1"
      return 0
    fi
  done
  return 1
}

needed_of() {
  LC_ALL=C "$readelf_tool" -d "$1" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p'
}

interpreter_of() {
  LC_ALL=C "$readelf_tool" -l "$1" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p'
}

rm -rf "$staging"
mkdir -p "$staging/extensions" "$staging/telemetry-kinesis/lib" "$staging/telemetry-kinesis/licenses"
lib_out="$staging/telemetry-kinesis/lib"

install -m 0755 "$exe" "$staging/extensions/telemetry-kinesis"
"$strip_tool" --strip-all "$staging/extensions/telemetry-kinesis"

# The loader: the executable names it by its path inside the layer.
interp=$(interpreter_of "$exe")
case "$interp" in
  "$layer_prefix"/lib/*) ;;
  *) die "$exe requests the interpreter '$interp', not one under $layer_prefix/lib (relink it)" ;;
esac
loader_name=${interp##*/}
loader_source=$(find_library "$loader_name") || die "loader $loader_name not found in $lib_dirs"

# Breadth-first over NEEDED entries; each library is copied once, under its SONAME.
declare -A bundled=()
declare -A origin=()
install -m 0755 "$(readlink -f "$loader_source")" "$lib_out/$loader_name"
bundled[$loader_name]=1
origin[$loader_name]=$(readlink -f "$loader_source")
queue=("$staging/extensions/telemetry-kinesis")
# Libraries glibc loads with dlopen, which no NEEDED entry names: libgcc_s.so.1, for the unwinding
# of a thread that exits or is cancelled (getaddrinfo_a's resolver threads; without it glibc aborts
# with "libgcc_s.so.1 must be installed for pthread_exit to work", as the empty-root test showed).
for name in libgcc_s.so.1; do
  source=$(find_library "$name") || die "$name (loaded by glibc with dlopen) not found in $lib_dirs"
  resolved=$(readlink -f "$source")
  install -m 0644 "$resolved" "$lib_out/$name"
  bundled[$name]=1
  origin[$name]=$resolved
  queue+=("$lib_out/$name")
done
while [ ${#queue[@]} -gt 0 ]; do
  elf=${queue[0]}
  queue=("${queue[@]:1}")
  for name in $(needed_of "$elf"); do
    [ -n "${bundled[$name]:-}" ] && continue
    source=$(find_library "$name") || die "$name (needed by ${elf##*/}) not found in $lib_dirs"
    resolved=$(readlink -f "$source")
    install -m 0644 "$resolved" "$lib_out/$name"
    bundled[$name]=1
    origin[$name]=$resolved
    queue+=("$lib_out/$name")
  done
done

# Licences of what we redistribute: the Debian copyright file of each library's package.
for name in "${!origin[@]}"; do
  package=$(dpkg -S "${origin[$name]}" 2>/dev/null | head -n 1 | cut -d: -f1) || true
  if [ -z "$package" ]; then
    # dpkg records the path it installed, which may be the /lib alias of /usr/lib (or the reverse).
    alt=${origin[$name]/#\/usr\/lib\//\/lib\/}
    [ "$alt" = "${origin[$name]}" ] && alt=${origin[$name]/#\/lib\//\/usr\/lib\/}
    package=$(dpkg -S "$alt" 2>/dev/null | head -n 1 | cut -d: -f1) || true
  fi
  [ -n "$package" ] || die "no Debian package owns ${origin[$name]}: cannot ship its licence"
  copyright=/usr/share/doc/$package/copyright
  [ -f "$copyright" ] || die "$copyright is missing"
  install -m 0644 "$copyright" "$staging/telemetry-kinesis/licenses/$package.txt"
done
for package in "${license_packages[@]}"; do
  copyright=/usr/share/doc/$package/copyright
  [ -f "$copyright" ] || die "$copyright is missing (--license-package $package)"
  install -m 0644 "$copyright" "$staging/telemetry-kinesis/licenses/$package.txt"
done
for named_file in "${license_files[@]}"; do
  [ -f "${named_file#*=}" ] || die "${named_file#*=} is missing (--license-file $named_file)"
  install -m 0644 "${named_file#*=}" "$staging/telemetry-kinesis/licenses/${named_file%%=*}.txt"
done
{
  echo "Shared libraries bundled with telemetry-kinesis, from Debian packages (see licenses/):"
  for name in "${!origin[@]}"; do echo "$name  ${origin[$name]}"; done | LC_ALL=C sort
} >"$staging/telemetry-kinesis/BUNDLED"
chmod 0644 "$staging/telemetry-kinesis/BUNDLED"

# Deterministic zip: fixed mtimes, sorted names, no extra fields (-X), maximum compression.
find "$staging" -exec touch -h -t "$fixed_mtime" {} +
mkdir -p "$(dirname "$out")"
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
rm -f "$out_abs"
(cd "$staging" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | TZ=UTC zip -q -X -9 "$out_abs" -@)

unpacked=$(find "$staging" -type f -printf '%s\n' | awk '{ total += $1 } END { print total }')
zipped=$(stat -c %s "$out_abs")
echo "layer: $out_abs: loader + $((${#bundled[@]} - 1)) libraries; zip $zipped bytes, unpacked $unpacked bytes"
