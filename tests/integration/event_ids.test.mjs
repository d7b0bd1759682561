// Event ids end to end: Lambda re-sends POSTs whose answer it lost (the sandbox's
// --lose-post-answer) and Kinesis stores requests whose answer the network lost (the fault proxy's
// dropAfter), so the stream holds duplicates. Every copy of an event carries the same id, no two
// different events share one, and telemetry-kinesis-tail prints each event once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startFaultProxy } from './support/fault_proxy.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { compareEvents, describeDifference, envelopesOf, eventTextsOf } from './support/records.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { readAllRecords } from './support/stream_reader.mjs';
import { runTail } from './support/tail.mjs';
import { eventTextOfEnvelope } from '../../tools/lib/record_decoder.mjs';

const STREAM = 'event-ids';
const INVOCATIONS = 12;
const LOST_ANSWERS = [2, 5, 9];  // POST numbers (re-sends counted) whose 2xx Lambda does not see

let kinesis;

before(async () => {
  kinesis = await startKinesisLocal({ streams: [{ name: STREAM, shards: 1 }] });
});

after(async () => {
  await kinesis?.stop();
});

/** { id -> Set of event texts } and { event text -> Set of ids } over every event in `records`. */
function idsAndTexts(records) {
  const textsById = new Map();
  const idsByText = new Map();
  for (const record of records) {
    const texts = eventTextsOf(record);
    envelopesOf(record).forEach((envelope, i) => {
      if (!textsById.has(envelope.id)) textsById.set(envelope.id, new Set());
      textsById.get(envelope.id).add(texts[i]);
      if (!idsByText.has(texts[i])) idsByText.set(texts[i], new Set());
      idsByText.get(texts[i]).add(envelope.id);
    });
  }
  return { textsById, idsByText };
}

test('duplicates from re-sent POSTs and lost PutRecords answers share their id; the tail prints each event once', async (t) => {
  const proxy = await startFaultProxy({ target: kinesis.endpoint, seed: 77, deckSlots: 10, faults: { dropAfterRate: 0.2 } });
  try {
    const run = await runSandbox({
      invocations: INVOCATIONS,
      logLines: 15,
      env: await extensionEnv({ endpoint: proxy.endpoint, streamName: STREAM }),
      extraArgs: ['--interval-ms', '50', ...LOST_ANSWERS.flatMap((n) => ['--lose-post-answer', String(n)])],
    });
    assertExtensionExitedInTime(run, INVOCATIONS);
    assert.equal(run.exitCode, 0, runSummary(run));
    assert.equal(run.report.telemetry_answers_lost, LOST_ANSWERS.length, runSummary(run));
    const stats = proxy.stats();
    assert.ok(stats.dropAfter > 0, `the proxy never dropped an answer: ${JSON.stringify(stats)}`);

    const records = await readAllRecords({ endpoint: kinesis.endpoint, streamName: STREAM });
    const sent = run.events.map((e) => e.raw);
    const streamed = records.flatMap(eventTextsOf);
    const difference = compareEvents(sent, streamed);
    assert.equal(difference.missing.length, 0, describeDifference(difference));
    assert.equal(difference.extras.length, 0, describeDifference(difference));
    assert.ok(difference.duplicates.length > 0, `the stream should hold duplicates: ${runSummary(run)}`);

    const { textsById, idsByText } = idsAndTexts(records);
    for (const [text, ids] of idsByText) {
      assert.equal(ids.size, 1, `copies of one event carry different ids ${[...ids]}: ${text.slice(0, 200)}`);
    }
    for (const [id, texts] of textsById) {
      assert.equal(texts.size, 1, `different events share the id ${id}: ${[...texts].map((t) => t.slice(0, 100))}`);
    }
    assert.equal(textsById.size, sent.length, 'one id per event sent');
    t.diagnostic(`${sent.length} events, ${streamed.length} in the stream (${difference.duplicates.length} duplicates); ` +
      `answers lost: ${run.report.telemetry_answers_lost} by the sandbox, ${stats.dropAfter} by the proxy`);

    const once = await runTail({ endpoint: kinesis.endpoint, streamName: STREAM, output: 'json' });
    assert.equal(once.code, 0, once.stderr);
    const printed = compareEvents(sent, once.lines.map(eventTextOfEnvelope));
    assert.deepEqual([printed.missing.length, printed.duplicates.length, printed.extras.length], [0, 0, 0],
      `telemetry-kinesis-tail: ${describeDifference(printed)}`);
    assert.match(once.stderr, new RegExp(`${sent.length} event\\(s\\) .*, ${streamed.length - sent.length} duplicate\\(s\\) skipped`));

    const every = await runTail({ endpoint: kinesis.endpoint, streamName: STREAM, output: 'json', extraArgs: ['--keep-duplicates'] });
    assert.equal(every.code, 0, every.stderr);
    assert.equal(every.lines.length, streamed.length, '--keep-duplicates prints every copy');
  } finally {
    await proxy.close();
  }
});
