// End to end: every telemetry event of a 50-invocation sandbox run lands in kinesis-local exactly once
// (PutRecords in CBOR, the default), and with TELEMETRY_KINESIS_PROTOCOL=json too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertExactlyOnce, assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { envelopeOf, eventTextOf } from './support/records.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { readAllRecords, waitForRecordCount } from './support/stream_reader.mjs';

const STREAM = 'telemetry-e2e';
const JSON_STREAM = 'telemetry-e2e-json';
const INVOCATIONS = 50;
const LOG_LINES = 20;
// The extension has drained before it exits, so records should be readable at once; allow a little.
const READ_BACK_TIMEOUT_MS = 15000;

let kinesis;
let firstRun;
let firstRecords;

before(async () => {
  kinesis = await startKinesisLocal({ streams: [{ name: STREAM, shards: 2 }, { name: JSON_STREAM, shards: 1 }] });
});

after(async () => {
  await kinesis?.stop();
});

test('ships every event of 50 invocations to the stream exactly once and exits before the deadline', async () => {
  firstRun = await runSandbox({
    invocations: INVOCATIONS,
    logLines: LOG_LINES,
    env: await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAM }),
  });
  assertExtensionExitedInTime(firstRun, INVOCATIONS);
  assert.equal(firstRun.exitCode, 0, runSummary(firstRun));
  // One Subscribe, during Init, and no request refused: Lambda closes subscription when Init ends
  // (the sandbox refuses a later one with 403 Telemetry.SubscriptionClosed, as RIE does).
  assert.equal(firstRun.report.subscribe_calls, 1, runSummary(firstRun));
  assert.equal(firstRun.report.rejected_requests_total, 0, runSummary(firstRun));

  const sent = firstRun.events;
  assert.ok(sent.length >= INVOCATIONS * LOG_LINES,
    `the sandbox sent only ${sent.length} events\n${runSummary(firstRun)}`);
  firstRecords = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName: STREAM }, sent.length,
    READ_BACK_TIMEOUT_MS);
  assertExactlyOnce(sent.map((e) => e.raw), firstRecords);

  // The last invocation's platform.report reaches the extension only after its last /next: it must
  // have been shipped during SHUTDOWN.
  const lastStart = sent.filter((e) => e.json.type === 'platform.start').at(-1);
  assert.ok(lastStart, 'the sandbox sent no platform.start');
  const lastReport = sent.find((e) => e.json.type === 'platform.report' &&
                                      e.json.record?.requestId === lastStart.json.record.requestId);
  assert.ok(lastReport, `no platform.report for the last request ${lastStart.json.record.requestId}`);
  assert.equal(firstRecords.filter((r) => eventTextOf(r) === lastReport.raw).length, 1,
    'the last invocation\'s platform.report is not in the stream exactly once');

  // Each record's data is the envelope followed by the event, and parses as JSON as a whole.
  for (const record of firstRecords.slice(0, 50)) {
    const envelope = envelopeOf(record);
    assert.equal(envelope.region, 'us-east-1');
    assert.match(envelope.extension, /^telemetry-kinesis\//);
    assert.equal(typeof envelope.sandbox, 'string');
  }
});

test('partition keys differ between two sandboxes shipping to the same stream', async (t) => {
  if (!firstRecords) {
    t.skip('the first run did not get as far as reading the stream');
    return;
  }
  const secondRun = await runSandbox({
    invocations: 2,
    logLines: 3,
    env: await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAM }),
  });
  assertExtensionExitedInTime(secondRun, 2);

  const all = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName: STREAM },
    firstRecords.length + secondRun.events.length, READ_BACK_TIMEOUT_MS);
  const firstSequenceNumbers = new Set(firstRecords.map((r) => r.sequenceNumber));
  const secondRecords = all.filter((r) => !firstSequenceNumbers.has(r.sequenceNumber));
  assertExactlyOnce(secondRun.events.map((e) => e.raw), secondRecords, ' (second sandbox)');

  const firstKeys = new Set(firstRecords.map((r) => r.partitionKey));
  const secondKeys = new Set(secondRecords.map((r) => r.partitionKey));
  assert.ok(new Set([...firstKeys, ...secondKeys]).size > 1, `one partition key for everything: ${[...firstKeys]}`);
  assert.notDeepEqual(secondKeys, firstKeys, 'both sandboxes used the same partition keys');
  const sandboxIds = new Set(all.map((r) => envelopeOf(r).sandbox));
  assert.equal(sandboxIds.size, 2, `expected two sandbox ids in the envelopes, got ${[...sandboxIds]}`);

  // Nothing arrives late: a final read finds exactly what we compared.
  const final = await readAllRecords({ endpoint: kinesis.endpoint, streamName: STREAM });
  assert.equal(final.length, all.length);
});

test('ships every event exactly once with TELEMETRY_KINESIS_PROTOCOL=json (base64 in AWS JSON 1.1)', async () => {
  const run = await runSandbox({
    invocations: 5,
    logLines: 10,
    env: { ...await extensionEnv({ endpoint: kinesis.endpoint, streamName: JSON_STREAM }),
      TELEMETRY_KINESIS_PROTOCOL: 'json' },
  });
  assertExtensionExitedInTime(run, 5);
  assert.equal(run.exitCode, 0, runSummary(run));
  assert.match(run.stderr, /via http:\/\/127\.0\.0\.1:\d+ \(AWS_ENDPOINT_URL_KINESIS; json\)/, 'the start-up line names the protocol');
  const records = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName: JSON_STREAM },
    run.events.length, READ_BACK_TIMEOUT_MS);
  assertExactlyOnce(run.events.map((e) => e.raw), records, ' (json)');
});
