// Record formats end to end: for event, ndjson, ndjson+gzip and kpl, every event the sandbox emits is
// recovered from the stream exactly once, by our decoder and by telemetry-kinesis-tail; kpl records are
// also de-aggregated by an independent implementation (npm aws-kinesis-agg); packed formats use far
// fewer records, and the shutdown summary balances in events.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { assertExactlyOnce, assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { compareEvents, describeDifference, envelopesOf, eventTextsOf } from './support/records.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { readAllRecords } from './support/stream_reader.mjs';
import { runTail } from './support/tail.mjs';
import { assertAccountingBalances, shutdownSummary } from './support/summary.mjs';
import { eventTextOfEnvelope } from '../../tools/lib/record_decoder.mjs';

const require = createRequire(import.meta.url);
const kinesisAgg = require('aws-kinesis-agg');

const INVOCATIONS = 4;
const LOG_LINES = 60;
const LOG_LINE_BYTES = 250;

const FORMATS = [
  { name: 'event', stream: 'formats-event', env: {} },
  { name: 'ndjson', stream: 'formats-ndjson', env: { TELEMETRY_KINESIS_RECORD_FORMAT: 'ndjson' } },
  { name: 'ndjson+gzip', stream: 'formats-gzip',
    env: { TELEMETRY_KINESIS_RECORD_FORMAT: 'ndjson', TELEMETRY_KINESIS_COMPRESSION: 'gzip' } },
  { name: 'kpl', stream: 'formats-kpl', env: { TELEMETRY_KINESIS_RECORD_FORMAT: 'kpl' } },
];

let kinesis;

before(async () => {
  kinesis = await startKinesisLocal({ streams: FORMATS.map((f) => ({ name: f.stream, shards: 2 })) });
});

after(async () => {
  await kinesis?.stop();
});

/** Runs the sandbox with the extension writing `format`; returns { run, records, summary }. */
async function shipWith(format) {
  const run = await runSandbox({
    invocations: INVOCATIONS,
    logLines: LOG_LINES,
    env: { ...await extensionEnv({ endpoint: kinesis.endpoint, streamName: format.stream }), ...format.env },
    extraArgs: ['--log-line-bytes', String(LOG_LINE_BYTES)],
  });
  assertExtensionExitedInTime(run, INVOCATIONS);
  assert.equal(run.exitCode, 0, runSummary(run));
  const records = await readAllRecords({ endpoint: kinesis.endpoint, streamName: format.stream });
  const summary = shutdownSummary(run.stderr);
  assertAccountingBalances(summary, runSummary(run));
  assert.equal(summary.unsent_at_shutdown, 0, runSummary(run));
  assert.equal(summary.records_put, records.length, 'records_put counts the Kinesis records delivered');
  assert.equal(summary.delivered, run.events.length, 'delivered counts events, not records');
  return { run, records, summary };
}

/** telemetry-kinesis-tail over the whole stream of `streamName`. */
const tail = (streamName, output) => runTail({ endpoint: kinesis.endpoint, streamName, output });

/** Every event is recovered by telemetry-kinesis-tail --output json, and its one-line view has a line per event. */
async function assertTailRecoversEverything(format, sent) {
  const json = await tail(format.stream, 'json');
  assert.equal(json.code, 0, json.stderr);
  const difference = compareEvents(sent, json.lines.map(eventTextOfEnvelope));
  assert.deepEqual([difference.missing.length, difference.duplicates.length, difference.extras.length], [0, 0, 0],
    `telemetry-kinesis-tail (${format.name}): ${describeDifference(difference)}`);
  assert.match(json.stderr, new RegExp(`${sent.length} event\\(s\\) from \\d+ record\\(s\\) \\(formats: ${format.name.replace('+', '\\+')} `));

  const view = await tail(format.stream, 'lines');
  assert.equal(view.code, 0, view.stderr);
  assert.equal(view.lines.length, sent.length);
  const report = view.lines.find((l) => l.includes('platform.report'));
  assert.match(report ?? '', /duration=[\d.]+ms billed=\d+ms memory=\d+\/128MB/, 'the report line shows its metrics');
  const log = view.lines.find((l) => l.includes(' function '));
  assert.match(log ?? '', /inv-0001 line-0001 id=/, 'a function line shows its message');
}

for (const format of FORMATS) {
  test(`${format.name}: every event emitted by the sandbox is recovered from the stream exactly once`, async () => {
    const { run, records, summary } = await shipWith(format);
    const sent = run.events.map((e) => e.raw);
    assert.ok(sent.length >= INVOCATIONS * LOG_LINES, runSummary(run));
    assertExactlyOnce(sent, records, ` (${format.name})`);

    const ids = new Set();
    for (const record of records) {
      const envelopes = envelopesOf(record);
      // Every event of a record carries the sandbox that is the record's partition key, and an id
      // of its own.
      for (const envelope of envelopes) {
        assert.equal(envelope.sandbox, record.partitionKey);
        assert.match(envelope.id, /^[0-9a-f]{32}$/, `${format.name}: every envelope has an event id`);
        assert.ok(!ids.has(envelope.id), `${format.name}: two events share the id ${envelope.id}`);
        ids.add(envelope.id);
      }
      if (format.name === 'ndjson+gzip') assert.deepEqual([...record.data.subarray(0, 2)], [0x1f, 0x8b]);
      if (format.name === 'kpl') assert.deepEqual([...record.data.subarray(0, 4)], [0xf3, 0x89, 0x9a, 0xc2]);
      assert.ok(record.data.length + record.partitionKey.length <= 25 * 1024 || envelopes.length === 1,
        `${format.name}: a packed record over the 25 KiB target: ${record.data.length} bytes`);
    }
    if (format.name === 'event') {
      assert.equal(records.length, sent.length);
    } else {
      // A few records per POST (Lambda batches them by its buffering), never one per event.
      assert.ok(records.length * 5 <= sent.length, `${format.name}: ${records.length} records for ${sent.length} events`);
      assert.ok(summary.put_payload_units * 5 <= sent.length, `${format.name}: ${summary.put_payload_units} units`);
    }

    if (format.name === 'kpl') {
      // An implementation we did not write: aws-kinesis-agg's de-aggregation with checksums on.
      const independent = records.flatMap((record) => {
        let users;
        kinesisAgg.deaggregateSync({ partitionKey: record.partitionKey, data: record.data.toString('base64'),
          sequenceNumber: record.sequenceNumber, approximateArrivalTimestamp: 0 }, true, (err, result) => {
          assert.ifError(err);
          users = result;
        });
        assert.ok(users && users.length > 1, 'aws-kinesis-agg sees an aggregate of several user records');
        for (const user of users) assert.equal(user.partitionKey, record.partitionKey);
        return users.map((user) => eventTextOfEnvelope(Buffer.from(user.data, 'base64').toString('utf8')));
      });
      const difference = compareEvents(sent, independent);
      assert.deepEqual([difference.missing.length, difference.duplicates.length, difference.extras.length], [0, 0, 0],
        `aws-kinesis-agg: ${describeDifference(difference)}`);
    }

    await assertTailRecoversEverything(format, sent);
    // The decoder the tests use agrees with the record count the extension reports.
    assert.equal(records.flatMap(eventTextsOf).length, summary.delivered);
  });
}
