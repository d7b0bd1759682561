#!/usr/bin/env bash
# Builds everything (scripts/setup.sh) and runs every test: unit (GoogleTest) and integration
# (node:test against kinesis-local and the Lambda sandbox emulator), then the sanitizer and fuzz
# stage (scripts/test-sanitizers.sh; TK_SKIP_SANITIZERS=1 skips it locally). Exits non-zero on any
# failure.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

echo "== setup ($(date +%T))"
bash scripts/setup.sh
echo "== main tests: unit, integration, deploy, bench smoke ($(date +%T))"
# Integration tests are RUN_SERIAL (kinesis-local is CPU-hungry); unit tests may share the 2 cores.
ctest --test-dir build --output-on-failure --no-tests=error -j2
if [ "${TK_SKIP_SANITIZERS:-0}" != 1 ]; then
  bash scripts/test-sanitizers.sh
fi
