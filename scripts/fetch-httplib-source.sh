#!/usr/bin/env bash
# Puts cpp-httplib's single header, from Debian's source package with Debian's patches applied, at
# .deps/cpp-httplib/httplib.h (CMake compiles it into the extension; see CMakeLists.txt for why).
# Uses the machine's own Debian package sources as source-package sources, in a private apt state
# under .deps/apt-src, so the system's apt configuration is left as it is. Idempotent: does nothing
# when the header is there. Needs dpkg-dev (dpkg-source) and xz-utils.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest="$repo_root/.deps/cpp-httplib"
[ -f "$dest/httplib.h" ] && exit 0

work="$repo_root/.deps/apt-src"
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
  echo "fetch-httplib-source.sh: no Debian package sources found in /etc/apt" >&2
  exit 1
fi

apt_private=(-o Dir::Etc::SourceList="$work/empty.list" -o Dir::Etc::SourceParts="$work/sources"
             -o Dir::State::Lists="$work/lists" -o Dir::Cache::Archives="$work/archives"
             -o APT::Sandbox::User=root)
apt-get "${apt_private[@]}" update
(cd "$work/unpack" && apt-get "${apt_private[@]}" source --download-only cpp-httplib)
dsc=$(ls "$work"/unpack/cpp-httplib_*.dsc)
# apt checked the files against the signed Sources index; dpkg-source checks them against the .dsc
# and applies debian/patches (Debian's security fixes).
dpkg-source --no-check -x "$dsc" "$work/unpack/cpp-httplib"

mkdir -p "$dest.tmp"
cp "$work/unpack/cpp-httplib/httplib.h" "$work/unpack/cpp-httplib/debian/copyright" "$dest.tmp/"
basename "$dsc" .dsc >"$dest.tmp/DEBIAN-SOURCE-VERSION"
rm -rf "$dest" "$work"
mv "$dest.tmp" "$dest"
echo "cpp-httplib: $(cat "$dest/DEBIAN-SOURCE-VERSION") -> $dest/httplib.h"
