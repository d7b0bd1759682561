#!/usr/bin/env bash
# Puts the libraries that are compiled into the extension from Debian's source packages (with
# Debian's patches applied) under .deps/ (see CMakeLists.txt for why not the binary packages):
#   .deps/cpp-httplib/httplib.h, split.py    cpp-httplib's single header and its own splitter
#                                            (CMake splits the header into .h + .cc with it)
#   .deps/simdjson/simdjson.{h,cpp}          simdjson's amalgamated source
# each with Debian's `copyright` file and a DEBIAN-SOURCE-VERSION stamp. Uses the machine's own
# Debian package sources as source-package sources, in a private apt state under .deps/apt-src, so
# the system's apt configuration is left as it is. Idempotent: fetches only what is missing.
# Needs dpkg-dev (dpkg-source) and xz-utils.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps="$repo_root/.deps"

# source package -> the files it contributes (paths inside the unpacked source)
declare -A wanted_files=(
  [cpp-httplib]="httplib.h split.py"
  [simdjson]="singleheader/simdjson.h singleheader/simdjson.cpp"
)
missing=()
for package in "${!wanted_files[@]}"; do
  complete=true
  for file in DEBIAN-SOURCE-VERSION ${wanted_files[$package]}; do
    [ -f "$deps/$package/$(basename "$file")" ] || complete=false
  done
  $complete || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

work="$deps/apt-src"
rm -rf "$work"
mkdir -p "$work/sources" "$work/lists/partial" "$work/archives/partial" "$work/unpack"
: >"$work/empty.list"
# Debian's own entries, turned into deb-src ones (deb822 format first, then the one-line format).
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
    >"$work/sources/debian.sources"
fi
if [ -f /etc/apt/sources.list ]; then
  sed -nE 's/^deb (.*)/deb-src \1/p' /etc/apt/sources.list >"$work/sources/debian-src.list"
fi
if [ -z "$(ls -A "$work/sources")" ]; then
  echo "fetch-source-packages.sh: no Debian package sources found in /etc/apt" >&2
  exit 1
fi

apt_private=(-o Dir::Etc::SourceList="$work/empty.list" -o Dir::Etc::SourceParts="$work/sources"
             -o Dir::State::Lists="$work/lists" -o Dir::Cache::Archives="$work/archives"
             -o APT::Sandbox::User=root)
apt-get "${apt_private[@]}" update
for package in "${missing[@]}"; do
  (cd "$work/unpack" && apt-get "${apt_private[@]}" source --download-only "$package")
  dsc=$(ls "$work/unpack/${package}"_*.dsc)
  # apt checked the files against the signed Sources index; dpkg-source checks them against the
  # .dsc and applies debian/patches (Debian's fixes, e.g. cpp-httplib's CVE-2023-26130).
  dpkg-source --no-check -x "$dsc" "$work/unpack/$package"
  rm -rf "$deps/$package.tmp"
  mkdir -p "$deps/$package.tmp"
  for file in ${wanted_files[$package]}; do
    cp "$work/unpack/$package/$file" "$deps/$package.tmp/"
  done
  cp "$work/unpack/$package/debian/copyright" "$deps/$package.tmp/copyright"
  basename "$dsc" .dsc >"$deps/$package.tmp/DEBIAN-SOURCE-VERSION"
  rm -rf "$deps/$package"
  mv "$deps/$package.tmp" "$deps/$package"
  echo "$package: $(cat "$deps/$package/DEBIAN-SOURCE-VERSION") -> $deps/$package/"
done
rm -rf "$work"
