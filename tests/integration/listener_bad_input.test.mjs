// Bad input on the telemetry listener while a real invocation runs: each kind gets its status code
// and a log line, the extension keeps serving, and every event accepted before, between and after
// the bad POSTs reaches the stream exactly once. Bodies with nothing usable get 400; others are
// salvaged (their complete events are taken, an event cut at the end ships as a fragment event),
// and an event larger than a record ships as fragment events that rebuild it byte for byte.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { assertExactlyOnce, assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { waitForListener, postTelemetry } from './support/listener_client.mjs';
import { freePort } from './support/ports.mjs';
import { arrayElementTexts, eventTextsOf } from './support/records.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { waitForRecordCount } from './support/stream_reader.mjs';
import { linesWith, shutdownSummary } from './support/summary.mjs';

const STREAM = 'telemetry-bad-input';
// Subscription maxBytes of 1 MiB (the largest Lambda allows), so a single event over Kinesis's
// 1 MiB record limit fits in a POST; the listener's body cap is the Telemetry API's largest
// documented payload, 2 * maxBytes + metadataBytes (64 KiB allowed for the metadata).
const BUFFER_MAX_BYTES = 1024 * 1024;
const BODY_CAP_BYTES = 2 * BUFFER_MAX_BYTES + 64 * 1024;
// One long invocation: every POST below reaches a running (not frozen) extension.
const INVOKE_DURATION_MS = 10000;
const LISTENER_WAIT_MS = 10000;
const POST_TIMEOUT_MS = 10000;
// The listener closes a connection silent for 1 s (kListenerReadTimeout); allow for a loaded machine.
const STALLED_CLOSE_WITHIN_MS = 5000;
// Other clients are served while one stalls: well under the listener's read timeout.
const SERVED_DESPITE_STALL_MS = 900;
const CONCURRENT_POSTS = 50;

let kinesis;

before(async () => {
  kinesis = await startKinesisLocal({ streams: [{ name: STREAM, shards: 2 }] });
});

after(async () => {
  await kinesis?.stop();
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));


/** A batch of `count` function log events, each unique, as a JSON array text. */
function batch(label, count, recordBytes = 0) {
  const events = [];
  for (let i = 0; i < count; i += 1) {
    const record = `${label}-${i} ${randomUUID()}`;
    events.push({ time: new Date().toISOString(), type: 'function', record: record.padEnd(recordBytes, '.') });
  }
  return JSON.stringify(events);
}

/** A batch of three function events whose JSON text is exactly `totalBytes` long. */
function batchOfSize(label, totalBytes) {
  const events = JSON.parse(batch(label, 3, Math.floor(totalBytes / 3) - 200));
  const short = totalBytes - JSON.stringify(events).length;
  events[2].record += '.'.repeat(short);
  const text = JSON.stringify(events);
  assert.equal(Buffer.byteLength(text), totalBytes);
  return text;
}

/** Opens a connection, sends part of a request head, and resolves once the server closes it. */
function stallConnection(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Le');
    });
    const opened = Date.now();
    socket.on('data', () => {});
    socket.once('error', () => {});  // a reset is a close too
    socket.once('close', () => resolve(Date.now() - opened));
    setTimeout(() => { socket.destroy(); reject(new Error('the listener never closed a stalled connection')); },
      STALLED_CLOSE_WITHIN_MS + 2000);
  });
}

/** Sends a head announcing `announced` bytes, then only part of them, then closes: a cut-off transfer. */
function cutOffTransfer(port, announced, sent) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${announced}\r\n\r\n`);
      socket.end(sent);
    });
    socket.on('data', () => {});
    socket.once('error', () => resolve());
    socket.once('close', () => resolve());
  });
}

test('answers each kind of bad input correctly, keeps serving, and loses nothing it accepted', async () => {
  const listenerPort = await freePort();
  const env = {
    ...await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAM, listenerPort }),
    TELEMETRY_KINESIS_BUFFER_MAX_BYTES: String(BUFFER_MAX_BYTES),
  };
  const running = runSandbox({
    invocations: 1,
    logLines: 3,
    env,
    extraArgs: ['--invoke-duration-ms', String(INVOKE_DURATION_MS), '--function-timeout-ms', '30000'],
  });

  const accepted = [];  // bodies answered 200: every element must be in the stream
  let truncatedHead = '';
  let hugeBody = '[]';  // the cut event of the truncated body: shipped as a fragment event
  const statuses = {};
  let stalledClosedAfterMs;
  let servedDuringStallMs;
  let postError;
  const expectStatus = async (name, body, wanted) => {
    statuses[name] = await postTelemetry(listenerPort, body, POST_TIMEOUT_MS);
    if (statuses[name] === 200) accepted.push(body);
    return wanted;
  };
  const wanted = {};
  try {
    await waitForListener(listenerPort, LISTENER_WAIT_MS);
    wanted.before = await expectStatus('before', batch('before', 5), 200);

    wanted.malformed = await expectStatus('malformed', '[{"type":"function","record":}]', 400);
    // A lone object: Lambda's continuation of a split event has this shape; taken as an event.
    const lone = '{"type":"function","record":"not in an array"}';
    statuses.object = await postTelemetry(listenerPort, lone, POST_TIMEOUT_MS);
    wanted.object = 200;
    accepted.push(`[${lone}]`);
    wanted.numbers = await expectStatus('numbers', '[1,2,3]', 400);
    wanted.nested = await expectStatus('nested', `[${batch('nested', 2)}]`, 400);
    // Cut in its third event: the first two are taken, the cut head waits for a continuation
    // that never comes, and ships as a fragment event.
    const whole = batch('truncated', 4);
    const cut = whole.slice(0, whole.indexOf('truncated-2') + 5);  // inside the third record
    statuses.truncated = await postTelemetry(listenerPort, cut, POST_TIMEOUT_MS);
    wanted.truncated = 200;
    const complete = arrayElementTexts(whole).filter((text) => cut.includes(text));
    accepted.push(`[${complete.join(',')}]`);
    truncatedHead = cut.slice(cut.lastIndexOf('{"time"'));
    wanted.invalidUtf8 = await expectStatus('invalidUtf8',
      Buffer.concat([Buffer.from('[{"type":"function","record":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}]')]),
      400);
    wanted.atCap = await expectStatus('atCap', batchOfSize('at-cap', BODY_CAP_BYTES), 200);
    wanted.overCap = await expectStatus('overCap', batch('over-cap', 1, BODY_CAP_BYTES + 1024), 413);
    await cutOffTransfer(listenerPort, 4096, '[{"type":"function","record":"cut off');

    // A single event over Kinesis's 1 MiB record limit between two small ones: 200, the big one
    // ships as fragment events, the others whole.
    const small = JSON.parse(batch('around-huge', 2));
    const huge = { time: new Date().toISOString(), type: 'function', record: 'x'.repeat(1024 * 1024 + 100) };
    hugeBody = JSON.stringify([small[0], huge, small[1]]);
    statuses.hugeLine = await postTelemetry(listenerPort, hugeBody, POST_TIMEOUT_MS);
    wanted.hugeLine = 200;
    accepted.push(JSON.stringify(small));

    // A client stalls mid-request: others are served meanwhile, and the listener cuts it off.
    const stalled = stallConnection(listenerPort);
    await sleep(100);
    const servedStart = Date.now();
    wanted.duringStall = await expectStatus('duringStall', batch('during-stall', 3), 200);
    servedDuringStallMs = Date.now() - servedStart;
    stalledClosedAfterMs = await stalled;

    const concurrent = Array.from({ length: CONCURRENT_POSTS }, (_, i) => batch(`concurrent-${i}`, 2));
    const concurrentStatuses = await Promise.all(concurrent.map((body) => postTelemetry(listenerPort, body, POST_TIMEOUT_MS)));
    statuses.concurrent = concurrentStatuses.every((s) => s === 200) ? 200 : concurrentStatuses.join(',');
    wanted.concurrent = 200;
    concurrentStatuses.forEach((status, i) => { if (status === 200) accepted.push(concurrent[i]); });

    wanted.after = await expectStatus('after', batch('after', 5), 200);
  } catch (err) {
    postError = err;  // still wait for the sandbox, so that it is not left running
  }
  const run = await running;
  assert.ifError(postError);
  assert.deepEqual(statuses, wanted, runSummary(run));
  assert.ok(servedDuringStallMs < SERVED_DESPITE_STALL_MS,
    `a POST took ${servedDuringStallMs} ms while another client stalled`);
  assert.ok(stalledClosedAfterMs < STALLED_CLOSE_WITHIN_MS, `stalled connection closed after ${stalledClosedAfterMs} ms`);

  assertExtensionExitedInTime(run, 1);
  assert.equal(run.exitCode, 0, runSummary(run));
  // A log line for each kind, once (every log line comes back as telemetry).
  assert.equal(linesWith(run.stderr, 'rejected a malformed telemetry batch').length, 1, runSummary(run));
  assert.equal(linesWith(run.stderr, 'refused a telemetry POST with 413').length, 1, runSummary(run));
  assert.equal(linesWith(run.stderr, 'is larger than a Kinesis record').length, 1, runSummary(run));
  const summary = shutdownSummary(run.stderr);
  assert.equal(summary.dropped_too_large, 0, JSON.stringify(summary));
  assert.equal(summary.events_truncated, 2, JSON.stringify(summary));  // the huge one, the cut head
  assert.equal(summary.batches_rejected_malformed, 4, JSON.stringify(summary));

  const expected = [...run.events.map((e) => e.raw), ...accepted.flatMap((body) => arrayElementTexts(body))];
  const records = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName: STREAM }, expected.length + 4,
    20000);
  const fragmentOf = (record) => {
    const event = JSON.parse(eventTextsOf(record)[0]);
    return event.type === 'telemetry-kinesis.fragment' ? event.record : null;
  };
  const fragments = records.map(fragmentOf).filter(Boolean);
  // The huge event rebuilt from its pieces, byte for byte; the cut head as one fragment.
  const pieces = fragments.filter((f) => f.eventBytes !== undefined).sort((a, b) => a.offset - b.offset);
  const hugeText = JSON.parse(hugeBody)[1];
  assert.deepEqual(JSON.parse(pieces.map((f) => f.fragment).join('')), hugeText);
  assert.deepEqual(fragments.filter((f) => f.eventBytes === undefined).map((f) => f.fragment), [truncatedHead]);
  assertExactlyOnce(expected, records.filter((record) => fragmentOf(record) === null));
});
