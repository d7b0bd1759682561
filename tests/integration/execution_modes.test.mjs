// The extension in each Lambda execution mode the sandbox emulates: Lambda Managed Instances
// (concurrent invocations, no INVOKE, schema 2025-01-29), SnapStart (restore after a snapshot
// whose Kinesis connection is dead), rare invocations with the extension frozen in between
// (adaptive flush before /next), provisioned concurrency, and the Telemetry API schema fallback.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertExactlyOnce, assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startConnectionProxy } from './support/connection_proxy.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { startStallProxy } from './support/stall_proxy.mjs';
import { envelopeOf, eventTextOf } from './support/records.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { readAllRecords, waitForRecordCount } from './support/stream_reader.mjs';

const STREAMS = {
  managed: 'modes-managed-instances',
  snapStart: 'modes-snap-start',
  rare: 'modes-rare',
  stalled: 'modes-rare-stalled',
  provisioned: 'modes-provisioned',
  fallback: 'modes-schema-fallback',
};
const LOG_LINES = 5;
// Everything was drained before the extension exited: records are readable at once.
const READ_BACK_TIMEOUT_MS = 15000;

let kinesis;

before(async () => {
  kinesis = await startKinesisLocal({ streams: Object.values(STREAMS).map((name) => ({ name, shards: 1 })) });
});

after(async () => {
  await kinesis?.stop();
});

const streamOf = (streamName) => ({ endpoint: kinesis.endpoint, streamName });

async function deliveredExactlyOnce(run, streamName) {
  const records = await waitForRecordCount(streamOf(streamName), run.events.length, READ_BACK_TIMEOUT_MS);
  assertExactlyOnce(run.events.map((e) => e.raw), records, ` (${streamName})`);
  return records;
}

const eventsOfType = (run, type) => run.events.filter((e) => e.json.type === type);

test('managed instances: 4 concurrent invocations, no INVOKE, schema 2025-01-29, every event once', async () => {
  const invocations = 8;
  const run = await runSandbox({
    invocations,
    logLines: LOG_LINES,
    env: await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAMS.managed }),
    extraArgs: ['--mode', 'managed-instances', '--concurrency', '4', '--invoke-duration-ms', '300'],
  });
  assertExtensionExitedInTime(run, invocations);
  assert.equal(run.exitCode, 0, runSummary(run));

  // Registered for SHUTDOWN only (the emulator refuses INVOKE there, as Lambda does) and
  // subscribed with the only schema Managed Instances accept, at the first attempt.
  assert.deepEqual(run.report.registered_events, ['SHUTDOWN'], runSummary(run));
  assert.equal(run.report.subscription.schemaVersion, '2025-01-29', runSummary(run));
  assert.equal(run.report.rejected_requests_total, 0, runSummary(run));
  // One /next call: made at the end of Init and answered only with SHUTDOWN.
  assert.equal(run.report.next_calls, 1, runSummary(run));
  assert.match(run.stderr, /mode lambda-managed-instances, telemetry schema 2025-01-29, flush adaptive -> background/);

  // The invocations did overlap: their telemetry is interleaved, with no runtimeDone at all.
  assert.equal(eventsOfType(run, 'platform.runtimeDone').length, 0);
  let open = 0;
  let maxOpen = 0;
  for (const { json } of run.events) {
    if (json.type === 'platform.start') maxOpen = Math.max(maxOpen, ++open);
    if (json.type === 'platform.report') open -= 1;
  }
  assert.ok(maxOpen >= 2, `invocations did not overlap (at most ${maxOpen} open at once)`);
  assert.equal(eventsOfType(run, 'platform.report').length, invocations);

  // Every event, including the reports of the invocations still open at SHUTDOWN, exactly once.
  await deliveredExactlyOnce(run, STREAMS.managed);
});

test('snap-start: after a restore whose old Kinesis connection is dead, every event is delivered', async () => {
  const proxy = await startConnectionProxy({ target: kinesis.endpoint });
  try {
    const invocations = 3;
    let deadAtSnapshot = -1;
    const run = await runSandbox({
      invocations,
      logLines: LOG_LINES,
      env: await extensionEnv({ endpoint: proxy.endpoint, streamName: STREAMS.snapStart }),
      // Init lasts 1 s (a runtime that takes its time), so the extension has shipped the Init
      // telemetry (about 300 ms after start), over a kept-alive connection, before the snapshot.
      extraArgs: ['--mode', 'snap-start', '--runtime-init-ms', '1000', '--idle-after-init-ms', '1500',
        '--freeze', '--invoke-duration-ms', '50'],
      onProgress: (step) => {
        // While the snapshot waits, the far end forgets the connection: nothing will ever answer
        // on it again (the worst case: no FIN, no RST).
        if (step.event === 'snapshot') deadAtSnapshot = proxy.blackHoleAll();
      },
    });
    assertExtensionExitedInTime(run, invocations);
    assert.equal(run.exitCode, 0, runSummary(run));
    assert.ok(deadAtSnapshot >= 1, `no kept-alive connection at the snapshot: ${JSON.stringify(proxy.stats())}`);
    assert.match(run.stderr, /mode snap-start/);
    assert.match(run.stderr, /SnapStart restore noticed/, runSummary(run));
    // No request went into the dead connection: the restore dropped it first.
    assert.equal(proxy.stats().swallowed, 0, `requests sent on the dead connection: ${JSON.stringify(proxy.stats())}`);

    const records = await deliveredExactlyOnce(run, STREAMS.snapStart);
    // The restored environment is a new sandbox: records from the restore on carry a new id.
    const sandboxOf = (type) => {
      const event = eventsOfType(run, type)[0];
      assert.ok(event, `the sandbox sent no ${type}`);
      return envelopeOf(records.find((r) => eventTextOf(r) === event.raw)).sandbox;
    };
    const snapshotId = sandboxOf('platform.initStart');  // shipped before the snapshot
    assert.notEqual(sandboxOf('platform.restoreStart'), snapshotId);
    assert.equal(sandboxOf('platform.report'), sandboxOf('platform.restoreStart'));
  } finally {
    await proxy.close();
  }
});

test('rare invocations, frozen in between: each invocation is in the stream before the next starts', async (t) => {
  const invocations = 4;
  const steps = [];
  const checks = [];
  const requestIds = new Map();  // invocation -> requestId
  const run = await runSandbox({
    invocations,
    logLines: LOG_LINES,
    // The default strategy (adaptive) with a budget a loaded 2-core machine cannot miss: the
    // default budget's bound is the stalled-Kinesis test's subject.
    env: { ...await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAMS.rare }),
      TELEMETRY_KINESIS_FLUSH_BUDGET_MS: '1000' },
    extraArgs: ['--freeze', '--interval-ms', '2000', '--invoke-duration-ms', '50'],
    onProgress: (step) => {
      steps.push({ ...step, receivedAt: Date.now() });
      if (step.event === 'invoke') requestIds.set(step.invocation, step.requestId);
      // The extension is SIGSTOPped now: what the stream holds was sent before the freeze.
      if (step.event === 'frozen' && step.invocation < invocations) {
        checks.push(readDuringFreeze(step.invocation, step.requestId));
      }
    },
  });

  async function readDuringFreeze(invocation, requestId) {
    const records = await readAllRecords({ ...streamOf(STREAMS.rare), timeoutMs: 1500 });
    const readAt = Date.now();
    const texts = records.map(eventTextOf);
    return { invocation, requestId, texts, readAt };
  }

  assertExtensionExitedInTime(run, invocations);
  assert.equal(run.exitCode, 0, runSummary(run));
  assert.match(run.stderr, /flush adaptive/);
  const reads = await Promise.all(checks);
  assert.equal(reads.length, invocations - 1);
  for (const { invocation, requestId, texts, readAt } of reads) {
    // The read must have ended while the extension was still frozen (before the next thaw).
    const thaw = steps.find((s) => s.event === 'thaw' && s.invocation === invocation + 1);
    assert.ok(thaw && readAt <= thaw.receivedAt,
      `invocation ${invocation}: the stream was read after the next thaw; inconclusive on this machine`);
    const sentOfInvocation = run.events.filter((e) => {
      const r = e.json.record;
      if (e.json.type === 'function') return typeof r === 'string' && r.startsWith(`inv-${String(invocation).padStart(4, '0')} `);
      // Its own platform.report comes after its /next: Lambda sends it during the next one.
      return e.json.type !== 'platform.report' && r?.requestId === requestId;
    });
    assert.equal(sentOfInvocation.length, LOG_LINES + 2, `invocation ${invocation}: start, logs, runtimeDone`);
    const missing = sentOfInvocation.filter((e) => !texts.includes(e.raw));
    assert.deepEqual(missing.map((e) => e.json.type), [],
      `invocation ${invocation}: not in the stream before the next invocation`);
    // ... and the previous invocation's report came with it.
    if (invocation > 1) {
      const previousReport = eventsOfType(run, 'platform.report')
        .find((e) => e.json.record.requestId === requestIds.get(invocation - 1));
      assert.ok(previousReport && texts.includes(previousReport.raw),
        `invocation ${invocation}: the report of invocation ${invocation - 1} is not in the stream yet`);
    }
  }
  const overhead = run.report.per_invocation_overhead_ms;
  // Flushing before /next costs the telemetry buffering (100 ms) plus one PutRecords, bounded by
  // the budget; typically 70 ms here (docs/execution-modes.md).
  overhead.forEach((ms, i) => assert.ok(ms < 1100 + 400, `invocation ${i + 1}: added ${ms} ms\n${runSummary(run)}`));
  t.diagnostic(`added per invocation (ms): ${overhead.join(', ')}`);
  await deliveredExactlyOnce(run, STREAMS.rare);
});

test('rare invocations while Kinesis stalls: the flush before /next gives up at its budget, nothing is lost', async () => {
  const proxy = await startStallProxy({ target: kinesis.endpoint });
  try {
    const invocations = 3;
    const budgetMs = 200;
    proxy.stallFor(3000);
    const run = await runSandbox({
      invocations,
      logLines: LOG_LINES,
      env: { ...await extensionEnv({ endpoint: proxy.endpoint, streamName: STREAMS.stalled }),
        TELEMETRY_KINESIS_FLUSH_BUDGET_MS: String(budgetMs) },
      extraArgs: ['--freeze', '--interval-ms', '1200', '--invoke-duration-ms', '50'],
    });
    assertExtensionExitedInTime(run, invocations);
    assert.equal(run.exitCode, 0, runSummary(run));
    assert.ok(proxy.stats().held > 0, `nothing was held by the stall: ${JSON.stringify(proxy.stats())}`);
    // Runtime done -> /next: Lambda's telemetry buffering (100 ms) plus at most the budget, plus
    // slack for a loaded 2-core machine; never the stall's 3 s.
    run.report.per_invocation_overhead_ms.forEach((ms, i) => assert.ok(ms < budgetMs + 100 + 400,
      `invocation ${i + 1}: added ${ms} ms with a ${budgetMs} ms budget\n${runSummary(run)}`));
    await deliveredExactlyOnce(run, STREAMS.stalled);
  } finally {
    await proxy.close();
  }
});

test('provisioned concurrency: initialised, frozen until the first invocation, every event once', async () => {
  const invocations = 2;
  const run = await runSandbox({
    invocations,
    logLines: LOG_LINES,
    env: await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAMS.provisioned }),
    extraArgs: ['--mode', 'provisioned-concurrency', '--freeze', '--idle-after-init-ms', '1000'],
  });
  assertExtensionExitedInTime(run, invocations);
  assert.equal(run.exitCode, 0, runSummary(run));
  assert.match(run.stderr, /mode provisioned-concurrency/);
  assert.equal(eventsOfType(run, 'platform.initStart')[0]?.json.record.initializationType, 'provisioned-concurrency');
  await deliveredExactlyOnce(run, STREAMS.provisioned);
});

test('schema fallback: a Lambda that refuses 2025-01-29 gets a 2022-12-13 subscription', async () => {
  const invocations = 2;
  const run = await runSandbox({
    invocations,
    logLines: LOG_LINES,
    env: await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAMS.fallback }),
    extraArgs: ['--reject-schema', '2025-01-29'],
  });
  assertExtensionExitedInTime(run, invocations);
  assert.equal(run.exitCode, 0, runSummary(run));
  assert.equal(run.report.subscription.schemaVersion, '2022-12-13', runSummary(run));
  assert.deepEqual(run.report.rejected_requests.map((r) => [r.request, r.status]),
    [['PUT /2022-07-01/telemetry', 400]], runSummary(run));
  assert.match(run.stderr, /telemetry schema 2022-12-13/);
  await deliveredExactlyOnce(run, STREAMS.fallback);
});
