#!/usr/bin/env bash
# Demo: builds everything, starts kinesis-local on loopback with stream telemetry-demo (2 shards), runs
# the extension under the local Lambda sandbox for 3 invocations, then prints what landed in the stream
# with telemetry-kinesis-tail (one line per event, whatever the record format).
# TELEMETRY_KINESIS_RECORD_FORMAT=ndjson|kpl (and TELEMETRY_KINESIS_COMPRESSION=gzip with ndjson) in
# the environment picks the record format, e.g. TELEMETRY_KINESIS_RECORD_FORMAT=kpl bash scripts/demo.sh
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

stream=telemetry-demo
record_format=${TELEMETRY_KINESIS_RECORD_FORMAT:-event}
compression=${TELEMETRY_KINESIS_COMPRESSION:-none}
start_timeout_s=60

bash scripts/setup.sh

work_dir=$(mktemp -d)
kinesis_pid=
cleanup() {
  if [ -n "$kinesis_pid" ] && kill -0 "$kinesis_pid" 2>/dev/null; then
    kill -TERM "$kinesis_pid" 2>/dev/null || true
    wait "$kinesis_pid" 2>/dev/null || true
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

echo "== starting kinesis-local (stream $stream, 2 shards)"
node scripts/kinesis-local.mjs "$stream:2" >"$work_dir/kinesis-local.out" 2>&1 &
kinesis_pid=$!
endpoint=
for _ in $(seq 1 $((start_timeout_s * 5))); do
  endpoint=$(sed -n 's/^endpoint //p' "$work_dir/kinesis-local.out")
  [ -n "$endpoint" ] && break
  if ! kill -0 "$kinesis_pid" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
if [ -z "$endpoint" ]; then
  echo "demo.sh: kinesis-local did not start:" >&2
  cat "$work_dir/kinesis-local.out" >&2
  exit 1
fi
echo "   listening on $endpoint"

listener_port=$(node --input-type=module -e \
  "import { freePort } from './tests/integration/support/ports.mjs'; console.log(await freePort());")

echo "== running the extension in the Lambda sandbox (3 invocations, 4 log lines each; record format $record_format, compression $compression)"
# Dummy credentials: kinesis-local checks the request's signature shape, not the secret.
sandbox_status=0
build/lambda-sandbox --extension build/telemetry-kinesis --invocations 3 --log-lines 4 \
  --env TELEMETRY_KINESIS_STREAM="$stream" \
  --env AWS_ENDPOINT_URL_KINESIS="$endpoint" \
  --env AWS_ACCESS_KEY_ID=AKIDTELEMETRYDEMO \
  --env AWS_SECRET_ACCESS_KEY=telemetry-demo-secret \
  --env AWS_SESSION_TOKEN=telemetry-demo-session \
  --env TELEMETRY_KINESIS_LISTENER_HOST=127.0.0.1 \
  --env TELEMETRY_KINESIS_LISTENER_PORT="$listener_port" \
  --env TELEMETRY_KINESIS_RECORD_FORMAT="$record_format" \
  --env TELEMETRY_KINESIS_COMPRESSION="$compression" || sandbox_status=$?
echo "   sandbox exit status $sandbox_status"

echo "== events in stream $stream (telemetry-kinesis-tail --trim-horizon: time, type, request id, level, message or metrics)"
AWS_ACCESS_KEY_ID=AKIDTELEMETRYDEMO AWS_SECRET_ACCESS_KEY=telemetry-demo-secret \
  node tools/telemetry-kinesis-tail.mjs --stream "$stream" --endpoint "$endpoint" --region us-east-1 --trim-horizon
exit "$sandbox_status"
