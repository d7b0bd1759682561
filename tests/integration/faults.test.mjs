// Kinesis misbehaving (per-record throttling, 5xx, throttling 400s, dropped connections, an outage,
// a wrong stream): every event still lands, duplicates only where an answer was lost after Kinesis
// stored the records, permanent errors are logged once and counted, and no log shows a credential.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { DUMMY_CREDENTIALS } from './support/kinesis_client.mjs';
import { startFaultProxy } from './support/fault_proxy.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { compareEvents, describeDifference, eventTextOf } from './support/records.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { waitForRecordCount } from './support/stream_reader.mjs';
import { assertAccountingBalances, linesWith, shutdownSummary } from './support/summary.mjs';

const STREAM = 'telemetry-faults';
const SEED = Number(process.env.TK_FAULT_SEED ?? 4242);
const READ_BACK_TIMEOUT_MS = 20000;

let kinesis;
const allLogs = [];  // stdout + stderr of every run in this file, for the secrets check

before(async () => {
  kinesis = await startKinesisLocal({
    streams: [{ name: STREAM, shards: 2 }, { name: `${STREAM}-storm`, shards: 1 }],
  });
});

after(async () => {
  await kinesis?.stop();
});

async function withProxy(options, body) {
  const proxy = await startFaultProxy({ target: kinesis.endpoint, seed: SEED, ...options });
  try {
    return await body(proxy);
  } finally {
    await proxy.close();
  }
}

async function run(options) {
  const result = await runSandbox(options);
  allLogs.push(result.stderr, result.stdout);
  return result;
}

/** The event text carried by a base64 PutRecords Data value (the record's envelope stripped). */
function eventTextOfData(base64) {
  return eventTextOf({ data: Buffer.from(base64, 'base64'), sequenceNumber: '(proxy)' });
}

/**
 * Every sent event is in the stream, nothing foreign is, and each duplicate is an event whose
 * request reached Kinesis while its answer was lost (the proxy's outcome-unknown records).
 */
function assertNothingLostDuplicatesExplained(sentTexts, records, stats) {
  const difference = compareEvents(sentTexts, records.map(eventTextOf));
  const context = `${sentTexts.length} sent, ${records.length} read\n${describeDifference(difference)}\n` +
    `proxy: ${JSON.stringify({ ...stats, outcomeUnknownData: stats.outcomeUnknownData.length })}`;
  assert.equal(difference.missing.length, 0, `events lost\n${context}`);
  assert.equal(difference.extras.length, 0, `records nobody sent\n${context}`);
  assert.ok(difference.duplicates.length <= stats.recordsForwardedThenLost,
    `more duplicates than records whose outcome was unknown\n${context}`);
  const unknown = new Set(stats.outcomeUnknownData.map(eventTextOfData));
  for (const duplicate of difference.duplicates) {
    assert.ok(unknown.has(duplicate), `a duplicate of a record whose answer was not lost: ${duplicate.slice(0, 200)}\n${context}`);
  }
  return difference;
}

test('delivers every event through record throttling, 500s, dropped connections and a 3 s outage', async (t) => {
  const INVOCATIONS = 40;
  // 40 invocations of 100 ms, 250 ms apart: ~14 s of traffic, with the outage in its first half.
  // A blackhole outage (requests hang, then drop when it ends), as a network partition does: one
  // failed attempt. (An outage that refuses connections at once makes the sender fail ~6 times in
  // 3 s and back off up to its 5 s cap, which a SHUTDOWN drain currently sleeps through: a known
  // limitation of the drain, left out here so that this test is deterministic.)
  const OUTAGE_AFTER_MS = 3000;
  const OUTAGE_MS = 3000;
  await withProxy({
    faults: {
      recordFailureRate: 0.2,
      http500Rate: 0.1,
      dropBeforeRate: 0.025,
      dropAfterRate: 0.025,
      latencyRate: 0.2,
      latencyMs: [10, 150],
    },
  }, async (proxy) => {
    const env = await extensionEnv({ endpoint: proxy.endpoint, streamName: STREAM });
    proxy.outageAfter(OUTAGE_AFTER_MS, OUTAGE_MS, 'blackhole');
    const result = await run({
      invocations: INVOCATIONS,
      logLines: 20,
      env,
      extraArgs: ['--invoke-duration-ms', '100', '--interval-ms', '250'],
    });
    assertExtensionExitedInTime(result, INVOCATIONS);
    assert.equal(result.exitCode, 0, runSummary(result));

    const stats = proxy.stats();
    const faultsSeen = {
      recordFailures: stats.recordFailures,
      throughputExceeded: stats.recordFailuresByCode.ProvisionedThroughputExceededException ?? 0,
      internalFailure: stats.recordFailuresByCode.InternalFailure ?? 0,
      http500: stats.http500,
      dropBefore: stats.dropBefore,
      dropAfter: stats.dropAfter,
      outageDropped: stats.outageDropped,
    };
    for (const [fault, count] of Object.entries(faultsSeen)) {
      assert.ok(count > 0, `the run never met fault ${fault}: ${JSON.stringify(faultsSeen)}\n${runSummary(result)}\n` +
        `proxy timeline: ${JSON.stringify(stats.timeline)}`);
    }

    const sent = result.events.map((e) => e.raw);
    const records = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName: STREAM }, sent.length,
      READ_BACK_TIMEOUT_MS);
    const { duplicates } = assertNothingLostDuplicatesExplained(sent, records, stats);
    t.diagnostic(`${sent.length} events, ${records.length} records, ${duplicates.length} duplicates ` +
      `(${stats.recordsForwardedThenLost} outcome-unknown); proxy: ${JSON.stringify({ ...stats, outcomeUnknownData: undefined })}`);

    const summary = shutdownSummary(result.stderr);
    assertAccountingBalances(summary, runSummary(result));
    assert.equal(summary.unsent_at_shutdown, 0, runSummary(result));
    assert.ok(summary.retried >= stats.recordFailures,
      `every injected record failure is retried: ${JSON.stringify(summary)}`);
  });
});

// A stream created after the function is a deployment mistake fixed within minutes: the records
// are held (never dropped), the cause is named once with its fix, and what is still held at
// SHUTDOWN is counted as unsent (error_classification.cpp, issue 13).
test('a missing stream holds the records, names the fix once, and the extension exits 0 in time', async () => {
  const INVOCATIONS = 4;
  const env = await extensionEnv({ endpoint: kinesis.endpoint, streamName: 'no-such-stream' });
  const result = await run({
    invocations: INVOCATIONS,
    logLines: 10,
    env,
    extraArgs: ['--invoke-duration-ms', '100', '--interval-ms', '200'],
  });
  assertExtensionExitedInTime(result, INVOCATIONS);
  assert.equal(result.exitCode, 0, runSummary(result));
  const refusals = linesWith(result.stderr, 'Kinesis refused PutRecords');
  assert.equal(refusals.length, 1, `expected one refusal line\n${runSummary(result)}`);
  assert.match(refusals[0], /ResourceNotFoundException/);
  assert.match(refusals[0], /to fix: create the stream/);
  const summary = shutdownSummary(result.stderr);
  assert.equal(summary.dropped_invalid_record, 0, JSON.stringify(summary));
  assert.equal(summary.delivered, 0);
  assert.ok(summary.requests_held >= 1, JSON.stringify(summary));
  assert.ok(summary.unsent_at_shutdown >= INVOCATIONS * 10, JSON.stringify(summary));
  assertAccountingBalances(summary, runSummary(result));
});

test('Kinesis answering nothing at SHUTDOWN: the request in flight is abandoned at the deadline and the extension exits in time', async () => {
  // A black hole from the start (a partitioned network, a NAT that dropped the flow): every
  // request hangs for longer than the whole run. The sender is blocked in one when SHUTDOWN comes;
  // its own timeout (10 s) is far past the Shutdown phase's 2 s (Extensions API, "Shutdown phase").
  const INVOCATIONS = 2;
  await withProxy({}, async (proxy) => {
    proxy.outageFor(4000, 'blackhole');
    const env = await extensionEnv({ endpoint: proxy.endpoint, streamName: STREAM });
    const result = await run({
      invocations: INVOCATIONS,
      logLines: 5,
      env,
      extraArgs: ['--invoke-duration-ms', '50', '--interval-ms', '100'],
    });
    assertExtensionExitedInTime(result, INVOCATIONS);
    assert.match(result.stderr, /abandoned: the caller's deadline passed/, runSummary(result));
    const summary = shutdownSummary(result.stderr);
    assert.equal(summary.delivered, 0, JSON.stringify(summary));
    assert.ok(summary.unsent_at_shutdown >= INVOCATIONS * 5, JSON.stringify(summary));
    assertAccountingBalances(summary, runSummary(result));
    assert.ok(proxy.stats().outageDropped >= 1, JSON.stringify(proxy.stats()));
  });
});

test('a storm of 503s and throttling 400s delays delivery, then everything lands exactly once', async () => {
  const INVOCATIONS = 15;
  const STORM_MS = 3000;
  await withProxy({ faults: { http503Rate: 0.5, throttleRate: 0.5 } }, async (proxy) => {
    const env = await extensionEnv({ endpoint: proxy.endpoint, streamName: `${STREAM}-storm` });
    const stormEnds = setTimeout(() => proxy.setFaults({}), STORM_MS);
    let result;
    try {
      result = await run({
        invocations: INVOCATIONS,
        logLines: 10,
        env,
        extraArgs: ['--invoke-duration-ms', '100', '--interval-ms', '300'],
      });
    } finally {
      clearTimeout(stormEnds);
    }
    assertExtensionExitedInTime(result, INVOCATIONS);
    assert.equal(result.exitCode, 0, runSummary(result));
    const stats = proxy.stats();
    assert.ok(stats.http503 > 0 && stats.throttle > 0, JSON.stringify(stats));
    assert.ok(stats.throttleByType.ThrottlingException > 0 &&
              stats.throttleByType.ProvisionedThroughputExceededException > 0, JSON.stringify(stats));
    assert.equal(linesWith(result.stderr, 'PutRecords will be retried with backoff').length >= 1, true,
      runSummary(result));
    assert.equal(linesWith(result.stderr, 'Kinesis delivery recovered after').length >= 1, true, runSummary(result));

    const sent = result.events.map((e) => e.raw);
    const records = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName: `${STREAM}-storm` },
      sent.length, READ_BACK_TIMEOUT_MS);
    // Error answers store nothing, so nothing may be duplicated.
    const difference = compareEvents(sent, records.map(eventTextOf));
    assert.deepEqual({ missing: difference.missing.length, duplicates: difference.duplicates.length,
                       extras: difference.extras.length }, { missing: 0, duplicates: 0, extras: 0 },
    describeDifference(difference));
    const summary = shutdownSummary(result.stderr);
    assertAccountingBalances(summary, runSummary(result));
    assert.equal(summary.unsent_at_shutdown, 0);
  });
});

test('no log of these runs shows the secret key, the session token, a signature or an Authorization header', (t) => {
  if (allLogs.length === 0) {
    t.skip('no run completed');
    return;
  }
  const logs = allLogs.join('\n');
  // The runs above went through retries, a permanent error and recoveries: the logs have content.
  assert.ok(logs.includes('[telemetry-kinesis] WARN'), 'the runs logged no warning: the check would be empty');
  for (const secret of [DUMMY_CREDENTIALS.AWS_SECRET_ACCESS_KEY, DUMMY_CREDENTIALS.AWS_SESSION_TOKEN,
    'Signature=', 'Authorization', 'authorization', 'X-Amz-Security-Token', 'x-amz-security-token']) {
    const hits = linesWith(logs, secret);
    assert.equal(hits.length, 0, `"${secret}" appears in the logs:\n${hits.slice(0, 3).join('\n')}`);
  }
});
