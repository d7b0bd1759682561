// Consumers nobody here wrote: the records read back from the stream are turned into the event a
// Kinesis-triggered Lambda function receives and parsed with AWS's Powertools for AWS Lambda
// (TypeScript) parser (@aws-lambda-powertools/parser: its KinesisEnvelope over
// KinesisDataStreamSchema, and CloudWatchLogsDecodeSchema for cloudwatch-logs), in every record
// format. cloudwatch-logs, text and JSON log formats: every record is a DATA_MESSAGE that
// Powertools' CloudWatch Logs schema accepts, every function line and report is there once, and
// each REPORT line matches Lambda's documented format field by field.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { KinesisEnvelope } from '@aws-lambda-powertools/parser/envelopes/kinesis';
import { CloudWatchLogsDecodeSchema } from '@aws-lambda-powertools/parser/schemas/cloudwatch';
import { KinesisDataStreamSchema } from '@aws-lambda-powertools/parser/schemas/kinesis';
import { z } from 'zod';
import { assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { compareEvents, describeDifference } from './support/records.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { readAllRecords } from './support/stream_reader.mjs';
import { runTail } from './support/tail.mjs';
import { assertAccountingBalances, shutdownSummary } from './support/summary.mjs';

const require = createRequire(import.meta.url);
const kinesisAgg = require('aws-kinesis-agg');

const INVOCATIONS = 3;
const LOG_LINES = 12;
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const FUNCTION_NAME = 'consumer-fn';

// The envelope every format but cloudwatch-logs carries, as a consumer would declare it.
const EnvelopeSchema = z.object({
  function: z.string(),
  sandbox: z.string(),
  id: z.string().regex(/^[0-9a-f]{32}$/),
  event: z.object({ time: z.string(), type: z.string(), record: z.unknown() }),
});

const FORMATS = [
  { name: 'event', env: {} },
  { name: 'ndjson', env: { TELEMETRY_KINESIS_RECORD_FORMAT: 'ndjson' } },
  { name: 'ndjson+gzip', env: { TELEMETRY_KINESIS_RECORD_FORMAT: 'ndjson', TELEMETRY_KINESIS_COMPRESSION: 'gzip' } },
  { name: 'kpl', env: { TELEMETRY_KINESIS_RECORD_FORMAT: 'kpl' } },
  { name: 'cloudwatch-logs-text', env: { TELEMETRY_KINESIS_RECORD_FORMAT: 'cloudwatch-logs' } },
  { name: 'cloudwatch-logs-json', env: { TELEMETRY_KINESIS_RECORD_FORMAT: 'cloudwatch-logs' }, args: ['--log-format', 'json'] },
];
const streamOf = (format) => `consumers-${format.name.replace(/\+/g, '-')}`;

let kinesis;

before(async () => {
  kinesis = await startKinesisLocal({ streams: FORMATS.map((f) => ({ name: streamOf(f), shards: 1 })) });
});

after(async () => {
  await kinesis?.stop();
});

/** The event Lambda's Kinesis event source mapping hands a function for `records`. */
function kinesisLambdaEvent(streamName, records) {
  const arn = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${streamName}`;
  return {
    Records: records.map((r) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        data: r.data.toString('base64'),
        approximateArrivalTimestamp: Date.now() / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${r.shardId}:${r.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/consumer-role`,
      awsRegion: REGION,
      eventSourceARN: arn,
    })),
  };
}

async function ship(format) {
  const streamName = streamOf(format);
  const run = await runSandbox({
    invocations: INVOCATIONS,
    logLines: LOG_LINES,
    env: { ...await extensionEnv({ endpoint: kinesis.endpoint, streamName }), ...format.env },
    extraArgs: ['--function-name', FUNCTION_NAME, '--account-id', ACCOUNT, ...(format.args ?? [])],
  });
  assertExtensionExitedInTime(run, INVOCATIONS);
  assert.equal(run.exitCode, 0, runSummary(run));
  assertAccountingBalances(shutdownSummary(run.stderr), runSummary(run));
  const records = await readAllRecords({ endpoint: kinesis.endpoint, streamName });
  return { run, records, event: kinesisLambdaEvent(streamName, records) };
}

/** The event texts a Powertools consumer gets from `event` in a packed or single-event format. */
function envelopeTextsByPowertools(format, event) {
  // The envelope schema: Records, eventSource, ARNs... are Powertools' own.
  assert.equal(KinesisDataStreamSchema.parse(event).Records.length, event.Records.length);
  if (format.name === 'event') {
    // Base64Encoded: the data is decoded and, being one JSON document, parsed.
    return KinesisEnvelope.parse(event, EnvelopeSchema).map((envelope) => JSON.stringify(envelope));
  }
  if (format.name === 'ndjson') {
    // Several lines are not one JSON document: Powertools hands them over as the decoded text;
    // a record of one line is one, so Powertools parses it (a consumer must accept both).
    return KinesisEnvelope.parse(event, z.union([EnvelopeSchema, z.string()])).flatMap((data) => (typeof data === 'string'
      ? data.slice(0, -1).split('\n').map((line) => JSON.stringify(EnvelopeSchema.parse(JSON.parse(line))))
      : [JSON.stringify(data)]));
  }
  if (format.name === 'ndjson+gzip') {
    // Powertools gunzips only what then parses as one JSON document: a consumer of ndjson+gzip
    // takes the raw data (Powertools' schema still checks the record) and gunzips it itself.
    return KinesisDataStreamSchema.extend({}).parse(event).Records.flatMap((record) => {
      const text = gunzipSync(Buffer.from(event.Records.find((r) => r.kinesis.sequenceNumber === record.kinesis.sequenceNumber).kinesis.data, 'base64')).toString('utf8');
      return text.slice(0, -1).split('\n').map((line) => JSON.stringify(EnvelopeSchema.parse(JSON.parse(line))));
    });
  }
  // kpl: Lambda does not de-aggregate KPL records; consumers use the KPL aggregation library.
  return event.Records.flatMap((record) => {
    let users;
    kinesisAgg.deaggregateSync(record.kinesis, true, (err, result) => {
      assert.ifError(err);
      users = result;
    });
    return users.map((user) => JSON.stringify(EnvelopeSchema.parse(JSON.parse(Buffer.from(user.data, 'base64').toString('utf8')))));
  });
}

for (const format of FORMATS.filter((f) => !f.name.startsWith('cloudwatch'))) {
  test(`${format.name}: a Kinesis-triggered function parsing with Powertools gets every event once`, async () => {
    const { run, event } = await ship(format);
    const texts = envelopeTextsByPowertools(format, event);
    // JSON.stringify of the parsed envelope keeps the event's members; compare parsed events.
    const sent = run.events.map((e) => JSON.stringify(JSON.parse(e.raw)));
    const got = texts.map((t) => JSON.stringify(JSON.parse(t).event));
    const difference = compareEvents(sent, got);
    assert.deepEqual([difference.missing.length, difference.duplicates.length, difference.extras.length], [0, 0, 0],
      `${format.name}: ${describeDifference(difference)}`);
  });
}

// Lambda's REPORT line (Lambda Developer Guide, "Lambda function logging in Node.js": the log
// format, and the fields under "Report Log").
const REPORT_LINE = new RegExp('^REPORT RequestId: (?<requestId>[0-9a-f-]{36})\\tDuration: (?<duration>\\d+\\.\\d{2}) ms\\t'
  + 'Billed Duration: (?<billed>\\d+) ms\\tMemory Size: (?<memory>\\d+) MB\\tMax Memory Used: (?<used>\\d+) MB\\t'
  + '(?:Init Duration: (?<init>\\d+\\.\\d{2}) ms\\t)?'
  + '(?:\\nXRAY TraceId: (?<trace>1-[0-9a-f]{8}-[0-9a-f]{24})\\tSegmentId: (?<segment>[0-9a-f]{16})\\tSampled: (?:true|false)\\t)?\\n$');

for (const format of FORMATS.filter((f) => f.name.startsWith('cloudwatch'))) {
  test(`${format.name}: every record is a DATA_MESSAGE Powertools' CloudWatch Logs schema accepts, with every line once`, async () => {
    const { run, records, event } = await ship(format);
    // Kinesis -> Powertools: Base64Encoded gunzips the data and parses it; the CloudWatch Logs
    // schema validates the message.
    const messages = KinesisEnvelope.parse(event, CloudWatchLogsDecodeSchema);
    assert.equal(messages.length, records.length);
    const sent = run.events.map((e) => JSON.parse(e.raw));
    const ids = new Set();
    const lines = [];
    for (const [i, message] of messages.entries()) {
      assert.equal(message.messageType, 'DATA_MESSAGE');
      assert.equal(message.owner, ACCOUNT);
      assert.equal(message.logGroup, `/aws/lambda/${FUNCTION_NAME}`);
      assert.match(message.logStream, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
      assert.equal(records[i].partitionKey, message.logStream, 'the partition key is the log stream');
      assert.deepEqual(message.subscriptionFilters, ['telemetry-kinesis']);
      assert.ok(records[i].data.length + records[i].partitionKey.length <= 25600, 'within the record target');
      for (const logEvent of message.logEvents) {
        assert.match(logEvent.id, /^\d{56}$/);
        assert.ok(!ids.has(logEvent.id), `id ${logEvent.id} twice`);
        ids.add(logEvent.id);
        lines.push(logEvent);
      }
    }

    // Every function line once, as the runtime wrote it.
    const functionLines = sent.filter((e) => e.type === 'function');
    assert.equal(functionLines.length, INVOCATIONS * LOG_LINES);
    const expectedFunction = functionLines.map((e) => (typeof e.record === 'string' ? `${e.record}\n` : JSON.stringify(e.record)));
    const gotFunction = lines.map((l) => l.message).filter((m) => m.includes(' line-'));
    const difference = compareEvents(expectedFunction, gotFunction);
    assert.deepEqual([difference.missing.length, difference.duplicates.length, difference.extras.length], [0, 0, 0],
      describeDifference(difference));
    for (const e of functionLines) {
      const line = lines.find((l) => l.message === (typeof e.record === 'string' ? `${e.record}\n` : JSON.stringify(e.record)));
      assert.equal(line.timestamp, Date.parse(e.time), 'a line keeps its time');
    }

    const reports = sent.filter((e) => e.type === 'platform.report');
    assert.equal(reports.length, INVOCATIONS);
    if (format.name.endsWith('text')) {
      const reportLines = lines.map((l) => l.message).filter((m) => m.startsWith('REPORT '));
      assert.equal(reportLines.length, INVOCATIONS, reportLines.join(''));
      for (const report of reports) {
        const line = reportLines.find((m) => m.includes(report.record.requestId));
        const fields = REPORT_LINE.exec(line ?? '')?.groups;
        assert.ok(fields, `not Lambda's REPORT format: ${JSON.stringify(line)}`);
        const m = report.record.metrics;
        assert.equal(fields.duration, m.durationMs.toFixed(2));
        assert.equal(Number(fields.billed), m.billedDurationMs);
        assert.equal(Number(fields.memory), m.memorySizeMB);
        assert.equal(Number(fields.used), m.maxMemoryUsedMB);
        assert.equal(fields.init, m.initDurationMs === undefined ? undefined : m.initDurationMs.toFixed(2));
        assert.equal(fields.segment, report.record.tracing.spanId);
        assert.equal(`Root=${fields.trace}`, report.record.tracing.value.split(';')[0]);
      }
      for (const start of sent.filter((e) => e.type === 'platform.start')) {
        assert.equal(lines.filter((l) => l.message === `START RequestId: ${start.record.requestId} Version: $LATEST\n`).length, 1);
      }
      for (const done of sent.filter((e) => e.type === 'platform.runtimeDone')) {
        assert.equal(lines.filter((l) => l.message === `END RequestId: ${done.record.requestId}\n`).length, 1);
      }
    } else {
      // JSON log format: Lambda writes its platform events as JSON objects.
      for (const report of reports) {
        const matching = lines.filter((l) => l.message.startsWith('{"time"') && JSON.parse(l.message).type === 'platform.report'
          && JSON.parse(l.message).record.requestId === report.record.requestId);
        assert.equal(matching.length, 1);
        assert.deepEqual(JSON.parse(matching[0].message), report);
      }
    }
    // What has no CloudWatch line was filtered and counted, nothing lost.
    const summary = shutdownSummary(run.stderr);
    assert.equal(summary.delivered + summary.filtered, run.events.length, runSummary(run));
    assert.equal(summary.delivered, lines.length);

    // telemetry-kinesis-tail reads the format: a line per log event, each once.
    const view = await runTail({ endpoint: kinesis.endpoint, streamName: streamOf(format), output: 'lines' });
    assert.equal(view.code, 0, view.stderr);
    assert.equal(view.lines.length, lines.length, view.stderr);
    assert.match(view.stderr, /formats: cloudwatch-logs \d+/);
  });
}
