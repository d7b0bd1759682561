// What Lambda really sends is messier than the documentation's examples, and no batch may be lost
// to it: events larger than maxBytes cut across POSTs (the sandbox cuts them as Lambda was
// observed to), a POST damaged at some byte, Managed Instances shutting down with SIGTERM right
// after the last invocation, and an invocation whose platform.runtimeDone was lost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertExactlyOnce, assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { compareEvents, describeDifference, eventTextsOf } from './support/records.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { waitForRecordCount } from './support/stream_reader.mjs';
import { assertAccountingBalances, shutdownSummary } from './support/summary.mjs';

const STREAMS = {
  big: 'intake-big-lines',
  damaged: 'intake-damaged',
  managed: 'intake-managed',
  managedSigterm: 'intake-managed-sigterm',
  lost: 'intake-lost-runtime-done',
};
const READ_BACK_TIMEOUT_MS = 30000;

let kinesis;

before(async () => {
  kinesis = await startKinesisLocal({ streams: Object.values(STREAMS).map((name) => ({ name, shards: 1 })) });
});

after(async () => {
  await kinesis?.stop();
});

const fragmentOf = (text) => {
  const event = JSON.parse(text);
  return event.type === 'telemetry-kinesis.fragment' ? event.record : null;
};

/** Every record's event texts, split into whole events and fragment records. */
async function readBack(streamName, atLeast) {
  const records = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName }, atLeast, READ_BACK_TIMEOUT_MS);
  const texts = records.flatMap(eventTextsOf);
  return { records, whole: texts.filter((t) => fragmentOf(t) === null), fragments: texts.map(fragmentOf).filter(Boolean) };
}

test('lines of 100 KB, 400 KB and 1.5 MB cut across POSTs: every line whole, or rebuilt from its fragments', async (t) => {
  const invocations = 2;
  const run = await runSandbox({
    invocations,
    logLines: 6,
    // The Telemetry API's smallest maxBytes (256 KiB): the 400 KB and 1.5 MB lines are cut, the
    // 1.5 MB one in every body it fills.
    env: { ...await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAMS.big }),
      TELEMETRY_KINESIS_BUFFER_MAX_BYTES: '262144' },
    extraArgs: ['--big-log-lines', '102400,409600,1572864', '--invoke-duration-ms', '200'],
  });
  assertExtensionExitedInTime(run, invocations);
  assert.equal(run.exitCode, 0, runSummary(run));
  assert.ok((run.report.telemetry_splits ?? []).length >= 2 * invocations,
    `the sandbox cut the big lines: ${JSON.stringify(run.report.telemetry_splits)}`);

  const sent = run.events.map((e) => e.raw);
  const oversized = sent.filter((text) => Buffer.byteLength(text) > 1024 * 1024 - 512);
  const fitting = sent.filter((text) => !oversized.includes(text));
  assert.equal(oversized.length, invocations, 'one 1.5 MB line an invocation');
  const { whole, fragments } = await readBack(STREAMS.big, fitting.length + 3 * invocations);

  // Every line that fits a record (ordinary, 100 KB, 400 KB joined from two POSTs), byte-equal,
  // exactly once.
  const difference = compareEvents(fitting, whole);
  assert.deepEqual({ missing: difference.missing.length, duplicates: difference.duplicates.length, extras: difference.extras.length },
    { missing: 0, duplicates: 0, extras: 0 }, describeDifference(difference));
  // Each 1.5 MB line, joined from its POSTs, then shipped in record-sized pieces that rebuild it.
  for (const text of oversized) {
    const size = Buffer.byteLength(text);
    // This line's pieces (the lines are ASCII: byte offsets are string offsets).
    // (Both invocations' lines are alike after their id: a piece of either fits; one per offset.)
    const byOffset = new Map(fragments.filter((f) => f.eventBytes === size && text.startsWith(f.fragment, f.offset))
      .map((f) => [f.offset, f]));
    const pieces = [...byOffset.values()].sort((a, b) => a.offset - b.offset);
    const rebuilt = pieces.map((f) => f.fragment).join('');
    assert.ok(pieces.length >= 3, `pieces of the ${size}-byte line: ${pieces.length}`);
    let at = 0;
    while (at < text.length && rebuilt[at] === text[at]) at += 1;
    assert.ok(rebuilt === text, `the big line rebuilt from ${pieces.length} fragments differs at ${at} ` +
      `(${rebuilt.length} vs ${text.length} chars; offsets ${pieces.map((f) => `${f.offset}+${f.bytes}`).join(' ')}): ` +
      `${JSON.stringify(rebuilt.slice(at - 20, at + 40))} vs ${JSON.stringify(text.slice(at - 20, at + 40))}`);
  }
  const summary = shutdownSummary(run.stderr);
  t.diagnostic(`summary: ${JSON.stringify(summary)}; splits: ${run.report.telemetry_splits.length}`);
  assert.equal(summary.events_truncated, invocations, JSON.stringify(summary));
  assert.ok(summary.events_joined >= 2 * invocations, JSON.stringify(summary));
  assert.equal(summary.batches_rejected_malformed, 0, JSON.stringify(summary));
  assertAccountingBalances(summary, runSummary(run));
});

test('a POST damaged at a byte: every complete event before the damage is delivered, the rest counted', async (t) => {
  const invocations = 3;
  const run = await runSandbox({
    invocations,
    logLines: 20,
    env: await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAMS.damaged }),
    extraArgs: ['--damage-post', '3:1500', '--damage-mode', 'garbage', '--invoke-duration-ms', '100'],
  });
  assertExtensionExitedInTime(run, invocations);
  assert.equal(run.exitCode, 0, runSummary(run));
  const damaged = run.report.telemetry_damaged_posts?.[0];
  assert.ok(damaged, `the sandbox damaged a POST: ${JSON.stringify(run.report)}`);
  // --events-out line numbers (1-based) of the events whole before the damage, and of the one cut.
  const keptBefore = damaged.events_complete.map((line) => run.postedEvents[line - 1].raw);
  assert.ok(keptBefore.length >= 1 && damaged.cut_in_event, JSON.stringify(damaged));
  const cutEvent = run.postedEvents[damaged.cut_in_event - 1].raw;

  const sent = run.events.map((e) => e.raw);
  // At most the damaged POST's events after its complete ones are missing (fewer than 40 here).
  const { whole } = await readBack(STREAMS.damaged, sent.length - 40);
  for (const text of keptBefore) assert.ok(whole.includes(text), `a complete event before the damage is missing: ${text}`);
  const summary = shutdownSummary(run.stderr);
  t.diagnostic(`damaged POST: ${keptBefore.length} complete events kept; summary: ${JSON.stringify(summary)}`);
  assert.ok(summary.batches_salvaged >= 1, JSON.stringify(summary));
  assert.ok(summary.bytes_damaged > 0, JSON.stringify(summary));
  assertAccountingBalances(summary, runSummary(run));
  // The event the damage fell in is lost; nothing arrived twice or that was not sent.
  assert.ok(!whole.includes(cutEvent), 'the damaged event cannot have been delivered');
  const difference = compareEvents(sent, whole);
  assert.ok(difference.missing.length >= 1 && difference.missing.length < 40, describeDifference(difference));
  assert.equal(difference.duplicates.length, 0, describeDifference(difference));
  assert.equal(difference.extras.length, 0, describeDifference(difference));
});

for (const sigterm of [false, true]) {
  test(`managed instances, 20 invocations 4 in flight, SHUTDOWN right after the last${sigterm ? ', with SIGTERM' : ''}: every event once`, async (t) => {
    const invocations = 20;
    const stream = sigterm ? STREAMS.managedSigterm : STREAMS.managed;
    const run = await runSandbox({
      invocations,
      logLines: 10,
      env: await extensionEnv({ endpoint: kinesis.endpoint, streamName: stream }),
      extraArgs: ['--mode', 'managed-instances', '--concurrency', '4', '--invoke-duration-ms', '50',
        '--sigterm-at-shutdown', sigterm ? 'yes' : 'no'],
    });
    assertExtensionExitedInTime(run, invocations);
    assert.equal(run.exitCode, 0, runSummary(run));
    if (sigterm) assert.ok(run.report.sigterm?.sent, JSON.stringify(run.report.sigterm));
    const records = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName: stream }, run.events.length,
      READ_BACK_TIMEOUT_MS);
    assertExactlyOnce(run.events.map((e) => e.raw), records, ` (${stream})`);
    const summary = shutdownSummary(run.stderr);
    t.diagnostic(`${run.events.length} events; summary: ${JSON.stringify(summary)}`);
    assert.equal(summary.unsent_at_shutdown, 0, JSON.stringify(summary));
  });
}

test('a lost platform.runtimeDone adds at most the flush budget to its invocation', async (t) => {
  const FLUSH_BUDGET_MS = 300;
  const FUNCTION_TIMEOUT_MS = 5000;
  const invocations = 3;
  // POST 3 is the second invocation's (after the init POST and the first invocation's): cut in
  // its first event, so everything after, runtimeDone included, is lost.
  const run = await runSandbox({
    invocations,
    logLines: 3,
    env: { ...await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAMS.lost }),
      TELEMETRY_KINESIS_FLUSH: 'end' },
    extraArgs: ['--damage-post', '3:40', '--damage-mode', 'truncate', '--interval-ms', '300',
      '--function-timeout-ms', String(FUNCTION_TIMEOUT_MS)],
  });
  assertExtensionExitedInTime(run, invocations);
  assert.equal(run.exitCode, 0, runSummary(run));
  const overheads = run.report.per_invocation_overhead_ms;
  t.diagnostic(`per-invocation overhead (ms): ${JSON.stringify(overheads)}; damaged: ${JSON.stringify(run.report.telemetry_damaged_posts)}`);
  // A runtimeDone was in the damaged part: it never reached the stream.
  const { whole } = await readBack(STREAMS.lost, run.events.length - 30);
  const lostRuntimeDone = run.events.filter((e) => e.json.type === 'platform.runtimeDone' && !whole.includes(e.raw));
  assert.ok(lostRuntimeDone.length >= 1, 'the damage took a platform.runtimeDone');
  // Without the damage rule the flush would wait for runtimeDone until close to the timeout.
  for (const overhead of overheads) {
    assert.ok(overhead <= FLUSH_BUDGET_MS + 200, `an invocation waited ${overhead} ms: ${JSON.stringify(overheads)}`);
  }
});
