#!/usr/bin/env bash
# Runs the benchmark suite (bench/) and regenerates docs/benchmarks.md and docs/benchmarks.svg from its
# results (bench/results/*.json): init overhead, per-invocation overhead, peak RSS and CPU per event at
# 1k/10k/100k events/s, maximum sustained events/s into a loopback PutRecords sink and into kinesis-local,
# requests and PUT payload units per 10,000 events, shutdown drain, the hot-path micro benchmarks against
# the base64+SHA-256 floor. About 20 minutes on 2 cores. Installs what it needs (idempotently) and builds
# the Release tools in build-bench/.
#
#   bash scripts/bench.sh            # the full suite; rewrites bench/results/ and docs/benchmarks.*
#   bash scripts/bench.sh --smoke    # every scenario once, for a second or two, into a temporary folder
#                                    # (checks the suite works; publishes nothing)
#   bash scripts/bench.sh --smoke --build-dir DIR --no-build   # use an existing build (the test suite)
#   bash scripts/bench.sh --before EXE LABEL   # also measure EXE's per-invocation costs ("before")
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

smoke=0
build=1
before=()
build_dir="$repo_root/build-bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --no-build) build=0 ;;
    --build-dir) build_dir=$(cd "$2" 2>/dev/null && pwd || echo "$2"); shift ;;
    # Another build of the extension whose per-invocation costs are the "before" column.
    --before) before=(--before-extension "$2" --before-label "$3"); shift 2 ;;
    *) echo "usage: bash scripts/bench.sh [--smoke] [--build-dir DIR] [--no-build] [--before EXE LABEL]" >&2; exit 2 ;;
  esac
  shift
done

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "bench.sh: need root (or sudo) to run: $*" >&2; return 1; fi
}

started=$(date +%s)

# 1. What the build and the suite need: Debian packages (only the missing ones), Node packages.
if [ "$build" = 1 ]; then
  packages=(build-essential cmake pkg-config libssl-dev zlib1g-dev libcbor-dev nlohmann-json3-dev
            libbenchmark-dev dpkg-dev xz-utils patchelf strace lld-16 valgrind)
  command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
  # The native architecture's package (the arm64 build of scripts/setup.sh installs some twice).
  native_arch=$(dpkg --print-architecture)
  missing=()
  for package in "${packages[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$package:$native_arch" 2>/dev/null)" = "install ok installed" ] ||
      [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" = "install ok installed" ] ||
      missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  bash scripts/fetch-source-packages.sh >/dev/null
fi
if [ ! -d node_modules/kinesis-local ] || [ ! -d node_modules/@aws-sdk/client-kinesis ]; then
  echo "== installing the Node packages (kinesis-local, AWS SDK)"
  npm ci --no-audit --no-fund --silent
fi

# 2. The Release build of the extension, the sandbox and the bench tools (tests not needed here).
if [ "$build" = 1 ]; then
  echo "== building $build_dir (Release)"
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DTK_BUILD_TESTS=OFF -DTK_BUILD_BENCH=ON >/dev/null
  cmake --build "$build_dir" --target bench-tools layer-x86_64 -j2 >/dev/null
fi

# 3. Run, then write the page and the chart from the results.
if [ "$smoke" = 1 ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  node bench/run.mjs --build-dir "$build_dir" --results "$out/results" --smoke
  node bench/report.mjs --results "$out/results" --docs "$out/docs"
else
  node bench/run.mjs --build-dir "$build_dir" --results bench/results "${before[@]}"
  node bench/report.mjs --results bench/results --docs docs
fi
echo "bench.sh: done in $(( $(date +%s) - started )) s"
