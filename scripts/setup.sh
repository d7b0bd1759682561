#!/usr/bin/env bash
# Prepares a Debian 12 machine and builds the project: system packages (only those missing; with the
# arm64 cross toolchain and libraries), the Debian source packages compiled in (.deps/), the Node
# tooling of the integration tests and of deploy/ (only when a lockfile changed), then a CMake
# Release build in build/ and the Lambda layer zips.
# Idempotent. Quiet on success; on failure prints what failed and the tail of its log, exits non-zero.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

build_dir="$repo_root/build"
log_dir="$build_dir/setup-logs"
mkdir -p "$log_dir"

# Runs a step with its output in a log file; on failure shows the log's tail and stops.
run_step() {
  local name=$1
  shift
  local log="$log_dir/$name.log"
  if ! "$@" >"$log" 2>&1; then
    echo "setup.sh: step '$name' failed: $*" >&2
    echo "----- last 150 lines of $log -----" >&2
    tail -n 150 "$log" >&2
    echo "-----" >&2
    exit 1
  fi
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "setup.sh: need root (or sudo) to run: $*" >&2
    return 1
  fi
}

# True when package $1 is installed; an unqualified name means the native architecture's (with arm64
# added for the cross build, dpkg reports one status per installed architecture), except for
# Architecture: all packages, which have a single instance.
native_arch=$(dpkg --print-architecture)
is_installed() {
  local name=$1
  if [[ $name != *:* ]] && [ "$(dpkg-query -W -f='${Architecture}' "$name" 2>/dev/null)" != all ]; then
    name="$name:$native_arch"
  fi
  [ "$(dpkg-query -W -f='${Status}' "$name" 2>/dev/null)" = "install ok installed" ]
}

# 1. Debian packages: compilers, libraries, test and format tools.
packages=(build-essential cmake pkg-config git curl ca-certificates libssl-dev zlib1g-dev
          libcbor-dev nlohmann-json3-dev libgtest-dev libgmock-dev googletest
          libbenchmark-dev clang clang-format dpkg-dev xz-utils python3 patchelf strace lld-16)
# Node for kinesis-local and the integration tests: keep a node that is already there (whatever its
# origin); otherwise Debian's (v18 on Debian 12), which every pinned npm package supports.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
# The Lambda layer (cmake --build build --target layer) and its empty-root test: zip/unzip, the
# openssl CLI (test CA), binutils (readelf/objdump evidence).
packages+=(zip unzip openssl binutils)
# The arm64 layer: Debian's cross compiler, the arm64 libraries through dpkg multiarch, and
# qemu-user-static to run it in the test (started explicitly: binfmt_misc may not be registered).
if [ "$native_arch" = amd64 ]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    run_step dpkg-add-arm64 as_root dpkg --add-architecture arm64
  fi
  packages+=(g++-aarch64-linux-gnu qemu-user-static libssl-dev:arm64
             zlib1g-dev:arm64 libcbor-dev:arm64)
fi
# The sanitizer and fuzz stage (scripts/test-sanitizers.sh): clang's libFuzzer and sanitizer runtimes.
packages+=(libclang-rt-14-dev)
# The KPL record format's test (tests/protobuf): our hand-written encoder is checked byte for byte
# against libprotobuf. Build machine only: the extension does not link libprotobuf (no arm64 copy).
packages+=(libprotobuf-dev protobuf-compiler)
# The telemetry listener's HTTP parser: llhttp's C sources, compiled in (CMakeLists.txt).
packages+=(node-llhttp)
# The event ids: xxHash's XXH3-128, header only (src/telemetry/event_id.cpp).
packages+=(libxxhash-dev)
missing=()
for package in "${packages[@]}"; do
  is_installed "$package" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  run_step apt-update as_root apt-get update
  run_step apt-install as_root apt-get install -y --no-install-recommends "${missing[@]}"
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "setup.sh: node is installed but npm is not; install npm for this node ($(command -v node))" >&2
  exit 1
fi

# 1b. cpp-httplib and simdjson, compiled into the extension from Debian's source packages (with
# Debian's patches): CMakeLists.txt says why not the binary packages.
run_step source-packages bash "$repo_root/scripts/fetch-source-packages.sh"

# 2. Node packages (kinesis-local, the AWS SDK client): reinstall only when package*.json changed.
stamp="$repo_root/node_modules/.telemetry-kinesis-stamp"
wanted=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  if [ -f package-lock.json ]; then
    run_step npm-ci npm ci --no-audit --no-fund
  else
    run_step npm-install npm install --no-audit --no-fund
    wanted=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
  fi
  echo "$wanted" >"$stamp"
fi

# 2b. The CDK app's packages (deploy/, its own lockfile), the same way.
deploy_stamp="$repo_root/deploy/node_modules/.telemetry-kinesis-stamp"
wanted=$(cat deploy/package.json deploy/package-lock.json | sha256sum | cut -d' ' -f1)
if [ ! -f "$deploy_stamp" ] || [ "$(cat "$deploy_stamp")" != "$wanted" ]; then
  run_step npm-ci-deploy npm ci --prefix deploy --no-audit --no-fund
  echo "$wanted" >"$deploy_stamp"
fi

# 3. Configure and build (incremental after the first run), then the Lambda layer zips
# (build/telemetry-kinesis-layer-x86_64.zip, and -arm64.zip cross-built in build/arm64).
run_step cmake-configure cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
run_step cmake-build cmake --build "$build_dir" -j"$(nproc)"
run_step cmake-layer cmake --build "$build_dir" --target layer -j"$(nproc)"
