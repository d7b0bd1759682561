#!/usr/bin/env bash
# The sanitizer and fuzz stage of the suite (scripts/test.sh runs it after the main tests; alone it
# expects scripts/setup.sh to have run). Each build is incremental in its own folder:
#
#  1. ASan+UBSan (build-asan, GCC): every unit test, then the integration tests below with the
#     sanitized extension under the Release sandbox of build/ (the sandbox is a test tool, not ours
#     to ship; building it twice more would cost minutes).
#  2. TSan (build-tsan, GCC): the unit tests of the rooms that own threads (pipeline: queue, sender,
#     ingest; telemetry: listener and its connection pool; app: the lifecycle with every thread
#     of the pipeline running), then the same integration tests.
#  3. libFuzzer (build-fuzz, clang): each target of tests/fuzz for TK_FUZZ_SECONDS (default 20).
#
# The integration tests chosen are those that drive every thread of the extension hardest:
# end_to_end (listener workers, sender and lifecycle at full speed, the SHUTDOWN drain), faults
# (retries, partial failures, dropped connections, outages: the sender's error paths) and
# listener_bad_input (50 concurrent POSTs, stalled clients, 413s: the listener's pool and cap) and
# aws_behaviour (the Kinesis session: credential refreshes, restores, holds, reconnects; its
# expiring-credentials run is cut to 15 s here).
# Left out: kinesis_stall (asserts per-invocation latency in milliseconds, which a sanitizer's
# slowdown on a loaded 2-core machine would make flaky), spool (asserts peak RSS, which ASan's
# shadow memory inflates), config_error and invalid_telemetry (single-threaded paths, covered
# above), layer tests (the packaged Release binary).
#
# TSan needs an address space layout some kernels' ASLR breaks ("unexpected memory mapping"); then
# the TSan stage runs under `setarch -R` (ASLR off for that process tree).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
jobs=$(nproc)
shared_dir=$(cd "$repo_root/.." && pwd)/shared
integration_tests=(end_to_end faults listener_bad_input aws_behaviour)
threaded_unit_tests=(pipeline_tests telemetry_tests app_tests)
fuzz_targets=(batch_parser_fuzz batch_salvage_fuzz put_records_response_fuzz spool_segment_fuzz)
log_dir="$repo_root/build/sanitizer-logs"
mkdir -p "$log_dir"

stage() { echo "== $* ($(date +%T))"; }

# build DIR CMAKE_OPTION... -- TARGET...: configures and builds DIR (incrementally); on failure
# shows the tail of the log.
build() {
  local dir=$1
  shift
  local options=()
  while [ "$1" != "--" ]; do
    options+=("$1")
    shift
  done
  shift
  local log="$log_dir/$(basename "$dir").log"
  if ! { cmake -S . -B "$dir" "${options[@]}" && cmake --build "$dir" -j"$jobs" --target "$@"; } >"$log" 2>&1; then
    echo "test-sanitizers.sh: building $dir failed; last lines of $log:" >&2
    tail -n 80 "$log" >&2
    exit 1
  fi
}

# Runs the chosen integration tests with `extension` (a sanitized build) under build/'s sandbox.
run_integration() {
  local extension=$1
  shift
  for name in "${integration_tests[@]}"; do
    "$@" env TK_BUILD_DIR="$repo_root/build" TK_EXTENSION_PATH="$extension" TK_SOURCE_DIR="$repo_root" \
      TK_AWS_EXPIRING_RUN_SECONDS=15 \
      TK_SHARED_DIR="$shared_dir" node --test --test-reporter=spec "tests/integration/$name.test.mjs"
  done
}

# -O1: sanitizers' advice for usable speed; -g1: line numbers in reports, at a fraction of -g's cost.
sanitizer_options=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DTK_BUILD_BENCH=OFF)
unit_tests=()
for room_dir in tests/unit/*/; do
  room=$(basename "$room_dir")
  compgen -G "$room_dir*_test.cpp" >/dev/null && unit_tests+=("${room}_tests")
done

stage "ASan+UBSan: build"
build build-asan "${sanitizer_options[@]}" -DTK_SANITIZE=address -- telemetry-kinesis "${unit_tests[@]}"
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage "ASan+UBSan: unit tests"
ctest --test-dir build-asan -L unit --output-on-failure --no-tests=error -j"$jobs"
stage "ASan+UBSan: integration tests ${integration_tests[*]}"
run_integration "$repo_root/build-asan/telemetry-kinesis"
unset ASAN_OPTIONS UBSAN_OPTIONS

stage "TSan: build"
build build-tsan "${sanitizer_options[@]}" -DTK_SANITIZE=thread -- telemetry-kinesis "${threaded_unit_tests[@]}"
# atexit_sleep_ms=0: TSan's default sleeps 1 s in exit() (to catch races with threads still running),
# which alone overran Lambda's 2 s SHUTDOWN limit in end_to_end. The extension joins its sender,
# listener and connection threads before it returns (only the signal watcher is detached, blocked in
# sigwait), so that sleep would watch nothing.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 atexit_sleep_ms=0"
tsan_prefix=()
if ! probe=$(build-tsan/tests/pipeline_tests --gtest_list_tests 2>&1) && grep -q "unexpected memory mapping" <<<"$probe"; then
  echo "TSan: this kernel's ASLR conflicts with TSan's memory layout; running with setarch -R"
  tsan_prefix=(setarch "$(uname -m)" -R)
fi
stage "TSan: unit tests ${threaded_unit_tests[*]}"
# Only the threaded rooms' test programs are built: skip the placeholders CTest has for the others.
"${tsan_prefix[@]}" ctest --test-dir build-tsan -L unit -E '_NOT_BUILT$' --output-on-failure --no-tests=error -j"$jobs"
stage "TSan: integration tests ${integration_tests[*]}"
run_integration "$repo_root/build-tsan/telemetry-kinesis" "${tsan_prefix[@]}"
unset TSAN_OPTIONS

stage "libFuzzer: build"
build build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DTK_FUZZ=ON \
  -DTK_FUZZ_SECONDS="${TK_FUZZ_SECONDS:-20}" -- "${fuzz_targets[@]}"
stage "libFuzzer: ${fuzz_targets[*]}, ${TK_FUZZ_SECONDS:-20} s each, $jobs at a time"
# Each target is one single-threaded fuzzing process: one per core keeps each one's time its own.
ctest --test-dir build-fuzz -L fuzz --output-on-failure --no-tests=error -j"$jobs"
stage "sanitizers and fuzzing passed"
