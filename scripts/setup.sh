#!/usr/bin/env bash
# Prepares a Debian 12 machine and builds the project: system packages (only those missing), the Node
# tooling of the integration tests (only when the lockfile changed), then a CMake Release build in build/.
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

is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# 1. Debian packages: compilers, libraries, test and format tools.
packages=(build-essential cmake pkg-config git curl ca-certificates libcurl4-openssl-dev libssl-dev zlib1g-dev
          libsimdjson-dev libcpp-httplib-dev nlohmann-json3-dev libgtest-dev libgmock-dev googletest
          libbenchmark-dev clang clang-format)
# Node for kinesis-local and the integration tests: keep a node that is already there (whatever its
# origin); otherwise Debian's (v18 on Debian 12), which every pinned npm package supports.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
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

# 3. Configure and build (incremental after the first run).
run_step cmake-configure cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
run_step cmake-build cmake --build "$build_dir" -j"$(nproc)"
