// Through an HTTP CONNECT proxy, as in a VPC whose only way out is one: the endpoint's name is
// one only the proxy resolves, TLS inside the tunnel is verified against that name (not the
// proxy's), NO_PROXY sends the extension direct, and proxy credentials get it through a proxy that
// demands them without ever showing up in a log line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertExactlyOnce, assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startConnectProxy } from './support/connect_proxy.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { waitForRecordCount } from './support/stream_reader.mjs';
import { makeCa, makeServerCert } from './support/test_ca.mjs';
import { startTlsFront } from './support/tls_front.mjs';

// .test is reserved (RFC 2606): no resolver knows the name, only the proxy's routes do. The
// extension never looks it up: it connects to the proxy and asks for the name in CONNECT.
const PROXY_ONLY_HOST = 'kinesis.proxy-only.test';
const PROXY_ONLY_TARGET = `${PROXY_ONLY_HOST}:443`;
const STREAMS = { tunnel: 'proxy-tunnel', direct: 'proxy-no-proxy', auth: 'proxy-auth' };
const PROXY_USER = 'telemetry';
const PROXY_PASSWORD = 'pr0xy-pa55:w@rd/secret';
const READ_BACK_TIMEOUT_MS = 15000;
const SHIPPING = { invocations: 3, logLines: 5 };
// Nothing can be delivered: a shorter SHUTDOWN deadline bounds the retrying (and the test's time).
const FAILING = { invocations: 2, logLines: 2, extraArgs: ['--shutdown-deadline-ms', '1000'] };

let certDir;
let caPath;
let kinesis;
const fronts = {};
const proxies = [];

before(async () => {
  certDir = mkdtempSync(path.join(tmpdir(), 'proxy-test-ca-'));
  const ca = makeCa(certDir, 'test-ca', 'telemetry-kinesis proxy test CA');
  caPath = ca.cert;
  kinesis = await startKinesisLocal({ streams: Object.values(STREAMS).map((name) => ({ name, shards: 1 })) });
  // Every certificate also names IP 127.0.0.1, the proxy's address: one verified against the
  // proxy instead of the endpoint would pass with any of them.
  const certificates = {
    endpoint: makeServerCert(certDir, 'endpoint', ca, [PROXY_ONLY_HOST]),
    otherName: makeServerCert(certDir, 'other-name', ca, ['kinesis.other-name.test']),
    localhost: makeServerCert(certDir, 'localhost', ca, ['localhost']),
  };
  for (const [name, certificate] of Object.entries(certificates)) {
    fronts[name] = await startTlsFront({ ...certificate, target: kinesis.endpoint });
  }
});

after(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await Promise.all(Object.values(fronts).map((front) => front.close()));
  await kinesis?.stop();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

async function proxyTo(front, options = {}) {
  const proxy = await startConnectProxy({ routes: { [PROXY_ONLY_TARGET]: front.port }, ...options });
  proxies.push(proxy);
  return proxy;
}

async function envFor({ endpoint, streamName, ...proxyVariables }) {
  return { ...await extensionEnv({ endpoint, streamName }), AWS_CA_BUNDLE: caPath, ...proxyVariables };
}

async function assertShipped(run, scenario, streamName) {
  assertExtensionExitedInTime(run, scenario.invocations);
  assert.equal(run.exitCode, 0, runSummary(run));
  const records = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName }, run.events.length,
    READ_BACK_TIMEOUT_MS);
  assertExactlyOnce(run.events.map((e) => e.raw), records, ` (${streamName})`);
}

test('ships every event through a CONNECT tunnel to a name only the proxy resolves', async () => {
  const proxy = await proxyTo(fronts.endpoint);
  const run = await runSandbox({
    ...SHIPPING,
    env: await envFor({ endpoint: `https://${PROXY_ONLY_HOST}`, streamName: STREAMS.tunnel, HTTPS_PROXY: proxy.url }),
  });
  await assertShipped(run, SHIPPING, STREAMS.tunnel);
  assert.ok(proxy.connects(PROXY_ONLY_TARGET) >= 1, JSON.stringify(proxy.stats()));
  assert.equal(proxy.stats().notConnect, 0, 'a request reached the proxy outside a tunnel');
  assert.ok(fronts.endpoint.stats().requests >= 1);
  assert.match(run.stderr, new RegExp(`via https://${PROXY_ONLY_HOST} through proxy ${proxy.url} \\(`),
    'the start-up line names the proxy');
});

test('refuses a certificate for another name behind the tunnel and still exits 0 in time', async () => {
  const proxy = await proxyTo(fronts.otherName);
  const run = await runSandbox({
    ...FAILING,
    env: await envFor({ endpoint: `https://${PROXY_ONLY_HOST}`, streamName: STREAMS.tunnel, HTTPS_PROXY: proxy.url }),
  });
  assertExtensionExitedInTime(run, FAILING.invocations);
  assert.equal(run.exitCode, 0, runSummary(run));
  assert.ok(proxy.connects(PROXY_ONLY_TARGET) >= 1, JSON.stringify(proxy.stats()));
  assert.equal(fronts.otherName.stats().requests, 0, 'a request went to a server with another name\'s certificate');
  assert.match(run.stderr, /TLS server verification failed \(the certificate does not name kinesis\.proxy-only\.test\)/,
    runSummary(run));
});

test('NO_PROXY naming the endpoint\'s host connects directly: no CONNECT at the proxy', async () => {
  const proxy = await proxyTo(fronts.endpoint);
  const run = await runSandbox({
    ...SHIPPING,
    env: await envFor({
      endpoint: `https://localhost:${fronts.localhost.port}`,
      streamName: STREAMS.direct,
      HTTPS_PROXY: proxy.url,
      NO_PROXY: `169.254.169.254,.internal.example,localhost`,
    }),
  });
  await assertShipped(run, SHIPPING, STREAMS.direct);
  assert.equal(proxy.stats().totalConnects, 0, JSON.stringify(proxy.stats()));
  assert.doesNotMatch(run.stderr, /through proxy/);
});

test('proxy credentials: Basic auth gets through a proxy that demands it; the password is in no log line', async () => {
  const credentials = { username: PROXY_USER, password: PROXY_PASSWORD };
  const proxy = await proxyTo(fronts.endpoint, { credentials });
  const proxyUrl = (password) =>
    `http://${PROXY_USER}:${encodeURIComponent(password)}@127.0.0.1:${proxy.port}`;
  const run = await runSandbox({
    ...SHIPPING,
    env: await envFor({ endpoint: `https://${PROXY_ONLY_HOST}`, streamName: STREAMS.auth, https_proxy: proxyUrl(PROXY_PASSWORD) }),
  });
  await assertShipped(run, SHIPPING, STREAMS.auth);
  assert.equal(proxy.stats().authRefused, 0, JSON.stringify(proxy.stats()));
  assert.ok(proxy.stats().tunnels >= 1);
  assert.match(run.stderr, new RegExp(`through proxy http://127\\.0\\.0\\.1:${proxy.port} \\(`));

  // A wrong password: the proxy's 407 is named, the extension still exits 0 in time.
  const wrong = 'wr0ng-pa55word';
  const refused = await runSandbox({
    ...FAILING,
    env: await envFor({ endpoint: `https://${PROXY_ONLY_HOST}`, streamName: STREAMS.auth, https_proxy: proxyUrl(wrong) }),
  });
  assertExtensionExitedInTime(refused, FAILING.invocations);
  assert.ok(proxy.stats().authRefused >= 1, JSON.stringify(proxy.stats()));
  assert.match(refused.stderr, /proxy refused CONNECT: 407/, runSummary(refused));

  for (const [what, logs] of [['run', run.stdout + run.stderr], ['refused run', refused.stdout + refused.stderr]]) {
    for (const secret of [PROXY_PASSWORD, encodeURIComponent(PROXY_PASSWORD), wrong,
      Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')]) {
      assert.ok(!logs.includes(secret), `the ${what}'s logs show a proxy secret`);
    }
  }
});
