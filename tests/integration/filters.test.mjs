// Filters end to end: with TELEMETRY_KINESIS_PLATFORM_EVENTS, _MIN_LOG_LEVEL and _DROP_PATTERN set,
// the excluded events are not in the stream, every other event is (exactly once), and the excluded
// ones are counted as `filtered` in the shutdown summary (which still balances) and in the EMF line.
//
// The sandbox's own log lines carry no level, so during the first invocation the test also POSTs
// a batch of leveled log events (JSON and text formats) to the extension's telemetry listener, the
// way Lambda's Telemetry API does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { freePort } from './support/ports.mjs';
import { compareEvents, describeDifference, eventTextsOf } from './support/records.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { readAllRecords } from './support/stream_reader.mjs';
import { assertAccountingBalances, shutdownSummary } from './support/summary.mjs';

const INVOCATIONS = 3;
const LOG_LINES = 10;
const KEPT_PLATFORM_EVENTS = ['platform.start', 'platform.report'];
const FILTERS = {
  TELEMETRY_KINESIS_PLATFORM_EVENTS: KEPT_PLATFORM_EVENTS.join(','),
  TELEMETRY_KINESIS_MIN_LOG_LEVEL: 'warn',
  TELEMETRY_KINESIS_DROP_PATTERN: 'GET /health|synthetic-drop',
  TELEMETRY_KINESIS_METRICS: 'emf',
};

let kinesis;

before(async () => {
  kinesis = await startKinesisLocal({ streams: [{ name: 'filters-event', shards: 1 }, { name: 'filters-kpl', shards: 1 }] });
});

after(async () => {
  await kinesis?.stop();
});

const time = '2024-05-01T12:00:00.000Z';
const jsonLog = (type, level, message) =>
  JSON.stringify({ time, type, record: { timestamp: time, level, requestId: 'req-crafted', message } });
const textLog = (type, line) => JSON.stringify({ time, type, record: line });

/** Leveled events with what the filters must do with each. */
function craftedEvents() {
  return [
    { keep: false, raw: jsonLog('function', 'DEBUG', 'crafted-1 cache warmed') },
    { keep: true, raw: jsonLog('function', 'ERROR', 'crafted-2 payment declined') },
    { keep: false, raw: textLog('function', '[INFO] crafted-3 started') },
    { keep: true, raw: textLog('function', 'WARN crafted-4 slow upstream') },
    { keep: false, raw: textLog('function', 'ERROR GET /health crafted-5 (drop pattern)') },
    { keep: false, raw: textLog('extension', '[DEBUG]\tcrafted-6 polling') },
    { keep: true, raw: jsonLog('extension', 'WARN', 'crafted-7 retrying') },
    { keep: true, raw: textLog('function', '2024-05-01T12:00:00.000Z\treq\tFATAL\tcrafted-8 out of memory') },
    { keep: false, raw: textLog('function', 'FATAL crafted-9 synthetic-drop') },
    { keep: true, raw: textLog('function', 'crafted-10 no level at all') },
    { keep: false, raw: JSON.stringify({ time, type: 'platform.logsDropped', record: { reason: 'crafted-11', droppedRecords: 1, droppedBytes: 9 } }) },
  ];
}

async function runWithFilters(streamName, extraEnv) {
  const listenerPort = await freePort();
  const crafted = craftedEvents();
  let posted;
  const run = await runSandbox({
    invocations: INVOCATIONS,
    logLines: LOG_LINES,
    env: { ...await extensionEnv({ endpoint: kinesis.endpoint, streamName, listenerPort }), ...FILTERS, ...extraEnv },
    onProgress: (step) => {
      if (step.event === 'invoke' && step.invocation === 1) {
        posted = fetch(`http://127.0.0.1:${listenerPort}/`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: `[${crafted.map((e) => e.raw).join(',')}]`,
        }).then((response) => response.status);
      }
    },
  });
  assertExtensionExitedInTime(run, INVOCATIONS);
  assert.equal(run.exitCode, 0, runSummary(run));
  assert.equal(await posted, 200, 'the crafted batch was accepted');
  const records = await readAllRecords({ endpoint: kinesis.endpoint, streamName });
  return { run, crafted, records, streamTexts: records.flatMap(eventTextsOf) };
}

async function checkFiltered(streamName, extraEnv) {
  const { run, crafted, records, streamTexts } = await runWithFilters(streamName, extraEnv);
  const sent = [...run.events.map((e) => e.raw), ...crafted.map((e) => e.raw)];
  const inStream = new Set(streamTexts);

  // Nothing in the stream that was not sent, nothing twice.
  const difference = compareEvents(sent, streamTexts);
  assert.deepEqual([difference.duplicates.length, difference.extras.length], [0, 0], describeDifference(difference));

  // Excluded events are not in the stream; the others are.
  for (const { keep, raw } of crafted) {
    assert.equal(inStream.has(raw), keep, `${keep ? 'missing' : 'not filtered'}: ${raw}`);
  }
  for (const { raw, json } of run.events) {
    if (json.type.startsWith('platform.')) {
      assert.equal(inStream.has(raw), KEPT_PLATFORM_EVENTS.includes(json.type), `${json.type}: ${raw}`);
    } else if (json.type === 'function') {
      assert.ok(inStream.has(raw), `a sandbox log line (no level) was filtered: ${raw}`);
    }
  }
  const reports = streamTexts.filter((t) => JSON.parse(t).type === 'platform.report');
  assert.equal(reports.length, INVOCATIONS, 'every platform.report is shipped');

  // Every event not in the stream is counted as filtered, and the accounting balances.
  const summary = shutdownSummary(run.stderr);
  assertAccountingBalances(summary, runSummary(run));
  assert.equal(summary.received, sent.length);
  assert.equal(summary.filtered, sent.length - streamTexts.length, runSummary(run));
  assert.ok(summary.filtered >= crafted.filter((e) => !e.keep).length);
  assert.equal(summary.delivered, streamTexts.length);
  assert.equal(summary.records_put, records.length);
  const emf = run.stderr.split('\n').filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l));
  assert.ok(emf.length >= 1, 'an EMF line at shutdown');
  assert.equal(emf.reduce((sum, line) => sum + line.EventsFiltered, 0), summary.filtered);
  assert.match(run.stderr, /filters: platform events platform\.start,platform\.report, log level >= warn, 2 drop text\(s\)/);
  return { summary, records };
}

test('filtered events are not in the stream and are counted as filtered (one record per event)', async () => {
  await checkFiltered('filters-event', {});
});

test('filters and kpl aggregation together: the accounting counts events, not records', async () => {
  const { summary, records } = await checkFiltered('filters-kpl', { TELEMETRY_KINESIS_RECORD_FORMAT: 'kpl' });
  assert.ok(records.length < summary.delivered, `${records.length} records for ${summary.delivered} events`);
});
