// The test world's credentials: lambda-sandbox's issuer (--credentials env|container, the ledger)
// and the Kinesis side's checker (support/kinesis_auth.mjs), without the extension. Requests are
// signed with @smithy/signature-v4 itself, or by the SDK's Kinesis client; the sandbox runs a tiny
// fake extension that fetches its credentials the way an SDK's container provider does.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { Hash } from '@smithy/hash-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import cbor from 'cbor';
import {
  AUTH_ERRORS, CBOR_CONTENT_TYPE, JSON_CONTENT_TYPE, createCredentialsChecker, errorResponseFor,
} from './support/kinesis_auth.mjs';
import { sandboxPath } from './support/sandbox.mjs';

const REGION = 'us-east-1';
const HOST = '127.0.0.1:4567';
const T0 = Date.UTC(2026, 0, 2, 10, 0, 0);

let workDir;
before(() => { workDir = mkdtempSync(path.join(tmpdir(), 'kinesis-auth-')); });
after(() => { if (!process.env.TK_KEEP_TMP) rmSync(workDir, { recursive: true, force: true }); });

const set = (n, extra = {}) => ({
  accessKeyId: `ASIATEST${String(n).padStart(12, '0')}`,
  secretAccessKey: `secret-${n}`,
  sessionToken: `token-${n}`,
  expiresAtMs: T0 + 60_000,
  ...extra,
});

function writeLedger(name, events) {
  const ledgerPath = path.join(workDir, name);
  writeFileSync(ledgerPath, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return ledgerPath;
}

const issued = (s) => ({ event: 'issued', ...s, atMs: T0 });

/** A PutRecords request signed with `credentials` at `date`, as a node IncomingMessage looks. */
async function signedRequest(credentials, { date = new Date(T0), body, contentType = JSON_CONTENT_TYPE } = {}) {
  const payload = body ?? Buffer.from(JSON.stringify({ StreamName: 's', Records: [] }));
  const signer = new SignatureV4({ credentials, region: REGION, service: 'kinesis', sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4567,
    path: '/',
    query: {},
    headers: {
      host: HOST,
      'content-type': contentType,
      'x-amz-target': 'Kinesis_20131202.PutRecords',
      'content-length': String(payload.length),
    },
    body: payload,
  }, { signingDate: date });
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { req: { method: 'POST', url: '/', headers }, body: payload };
}

const credentialsOf = (s) => ({
  accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken ?? undefined,
});

describe('credentials checker', () => {
  const A = set(1);
  const B = set(2);
  const ENV = set(3, { sessionToken: null, expiresAtMs: null });
  let checker;
  before(() => {
    const ledgerPath = writeLedger('verdicts.ndjson', [
      issued(A), issued(B), { event: 'revoked', accessKeyId: B.accessKeyId, atMs: T0 }, issued(ENV),
    ]);
    checker = createCredentialsChecker({ ledgerPath, now: () => T0 + 1000 });
  });

  const verdictFor = async (credentials, options) => {
    const { req, body } = await signedRequest(credentials, options);
    return checker.check(req, body);
  };

  test('a valid set, signed right: null', async () => {
    assert.equal(await verdictFor(credentialsOf(A)), null);
  });

  test('a set without a session token (an env set): null', async () => {
    assert.equal(await verdictFor(credentialsOf(ENV)), null);
  });

  test('a revoked set: 400 UnrecognizedClientException', async () => {
    assert.deepEqual(await verdictFor(credentialsOf(B)),
      { status: 400, type: 'UnrecognizedClientException', message: AUTH_ERRORS.UnrecognizedClientException });
  });

  test('an unknown key, a wrong token, a missing token: UnrecognizedClientException', async () => {
    for (const credentials of [
      { ...credentialsOf(A), accessKeyId: 'ASIAUNKNOWN000000000' },
      { ...credentialsOf(A), sessionToken: 'token-2' },
      { ...credentialsOf(A), sessionToken: undefined },
    ]) {
      assert.equal((await verdictFor(credentials))?.type, 'UnrecognizedClientException');
    }
  });

  test('an expired set: 400 ExpiredTokenException', async () => {
    const late = createCredentialsChecker({ ledgerPath: path.join(workDir, 'verdicts.ndjson'), now: () => A.expiresAtMs + 1 });
    const { req, body } = await signedRequest(credentialsOf(A));
    assert.deepEqual(await late.check(req, body),
      { status: 400, type: 'ExpiredTokenException', message: AUTH_ERRORS.ExpiredTokenException });
  });

  test('a wrong secret, a changed body, a changed signed header: InvalidSignatureException', async () => {
    assert.equal((await verdictFor({ ...credentialsOf(A), secretAccessKey: 'wrong' }))?.type, 'InvalidSignatureException');
    const { req, body } = await signedRequest(credentialsOf(A));
    assert.equal((await checker.check(req, Buffer.from('{"StreamName":"other","Records":[]}')))?.type,
      'InvalidSignatureException');
    const retargeted = { ...req, headers: { ...req.headers, 'x-amz-target': 'Kinesis_20131202.DeleteStream' } };
    assert.equal((await checker.check(retargeted, body))?.type, 'InvalidSignatureException');
  });

  test('no Authorization: MissingAuthenticationToken; a mangled one: IncompleteSignature', async () => {
    const { req, body } = await signedRequest(credentialsOf(A));
    const { authorization, ...rest } = req.headers;
    assert.equal((await checker.check({ ...req, headers: rest }, body))?.type, 'MissingAuthenticationTokenException');
    const mangled = { ...req, headers: { ...req.headers, authorization: authorization.replace('Signature=', 'Sig=') } };
    assert.equal((await checker.check(mangled, body))?.type, 'IncompleteSignatureException');
  });

  test('the ledger is read again when it grew, a half-written line once it is whole', async () => {
    const ledgerPath = writeLedger('growing.ndjson', [issued(A)]);
    const growing = createCredentialsChecker({ ledgerPath, now: () => T0 });
    const { req, body } = await signedRequest(credentialsOf(A));
    assert.equal(await growing.check(req, body), null);
    const revoke = JSON.stringify({ event: 'revoked', accessKeyId: A.accessKeyId, atMs: T0 });
    appendFileSync(ledgerPath, revoke.slice(0, 10));
    assert.equal(await growing.check(req, body), null);
    appendFileSync(ledgerPath, `${revoke.slice(10)}\n`);
    assert.equal((await growing.check(req, body))?.type, 'UnrecognizedClientException');
    assert.deepEqual(growing.stats(), {
      checked: 3, accepted: 2, rejected: { UnrecognizedClientException: 1 }, acceptedByKey: { [A.accessKeyId]: 2 },
    });
  });

  test('error answers: JSON or CBOR by the request, x-amzn-ErrorType as AWS sends it', () => {
    const v = { status: 400, type: 'ExpiredTokenException', message: AUTH_ERRORS.ExpiredTokenException };
    const json = errorResponseFor(JSON_CONTENT_TYPE, v);
    assert.equal(json.status, 400);
    assert.equal(json.headers['content-type'], JSON_CONTENT_TYPE);
    assert.equal(json.headers['x-amzn-errortype'],
      'ExpiredTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/');
    assert.deepEqual(JSON.parse(json.body), { __type: v.type, message: v.message });
    const packed = errorResponseFor(CBOR_CONTENT_TYPE, v);
    assert.equal(packed.headers['content-type'], CBOR_CONTENT_TYPE);
    assert.deepEqual(cbor.decodeFirstSync(packed.body), { __type: v.type, message: v.message });
  });
});

describe('the SDK against a checking endpoint', () => {
  const A = set(4, { expiresAtMs: Date.now() + 600_000 });
  const B = set(5, { expiresAtMs: Date.now() + 600_000 });
  let server;
  let endpoint;
  before(async () => {
    const ledgerPath = writeLedger('sdk.ndjson', [issued(A), issued(B), { event: 'revoked', accessKeyId: B.accessKeyId, atMs: 0 }]);
    const checker = createCredentialsChecker({ ledgerPath });
    server = http.createServer(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const found = await checker.check(req, Buffer.concat(chunks));
      if (found) {
        const answer = errorResponseFor(req.headers['content-type'], found);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
      res.writeHead(200, { 'content-type': JSON_CONTENT_TYPE });
      res.end(JSON.stringify({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 'shardId-000000000000' }] }));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server?.close());

  const put = (s) => new KinesisClient({
    endpoint, region: REGION, credentials: credentialsOf(s), maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 5000 }),
  }).send(new PutRecordsCommand({ StreamName: 's', Records: [{ Data: Buffer.from('x'), PartitionKey: 'k' }] }));

  test('valid credentials go through; revoked ones are UnrecognizedClientException with HTTP 400', async () => {
    assert.equal((await put(A)).FailedRecordCount, 0);
    await assert.rejects(put(B), (err) => {
      assert.equal(err.name, 'UnrecognizedClientException');
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.equal(err.message, AUTH_ERRORS.UnrecognizedClientException);
      return true;
    });
  });
});

// A fake extension: registers, fetches its credentials at Init and at every INVOKE (with the
// token, with a wrong one, without one), writes what it saw as JSON lines to FAKE_EXTENSION_OUT.
const FAKE_EXTENSION = `
const fs = require('node:fs');
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
const name = require('node:path').basename(process.argv[1]);
const KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'];
async function get(headers) {
  const res = await fetch(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, { headers });
  return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
}
async function probe(phase) {
  const entry = { phase, atMs: Date.now(), env: Object.fromEntries(KEYS.map((k) => [k, process.env[k] ?? null])) };
  if (process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    const token = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    entry.good = await get({ Authorization: token });
    entry.wrong = await get({ Authorization: 'Bearer ' + token });
    entry.missing = await get({});
  }
  fs.appendFileSync(process.env.FAKE_EXTENSION_OUT, JSON.stringify(entry) + '\\n');
}
(async () => {
  const reg = await fetch(api + '/register', { method: 'POST', headers: { 'Lambda-Extension-Name': name },
    body: JSON.stringify({ events: ['INVOKE', 'SHUTDOWN'] }) });
  const id = reg.headers.get('lambda-extension-identifier');
  await probe('init');
  for (let i = 0; i < 100; i += 1) {
    const next = await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } });
    const event = await next.json();
    if (event.eventType === 'SHUTDOWN') process.exit(0);
    await probe('invoke');
  }
})().catch((err) => { console.error(err); process.exit(1); });
`;

function writeFakeExtension(dir) {
  const file = path.join(dir, 'fake-credentials-ext');
  writeFileSync(file, `#!${process.execPath}\n${FAKE_EXTENSION}`);
  chmodSync(file, 0o755);
  return file;
}

/** Runs the sandbox with the fake extension; env = ours minus every AWS credential variable. */
function runFakeSandbox(args) {
  const dir = mkdtempSync(path.join(workDir, 'run-'));
  const out = path.join(dir, 'seen.ndjson');
  const ledger = path.join(dir, 'ledger.ndjson');
  const report = path.join(dir, 'report.json');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^AWS_/.test(k)));
  env.FAKE_EXTENSION_OUT = out;
  const argv = ['--extension', writeFakeExtension(dir), '--report', report, '--credentials-ledger', ledger,
    '--log-lines', '0', '--no-log-passthrough', ...args];
  return new Promise((resolve) => {
    execFile(sandboxPath, argv, { env, timeout: 20000 }, (err, stdout, stderr) => {
      const read = (file) => {
        try { return readFileSync(file, 'utf8'); } catch { return ''; }
      };
      const lines = (file) => read(file).split('\n').filter(Boolean).map((l) => JSON.parse(l));
      resolve({
        code: err ? err.code : 0, stdout, stderr, ledgerPath: ledger,
        seen: lines(out), ledger: lines(ledger), report: read(report) ? JSON.parse(read(report)) : null,
      });
    });
  });
}

describe('lambda-sandbox credentials', () => {
  test('snap-start: container credentials only, a new set at the restore, the old one revoked', async () => {
    const run = await runFakeSandbox(['--mode', 'snap-start', '--invocations', '2', '--idle-after-init-ms', '100',
      '--credentials-expire-ms', '1000', '--interval-ms', '1200']);
    assert.equal(run.code, 0, run.stderr);
    const [init, first, second] = run.seen;
    assert.deepEqual(run.seen.map((s) => s.phase), ['init', 'invoke', 'invoke']);
    assert.equal(init.env.AWS_ACCESS_KEY_ID, null);
    assert.equal(init.env.AWS_SECRET_ACCESS_KEY, null);
    assert.equal(init.env.AWS_SESSION_TOKEN, null);
    assert.equal(init.env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
      `http://127.0.0.1:${run.report.runtime_api_port}/2021-04-23/credentials`);
    assert.match(init.env.AWS_CONTAINER_AUTHORIZATION_TOKEN, /^[0-9a-f-]{36}$/);

    const sets = run.seen.map((s) => {
      assert.equal(s.good.status, 200);
      assert.equal(s.good.contentType, 'text/plain; charset=utf-8');  // what Go's sniffing gives RIE
      for (const bad of [s.wrong, s.missing]) {
        assert.equal(bad.status, 404);
        assert.equal(bad.body, 'cannot get credentials for the provided token\n');
      }
      const body = JSON.parse(s.good.body);
      assert.deepEqual(Object.keys(body), ['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']);
      assert.match(body.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      return body;
    });
    assert.equal(new Set(sets.map((s) => s.AccessKeyId)).size, 3, 'init, restore and after expiry: three sets');
    // The second invocation came after the restored set's expiry: a fresh one was drawn.
    assert.ok(Date.parse(sets[1].Expiration) < second.atMs);
    assert.ok(Date.parse(sets[2].Expiration) > second.atMs);

    assert.deepEqual(run.ledger.map((e) => [e.event, e.accessKeyId]), [
      ['issued', sets[0].AccessKeyId], ['revoked', sets[0].AccessKeyId],
      ['issued', sets[1].AccessKeyId], ['issued', sets[2].AccessKeyId]]);
    for (const [i, s] of sets.entries()) {
      const entry = run.ledger.find((e) => e.event === 'issued' && e.accessKeyId === s.AccessKeyId);
      assert.equal(entry.secretAccessKey, s.SecretAccessKey);
      assert.equal(entry.sessionToken, s.Token);
      assert.equal(entry.expiresAtMs, Date.parse(s.Expiration), `set ${i}`);
      assert.ok(Math.abs(entry.expiresAtMs - entry.atMs - 1000) <= 1, `set ${i} lives 1000 ms`);
    }
    assert.deepEqual(run.report.credentials, { mode: 'container', issued: 3, served: 3, rejected: 6 });

    // The Kinesis side, at the moment of the second invocation: the snapshot's set is revoked,
    // the restored one expired, the fresh one valid.
    const checker = createCredentialsChecker({ ledgerPath: run.ledgerPath, now: () => second.atMs });
    const verdicts = [];
    for (const s of sets) {
      const { req, body } = await signedRequest(
        { accessKeyId: s.AccessKeyId, secretAccessKey: s.SecretAccessKey, sessionToken: s.Token },
        { date: new Date(second.atMs) });
      verdicts.push((await checker.check(req, body))?.type ?? null);
    }
    assert.deepEqual(verdicts, ['UnrecognizedClientException', 'ExpiredTokenException', null]);
    assert.ok(first.atMs < second.atMs);
  });

  test('on-demand: env credentials by default, a random set in the ledger, no endpoint', async () => {
    const run = await runFakeSandbox(['--invocations', '1']);
    assert.equal(run.code, 0, run.stderr);
    const { env } = run.seen[0];
    assert.match(env.AWS_ACCESS_KEY_ID, /^ASIA[0-9A-F]{16}$/);
    assert.equal(env.AWS_CONTAINER_CREDENTIALS_FULL_URI, null);
    assert.deepEqual(run.ledger.map(({ atMs, ...e }) => e), [{
      event: 'issued', accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN, expiresAtMs: null,
    }]);
    assert.deepEqual(run.report.credentials, { mode: 'env', issued: 1, served: 0, rejected: 0 });
  });

  test('env: --env key variables are what the extension gets and what the ledger records', async () => {
    const run = await runFakeSandbox(['--invocations', '0', '--env', 'AWS_ACCESS_KEY_ID=AKIDPINNED',
      '--env', 'AWS_SECRET_ACCESS_KEY=pinned-secret']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.seen[0].env.AWS_ACCESS_KEY_ID, 'AKIDPINNED');
    assert.equal(run.seen[0].env.AWS_SESSION_TOKEN, null);
    assert.deepEqual(run.ledger.map(({ atMs, ...e }) => e), [{
      event: 'issued', accessKeyId: 'AKIDPINNED', secretAccessKey: 'pinned-secret', sessionToken: null, expiresAtMs: null,
    }]);
  });

  test('bad usage: an expiry with env credentials, an unknown mode', async () => {
    const expiring = await runFakeSandbox(['--credentials', 'env', '--credentials-expire-ms', '5000']);
    assert.equal(expiring.code, 2);
    assert.match(expiring.stderr, /--credentials-expire-ms needs --credentials container/);
    const unknown = await runFakeSandbox(['--credentials', 'imds']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--credentials must be env or container/);
  });
});
