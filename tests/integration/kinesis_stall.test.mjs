// A Kinesis that stalls for 5 s must not slow the invocations down, and nothing may be lost to it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertExactlyOnce, assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { startStallProxy } from './support/stall_proxy.mjs';
import { waitForRecordCount } from './support/stream_reader.mjs';

const STREAM = 'telemetry-stall';
const INVOCATIONS = 10;
const LOG_LINES = 20;
const STALL_MS = 5000;
// 10 invocations of 300 ms with 300 ms between them last ~6 s: the stall ends before the last
// invocation, so the extension has the rest of the run plus SHUTDOWN to catch up.
const INVOKE_DURATION_MS = 300;
const INTERVAL_MS = 300;
// /next must come back within a few ms of the invocation's end, whatever Kinesis does.
const MAX_OVERHEAD_MS = 50;
// ... and within a few ms of receiving INVOKE: the extension never waits for Kinesis there.
// (Generous for a loaded 2-core CI machine; typical figures are well under 1 ms.)
const MAX_NEXT_CALL_MS = 25;

let kinesis;
let proxy;

before(async () => {
  kinesis = await startKinesisLocal({ streams: [{ name: STREAM, shards: 2 }] });
  proxy = await startStallProxy({ target: kinesis.endpoint });
});

after(async () => {
  await proxy?.close();
  await kinesis?.stop();
});

test('keeps per-invocation overhead low while Kinesis stalls for 5 s, then delivers every event', async () => {
  // The background path: the default (adaptive) flushes the first invocations before /next, bounded
  // by its budget; execution_modes.test.mjs covers that under a stall.
  const env = { ...await extensionEnv({ endpoint: proxy.endpoint, streamName: STREAM }),
    TELEMETRY_KINESIS_FLUSH: 'background' };
  // The stall opens as the sandbox starts: init takes milliseconds, so it covers the first ~5 s of
  // invocations.
  proxy.stallFor(STALL_MS);
  const run = await runSandbox({
    invocations: INVOCATIONS,
    logLines: LOG_LINES,
    env,
    extraArgs: ['--interval-ms', String(INTERVAL_MS), '--invoke-duration-ms', String(INVOKE_DURATION_MS)],
  });
  assertExtensionExitedInTime(run, INVOCATIONS);
  assert.equal(run.exitCode, 0, runSummary(run));

  const stats = proxy.stats();
  assert.ok(stats.held > 0, `the extension sent nothing to Kinesis during the stall: ${JSON.stringify(stats)}`);
  run.report.per_invocation_overhead_ms.forEach((overheadMs, i) => {
    assert.ok(overheadMs < MAX_OVERHEAD_MS,
      `invocation ${i + 1} overhead ${overheadMs} ms >= ${MAX_OVERHEAD_MS} ms\n${runSummary(run)}`);
  });

  assert.equal(run.report.per_invocation_next_call_ms.length, INVOCATIONS, runSummary(run));
  run.report.per_invocation_next_call_ms.forEach((nextCallMs, i) => {
    assert.ok(nextCallMs < MAX_NEXT_CALL_MS,
      `invocation ${i + 1}: /next came ${nextCallMs} ms after INVOKE (>= ${MAX_NEXT_CALL_MS} ms)\n${runSummary(run)}`);
  });

  const records = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName: STREAM }, run.events.length,
    15000);
  assertExactlyOnce(run.events.map((e) => e.raw), records, ` (proxy: ${JSON.stringify(stats)})`);
});
