#!/usr/bin/env bash
# Runs one libFuzzer target (built with -DTK_FUZZ=ON) for a bounded time, from a fresh corpus made of
# its hand-made seeds (tests/fuzz/seeds/<name>/) plus, for the batch parser, the Telemetry API samples
# of ../shared (copied at run time). Crash inputs are kept in ./fuzz-artifacts/. Exits non-zero on a
# crash, a leak, a timeout or a failed check.
#
#   scripts/fuzz.sh build-fuzz/tests/fuzz/batch_parser_fuzz 20           # the suite's bounded run
#   scripts/fuzz.sh build-fuzz/tests/fuzz/batch_parser_fuzz 3600 -jobs=2  # a longer one (docs/fuzzing.md)
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 FUZZ_TARGET SECONDS [libFuzzer options...]" >&2
  exit 2
fi
target=$1
seconds=$2
shift 2

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seeds_root=${TK_FUZZ_SEEDS:-$repo_root/tests/fuzz/seeds}
shared_dir=${TK_SHARED_DIR:-$repo_root/../shared}
artifacts=${TK_FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}
name=$(basename "$target")
seed_name=${name%_fuzz}

work=$(mktemp -d "${TMPDIR:-/tmp}/tk-fuzz-$seed_name-XXXXXX")
trap 'rm -rf "$work"' EXIT
corpus="$work/corpus"
mkdir -p "$corpus" "$artifacts"
if [ -d "$seeds_root/$seed_name" ]; then
  cp "$seeds_root/$seed_name"/* "$corpus"/
fi
options=()
case "$seed_name" in
  batch_parser)
    samples="$shared_dir/telemetry-samples"
    if [ -d "$samples" ]; then
      for sample in "$samples"/*.json "$samples"/invalid/*; do
        [ -f "$sample" ] && cp "$sample" "$corpus/shared-$(basename "$sample")"
      done
    fi
    options+=(-dict="$repo_root/tests/fuzz/json.dict")
    ;;
  put_records_response)
    options+=(-dict="$repo_root/tests/fuzz/json.dict")
    ;;
esac

echo "fuzzing $name for ${seconds}s from $(ls "$corpus" | wc -l) seeds; crash inputs go to $artifacts/"
"$target" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$artifacts/$name-" -print_final_stats=1 "${options[@]}" "$@"
