// The sandbox's own behaviour at the extension's intake (not the extension's): events larger than
// maxBytes cut across two POSTs (with and without the continuation's "["), the largest body the
// Telemetry API documents, damaged POSTs, slow local clients at the listener, re-sent POSTs and
// SIGTERM at shutdown. A tiny fake extension records every raw POST body and connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runSandbox } from './support/sandbox.mjs';

const MAX_BYTES = 262144;

// Registers, subscribes with a listener of its own (a raw TCP HTTP/1.1 reader, so it sees the
// bytes of clients that never finish their headers), loops on /next until SHUTDOWN, writes what
// it saw to FAKE_OUT. FAKE_MI: Managed Instances (SHUTDOWN only, schema 2025-01-29);
// FAKE_STALL_FIRST_MS: leave the first POST unanswered that long; FAKE_WAIT_SIGTERM: after
// SHUTDOWN, stay until SIGTERM comes (bounded); FAKE_SUBSCRIBE_AFTER_INIT: at the first INVOKE,
// subscribe again with other types and buffering, and record the answer.
const FAKE_EXTENSION = `
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const out = process.env.FAKE_OUT;
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API;
const mi = process.env.FAKE_MI === '1';
const stallFirstMs = Number(process.env.FAKE_STALL_FIRST_MS ?? 0);
const seen = { connections: [], posts: 0, sigtermAtMs: null, shutdownAtMs: null, lateSubscribe: null };
let lastPostAt = Date.now();
process.on('SIGTERM', () => { seen.sigtermAtMs = Date.now(); });
const server = net.createServer((sock) => {
  const conn = { openedAtMs: Date.now(), closedAtMs: null, bytes: 0, head: '', requests: 0 };
  seen.connections.push(conn);
  let buf = Buffer.alloc(0);
  sock.on('error', () => {});
  sock.on('close', () => { conn.closedAtMs = Date.now(); });
  sock.on('data', (data) => {
    conn.bytes += data.length;
    conn.head = (conn.head + data.toString('latin1', 0, 64)).slice(0, 64);
    buf = Buffer.concat([buf, data]);
    const end = buf.indexOf('\\r\\n\\r\\n');
    if (end < 0) return;
    const length = Number(/content-length:\\s*(\\d+)/i.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
    if (buf.length < end + 4 + length) return;
    conn.requests += 1;
    seen.posts += 1;
    lastPostAt = Date.now();
    fs.writeFileSync(path.join(out, 'post-' + String(seen.posts).padStart(4, '0')), buf.subarray(end + 4, end + 4 + length));
    buf = buf.subarray(end + 4 + length);
    const answer = () => sock.end('HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nOK');
    if (seen.posts === 1 && stallFirstMs > 0) setTimeout(() => sock.destroy(), stallFirstMs);
    else answer();
  });
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
(async () => {
  const reg = await fetch(api + '/2020-01-01/extension/register', { method: 'POST',
    headers: { 'Lambda-Extension-Name': path.basename(process.argv[1]) },
    body: JSON.stringify({ events: mi ? ['SHUTDOWN'] : ['INVOKE', 'SHUTDOWN'] }) });
  const id = reg.headers.get('lambda-extension-identifier');
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const subscribe = (types, timeoutMs) => fetch(api + '/2022-07-01/telemetry', { method: 'PUT',
    headers: { 'Lambda-Extension-Identifier': id, 'Content-Type': 'application/json' },
    body: JSON.stringify({ schemaVersion: mi ? '2025-01-29' : '2022-12-13', types,
      buffering: { maxItems: 1000, maxBytes: ${MAX_BYTES}, timeoutMs },
      destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:' + server.address().port + '/telemetry' } }) });
  const sub = await subscribe(['platform', 'function'], 25);
  if (sub.status !== 200) throw new Error('subscribe: ' + sub.status + ' ' + await sub.text());
  for (let i = 0; i < 1000; i += 1) {
    const event = await (await fetch(api + '/2020-01-01/extension/event/next', { headers: { 'Lambda-Extension-Identifier': id } })).json();
    if (event.eventType === 'INVOKE' && process.env.FAKE_SUBSCRIBE_AFTER_INIT && !seen.lateSubscribe) {
      const late = await subscribe(['platform'], 1000);
      seen.lateSubscribe = { status: late.status, body: await late.text() };
    }
    if (event.eventType !== 'SHUTDOWN') continue;
    seen.shutdownAtMs = Date.now();
    // Stay for 300 ms of quiet (the last POSTs come now), for FAKE_WAIT_SIGTERM's SIGTERM, and
    // until clients that never sent a whole request have closed (bounded: 1.5 s).
    const busy = () => Date.now() - Math.max(lastPostAt, seen.shutdownAtMs) < 300 || (process.env.FAKE_WAIT_SIGTERM && !seen.sigtermAtMs)
      || seen.connections.some((c) => c.requests === 0 && c.closedAtMs === null);
    for (let w = 0; w < 30 && busy(); w += 1) await sleep(50);
    fs.writeFileSync(path.join(out, 'seen.json'), JSON.stringify(seen));
    process.exit(0);
  }
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** Runs the sandbox with the fake extension; resolves to the run plus the bodies the listener got. */
async function runFake({ invocations = 1, logLines = 4, fakeEnv = {}, args = [] }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-intake-'));
  try {
    const extension = path.join(dir, 'fake-intake-ext');
    writeFileSync(extension, `#!${process.execPath}\n${FAKE_EXTENSION}`);
    chmodSync(extension, 0o755);
    const run = await runSandbox({ invocations, logLines, extension, timeoutMs: 30000,
      env: { FAKE_OUT: dir, ...fakeEnv }, extraArgs: ['--no-log-passthrough', ...args] });
    assert.equal(run.exitCode, 0, `sandbox failed: ${run.stderr}\n${run.stdout}`);
    const bodies = readdirSync(dir).filter((f) => f.startsWith('post-')).sort()
      .map((f) => readFileSync(path.join(dir, f)));
    return { ...run, bodies, seen: JSON.parse(readFileSync(path.join(dir, 'seen.json'), 'utf8')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isJson = (buffer) => {
  try { JSON.parse(buffer.toString('utf8')); return true; } catch { return false; }
};

/** Checks that the bodies of one split event hold it as described in the report's split record. */
function checkSplit(run, split) {
  const event = run.postedEvents[split.event - 1].raw;  // --events-out lists it whole, once
  assert.equal(Buffer.byteLength(event), split.event_bytes);
  assert.equal(run.events.filter((e) => e.raw === event).length, 1);
  const envelope = event.slice(0, split.envelope_bytes);
  assert.match(envelope, /^\{"time":"[^"]+","type":"function","record":"$/);
  assert.equal(split.posts.length, split.cuts.length + 1);
  split.posts.forEach((post, i) => {
    const body = run.bodies[post - 1].toString('latin1');
    const from = i === 0 ? 0 : split.cuts[i - 1];
    const to = i < split.cuts.length ? split.cuts[i] : event.length;
    if (i < split.cuts.length) {
      // Cut mid-value: the body ends inside the record string, at maxBytes exactly.
      assert.ok(to > split.envelope_bytes && to < event.length - 2, `cut ${to} inside the value`);
      assert.equal(body.length, MAX_BYTES, `body ${post} filled to maxBytes`);
      assert.ok(body.endsWith(i === 0 ? event.slice(0, to) : event.slice(from, to)), `body ${post} ends with the piece`);
      assert.equal(isJson(run.bodies[post - 1]), false);
    }
    if (i > 0) {
      // A continuation: (maybe "[") + the envelope repeated + the value from the cut.
      const bracket = split.continuation_brackets[i - 1];
      const expected = (bracket ? '[' : '') + envelope + event.slice(from, to);
      assert.ok(body.startsWith(expected), `body ${post} continues the event (bracket ${bracket})`);
      if (i === split.cuts.length) {
        // Then the following events (the next may be cut in turn), and "]".
        const after = body.slice(expected.length);
        assert.ok(after === ']' || after.startsWith(','), `body ${post} goes on after the piece`);
        if (body.endsWith(']')) {
          assert.equal(isJson(run.bodies[post - 1]), bracket, 'with "[" it parses, without it does not');
        }
      }
    }
  });
}

test('events over maxBytes are cut across POSTs, both continuation forms; damage and SIGTERM after SHUTDOWN', async () => {
  const run = await runFake({
    args: ['--big-log-lines', '102400,409600,409600,1572864', '--split-continuation-bracket', 'alternate',
      '--damage-post', '1:500', '--sigterm-at-shutdown', 'yes', '--sigterm-after-shutdown-ms', '150'],
    fakeEnv: { FAKE_WAIT_SIGTERM: '1' },
  });
  const { report } = run;
  assert.equal(report.telemetry_posts, run.bodies.length, 'one listener body per POST');
  // 100 KB fits a body; each 400 KB line goes in two POSTs; the 1.5 MB one in seven.
  // (A line's first piece fills what room the body has left, so a 400 KB line may take three.)
  assert.equal(report.telemetry_events_split, 3);
  const pieces = report.telemetry_splits.map((s) => s.posts.length);
  assert.ok(pieces[0] >= 2 && pieces[1] >= 2 && pieces[2] >= 7, JSON.stringify(pieces));
  const brackets = report.telemetry_splits.flatMap((s) => s.continuation_brackets);
  assert.deepEqual(brackets, brackets.map((_, i) => i % 2 === 0), 'alternate: "[" on every other continuation');
  report.telemetry_splits.forEach((split) => checkSplit(run, split));
  const texts = run.events.filter((e) => e.json.type === 'function').map((e) => e.json.record.length);
  assert.deepEqual(texts.filter((n) => n > 1000), [102400, 409600, 409600, 1572864]);

  // The first POST was cut at byte 500: the report names the events complete before the cut.
  const [damaged] = report.telemetry_damaged_posts;
  assert.equal(damaged.post, 1);
  assert.equal(damaged.mode, 'truncate');
  assert.equal(run.bodies[0].length, 500);
  const complete = damaged.events_complete.map((line) => run.postedEvents[line - 1].raw);
  const prefix = `[${complete.map((e) => `${e},`).join('')}`;
  const received = run.bodies[0].toString('utf8');
  assert.ok(received.startsWith(prefix), JSON.stringify(damaged));
  assert.ok(run.postedEvents[damaged.cut_in_event - 1].raw.startsWith(received.slice(prefix.length)));

  // Any mode can have SIGTERM on request; here 150 ms after SHUTDOWN.
  assert.equal(report.sigterm.sent, true);
  assert.equal(report.sigterm.when, '150 ms after SHUTDOWN');
  assert.ok(run.seen.sigtermAtMs - run.seen.shutdownAtMs >= 100, JSON.stringify(run.seen));
});

// AWS's emulator closes subscription at the end of Init (RIE internal/lambda/rapid/handlers.go:
// doInit turns the Telemetry API's subscription off after AwaitAgentsReady; the handler answers
// 403 Telemetry.SubscriptionClosed). A buffering timeout cannot be changed once invocations run.
test('a Subscribe after Init is refused with 403 Telemetry.SubscriptionClosed; the Init subscription stays', async () => {
  const run = await runFake({ invocations: 2, logLines: 3, fakeEnv: { FAKE_SUBSCRIBE_AFTER_INIT: '1' } });
  const { report } = run;
  assert.equal(run.seen.lateSubscribe.status, 403, JSON.stringify(run.seen.lateSubscribe));
  assert.deepEqual(JSON.parse(run.seen.lateSubscribe.body),
    { errorMessage: 'Telemetry API subscription is closed already', errorType: 'Telemetry.SubscriptionClosed' });
  assert.deepEqual(report.rejected_requests.map((r) => [r.request, r.status]), [['PUT /2022-07-01/telemetry', 403]]);
  assert.equal(report.subscription.buffering.timeoutMs, 25);
  assert.deepEqual(report.subscription.types, ['platform', 'function']);
  // Both invocations' function lines still came, under the subscription made during Init.
  const lines = run.bodies.flatMap((b) => (isJson(b) ? JSON.parse(b.toString('utf8')) : []))
    .filter((e) => e.type === 'function');
  assert.equal(lines.length, 2 * 3, `function lines delivered: ${lines.length}`);
});

test('managed instances: SIGTERM before SHUTDOWN on request; the largest documented body; garbage damage', async () => {
  const run = await runFake({
    invocations: 2,
    fakeEnv: { FAKE_MI: '1' },
    args: ['--mode', 'managed-instances', '--sigterm-at-shutdown', 'yes', '--largest-post', '1',
      '--damage-post', '1:200', '--damage-mode', 'garbage'],
  });
  const { report, seen } = run;
  assert.equal(report.sigterm.enabled, true);
  assert.equal(report.sigterm.when, 'before SHUTDOWN');
  assert.equal(report.sigterm.sent, true);
  assert.ok(report.sigterm.sent_ms < report.sigterm.shutdown_delivered_ms, JSON.stringify(report.sigterm));
  assert.ok(seen.sigtermAtMs !== null, 'the extension got the SIGTERM');

  // "Expect to receive payloads as large as 2 * maxBytes + metadataBytes" (Telemetry API).
  const largest = report.telemetry_largest_post;
  assert.equal(largest.max_bytes, MAX_BYTES);
  const body = run.bodies[largest.post - 1];
  assert.equal(body.length, largest.bytes);
  assert.equal(largest.bytes, 2 * MAX_BYTES + largest.metadata_bytes);
  const events = JSON.parse(body.toString('utf8'));
  assert.equal(events.length, 1);
  assert.equal(events[0].record.length, 2 * MAX_BYTES);
  assert.equal(largest.metadata_bytes, body.length - events[0].record.length);

  // Garbage: the body keeps its length, its first 200 bytes are the original ones.
  const [damaged] = report.telemetry_damaged_posts;
  assert.equal(damaged.post, 1);
  assert.equal(run.bodies[0].length, damaged.body_bytes);
  const event = run.postedEvents[damaged.cut_in_event - 1].raw;  // the first event of the body
  assert.equal(damaged.cut_in_event, 1);
  assert.equal(run.bodies[0].subarray(0, 200).toString('latin1'), `[${event}`.slice(0, 200));
});

test('slow clients trickle headers at the listener; a POST that times out is re-sent', async () => {
  const run = await runFake({
    invocations: 3,
    fakeEnv: { FAKE_STALL_FIRST_MS: '800' },
    args: ['--slow-clients', '2', '--slow-clients-ms', '600', '--interval-ms', '400',
      '--telemetry-post-timeout-ms', '250'],
  });
  const { report, seen } = run;
  const slow = seen.connections.filter((c) => c.requests === 0 && c.bytes > 0);
  assert.equal(slow.length, 2, JSON.stringify(seen.connections));
  for (const c of slow) {
    assert.ok('POST /telemetry HTTP/1.1\r\n'.startsWith(c.head.slice(0, 25)), c.head);
    assert.ok(c.bytes >= 3 && c.bytes <= 7, `one byte every 100-200 ms: ${c.bytes}`);
    assert.ok(c.closedAtMs - c.openedAtMs >= 500, `open for about 600 ms: ${c.closedAtMs - c.openedAtMs}`);
  }
  assert.equal(report.slow_clients.connected, 2);
  assert.equal(report.slow_clients.bytes_sent, slow.reduce((n, c) => n + c.bytes, 0));

  // The first POST got no answer within 250 ms: the same body came again.
  assert.equal(report.telemetry_post_retries, 1);
  assert.equal(report.telemetry_post_statuses.error, 1);
  assert.deepEqual(run.bodies[1], run.bodies[0]);
  assert.equal(report.per_post_ms.length, report.telemetry_posts);
  assert.ok(report.per_post_ms[0] >= 240, `the timed-out POST took its timeout: ${report.per_post_ms[0]}`);
  assert.ok(report.telemetry_post_ms.max >= report.telemetry_post_ms.p99);
  assert.equal(report.events_delivered, report.events_emitted);
});
