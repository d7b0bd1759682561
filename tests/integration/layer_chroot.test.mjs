// The packaged layer, x86_64 and arm64 (under qemu), in an otherwise empty root: nothing outside the
// layer is needed (objdump/readelf), and it ships over TLS, trusting only the CA bundle at Amazon
// Linux's path, to kinesis-local behind a TLS front; with a wrong CA the handshake is refused, the
// extension says so in a WARN line and still exits 0 in time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertExactlyOnce, assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { DUMMY_CREDENTIALS } from './support/kinesis_client.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import {
  AMAZON_LINUX_CA_BUNDLE, ARCHITECTURES, LAYER_LIB_DIR, highestGlibcVersion, inspectLayer, layerZipPath,
  makeEmptyRoot, unresolvedInLayer,
} from './support/layer_root.mjs';
import { freePort } from './support/ports.mjs';
import { NO_PROXY_VARIABLES, runSandbox } from './support/sandbox.mjs';
import { readAllRecords, waitForRecordCount } from './support/stream_reader.mjs';
import { makeCa, makeServerCert } from './support/test_ca.mjs';
import { startTlsFront } from './support/tls_front.mjs';

// The endpoint's name resolves only through the root's /etc/hosts (the bundled glibc's nss_files).
const FRONT_HOST = 'kinesis.layer.test';
const HOSTS = ['127.0.0.1 localhost', `127.0.0.1 sandbox.localdomain ${FRONT_HOST}`];
const READ_BACK_TIMEOUT_MS = 15000;
// arm64 runs under qemu-user: the same scenario, with a longer time bound.
const SCENARIOS = {
  x86_64: { invocations: 10, logLines: 10, timeoutMs: 60000 },
  arm64: { invocations: 10, logLines: 10, timeoutMs: 120000 },
};
const WRONG_CA_SCENARIO = { invocations: 2, logLines: 3 };

const skip = process.getuid?.() === 0 ? false : 'needs root for chroot and mounts (CI runs as root)';

let certDir;
let testCa;
let wrongCa;
let kinesis;
let front;
const roots = {};

before(async () => {
  if (skip) return;
  certDir = mkdtempSync(path.join(tmpdir(), 'layer-test-ca-'));
  testCa = makeCa(certDir, 'test-ca', 'telemetry-kinesis layer test CA');
  wrongCa = makeCa(certDir, 'wrong-ca', 'telemetry-kinesis unrelated CA');
  const serverCert = makeServerCert(certDir, 'front', testCa, [FRONT_HOST]);
  kinesis = await startKinesisLocal({
    streams: [...Object.keys(ARCHITECTURES).flatMap((arch) => [streamFor(arch), wrongCaStreamFor(arch)])]
      .map((name) => ({ name, shards: 1 })),
  });
  front = await startTlsFront({ ...serverCert, target: kinesis.endpoint });
});

after(async () => {
  await front?.close();
  await kinesis?.stop();
  for (const root of Object.values(roots)) root.remove();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

function streamFor(arch) { return `layer-${arch.replace('_', '-')}`; }
function wrongCaStreamFor(arch) { return `layer-${arch.replace('_', '-')}-wrong-ca`; }

function rootFor(arch) {
  roots[arch] ??= makeEmptyRoot({ zip: layerZipPath(arch), arch, hosts: HOSTS, caBundlePem: testCa.pem });
  return roots[arch];
}

async function extensionEnv(streamName) {
  return {
    TELEMETRY_KINESIS_STREAM: streamName,
    AWS_ENDPOINT_URL_KINESIS: `https://${FRONT_HOST}:${front.port}`,
    ...DUMMY_CREDENTIALS,
    ...NO_PROXY_VARIABLES,
    TELEMETRY_KINESIS_LISTENER_PORT: String(await freePort()),
    // Empty counts as unset: only the bundle at Amazon Linux's path decides, whatever this
    // machine's environment holds.
    AWS_CA_BUNDLE: '',
    SSL_CERT_FILE: '',
  };
}

for (const arch of Object.keys(ARCHITECTURES)) {
  describe(`layer ${arch}`, { skip }, () => {
    test('the zip exists, is laid out as Lambda expects and is under the size limits', () => {
      const zip = layerZipPath(arch);
      const size = statSync(zip, { throwIfNoEntry: false })?.size;
      assert.ok(size, `${zip} is missing: build it with cmake --build build --target layer`);
      // Lambda: 50 MB zipped per upload, 250 MB unzipped for function plus layers.
      assert.ok(size < 50 * 1024 * 1024, `${zip} is ${size} bytes`);
      const { optDir } = rootFor(arch);
      const elfs = inspectLayer(optDir);
      const files = elfs.map((e) => e.file);
      assert.ok(files.includes('/opt/extensions/telemetry-kinesis'), files.join('\n'));
      for (const elf of elfs) {
        assert.ok(elf.file === '/opt/extensions/telemetry-kinesis' || elf.file.startsWith(`${LAYER_LIB_DIR}/`),
          `${elf.file} is outside the layer's own folder`);
        assert.ok(elf.machine.includes(ARCHITECTURES[arch].elfMachine), `${elf.file} is built for ${elf.machine}`);
      }
    });

    test('objdump/readelf: every NEEDED library, symbol version and symbol resolves inside the layer; PT_INTERP is the bundled loader', (t) => {
      const elfs = inspectLayer(rootFor(arch).optDir);
      const extension = elfs.find((e) => e.file === '/opt/extensions/telemetry-kinesis');
      assert.equal(extension.interpreter, `${LAYER_LIB_DIR}/${ARCHITECTURES[arch].loader}`);
      assert.ok(elfs.some((e) => e.file === extension.interpreter), `the loader ${extension.interpreter} is not in the layer`);
      // DT_RPATH, not DT_RUNPATH: Lambda's LD_LIBRARY_PATH would win over DT_RUNPATH.
      assert.equal(extension.rpath, LAYER_LIB_DIR);
      assert.equal(extension.runpath, null);
      for (const elf of elfs) {
        assert.equal(elf.runpath, null, `${elf.file} has a RUNPATH, so the extension's RPATH would not apply to its dependencies`);
        assert.ok(elf.needed.every((name) => !name.includes('/')), `${elf.file} needs a library by path: ${elf.needed}`);
        if (elf.file.startsWith(`${LAYER_LIB_DIR}/`) && elf.soname) {
          assert.equal(elf.soname, path.basename(elf.file), `${elf.file} is not stored under its SONAME`);
        }
      }
      const problems = unresolvedInLayer(elfs);
      assert.deepEqual(problems, [], `needed from outside the layer:\n${problems.join('\n')}`);

      // The check finds what is missing: without libz, whatever needs it is reported.
      const withoutZlib = elfs.filter((e) => path.basename(e.file) !== 'libz.so.1');
      assert.ok(unresolvedInLayer(withoutZlib).some((p) => p.includes('NEEDED libz.so.1')));

      const needed = elfs.reduce((n, e) => n + e.needed.length, 0);
      const symbols = elfs.reduce((n, e) => n + e.undefinedRefs.length, 0);
      t.diagnostic(`${elfs.length} ELF files, ${needed} NEEDED entries and ${symbols} undefined symbols, all ` +
                   `resolved in ${LAYER_LIB_DIR}; highest glibc version needed ${highestGlibcVersion(elfs)} ` +
                   `(provided by the bundled libc)`);
    });

    test('the loader looks for libraries only inside the layer, even with Lambda\'s LD_LIBRARY_PATH set', (t) => {
      // What Lambda sets for a function's processes (provided.al2023): DT_RUNPATH would lose to it.
      const lambdaLibraryPath = '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib';
      const { status, stderr } = rootFor(arch).runDirect({
        env: { PATH: process.env.PATH, LD_LIBRARY_PATH: lambdaLibraryPath, LD_DEBUG: 'libs' },
      });
      // Without a Runtime API the extension starts, says why it cannot run, and exits 1: it loaded.
      assert.equal(status, 1, stderr.slice(-2000));
      assert.match(stderr, /AWS_LAMBDA_RUNTIME_API is not set/);
      // The wrapper's host tools (unshare, sh, chroot) print loader lines too; the extension's own
      // start at its first lookup, the one whose search path is its RPATH.
      const lines = stderr.split('\n');
      const first = lines.findIndex((line) => line.includes('(RPATH from file /opt/extensions/telemetry-kinesis)'));
      assert.ok(first > 0, `no loader output of the extension:\n${stderr.slice(-2000)}`);
      const own = lines.slice(first - 1).join('\n');
      const tried = [...own.matchAll(/trying file=(\S+)/g)].map((m) => m[1]);
      const found = [...own.matchAll(/find library=(\S+)/g)].map((m) => m[1]);
      // Every bundled library is the NEEDED closure, the loader must have looked each one up;
      // except libgcc_s.so.1, which glibc loads with dlopen when a thread exits (not at start).
      const DLOPENED = ['libgcc_s.so.1'];
      const bundled = inspectLayer(rootFor(arch).optDir)
        .map((elf) => elf.file).filter((file) => file.startsWith(`${LAYER_LIB_DIR}/`))
        .map((file) => path.basename(file))
        .filter((name) => name !== ARCHITECTURES[arch].loader && !DLOPENED.includes(name));
      assert.deepEqual(bundled.filter((name) => !found.includes(name)), [],
        `the loader did not look up every bundled library:\n${stderr.slice(0, 2000)}`);
      assert.deepEqual(tried.filter((file) => !file.startsWith(`${LAYER_LIB_DIR}/`)), [],
        'the loader tried files outside the layer');
      t.diagnostic(`${found.length} library lookups, ${tried.length} files tried, all in ${LAYER_LIB_DIR}`);
    });

    test('ships every event over TLS from the empty root, trusting only the CA at Amazon Linux\'s path', async (t) => {
      const root = rootFor(arch);
      root.setCaBundle(testCa.pem);
      const scenario = SCENARIOS[arch];
      const streamName = streamFor(arch);
      const run = await runSandbox({
        extension: root.extension,
        invocations: scenario.invocations,
        logLines: scenario.logLines,
        timeoutMs: scenario.timeoutMs,
        env: await extensionEnv(streamName),
      });
      assertExtensionExitedInTime(run, scenario.invocations);
      assert.equal(run.exitCode, 0, runSummary(run));
      assert.match(run.stderr, new RegExp(`CA bundle ${AMAZON_LINUX_CA_BUNDLE} from well-known path`), runSummary(run));

      const sent = run.events;
      assert.ok(sent.length >= scenario.invocations * scenario.logLines, `only ${sent.length} events sent\n${runSummary(run)}`);
      const records = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName }, sent.length, READ_BACK_TIMEOUT_MS);
      assertExactlyOnce(sent.map((e) => e.raw), records, `\n${runSummary(run)}`);
      assert.ok(front.stats().requests > 0, 'nothing went through the TLS front');
      t.diagnostic(`${arch}: ${sent.length} events shipped over TLS; init ${run.report.init_ms?.toFixed(1)} ms, ` +
                   `peak RSS ${run.report.peak_rss_kb} KiB, shutdown ${run.report.shutdown_ms?.toFixed(1)} ms, ` +
                   `sandbox run ${run.durationMs} ms`);
    });

    test('AWS_CA_BUNDLE naming a missing file is a configuration error naming it; the function keeps running', async () => {
      const env = { ...await extensionEnv(streamFor(arch)), AWS_CA_BUNDLE: '/etc/pki/tls/certs/missing.pem' };
      const run = await runSandbox({ extension: rootFor(arch).extension, invocations: 1, logLines: 1,
        timeoutMs: SCENARIOS[arch].timeoutMs, env });
      assertExtensionExitedInTime(run, 1);
      assert.match(run.stderr,
        /\[telemetry-kinesis\] ERROR configuration invalid: .*AWS_CA_BUNDLE="\/etc\/pki\/tls\/certs\/missing\.pem" is invalid/,
        runSummary(run));
    });

    test('with a wrong CA in the bundle the handshake is refused, a WARN line says so, and it exits 0 in time', async (t) => {
      const root = rootFor(arch);
      root.setCaBundle(wrongCa.pem);
      const requestsBefore = front.stats().requests;
      const streamName = wrongCaStreamFor(arch);
      try {
        const run = await runSandbox({
          extension: root.extension,
          ...WRONG_CA_SCENARIO,
          timeoutMs: SCENARIOS[arch].timeoutMs,
          env: await extensionEnv(streamName),
        });
        assertExtensionExitedInTime(run, WRONG_CA_SCENARIO.invocations);
        const warning = run.stderr.match(/\[telemetry-kinesis\] WARN .*(certificate|SSL|TLS).*/i);
        assert.ok(warning, `no WARN line about the TLS failure\n${runSummary(run)}`);
        t.diagnostic(warning[0]);
        t.diagnostic(run.stderr.match(/\[telemetry-kinesis\] INFO shutdown:.*/)?.[0] ?? 'no shutdown summary');
        const stats = front.stats();
        // The client checks the chain when the handshake completes and hangs up before sending a
        // byte of the request: the front never sees a request (no signature, no data leaves).
        assert.equal(stats.requests, requestsBefore,
          `a request reached a server whose certificate was not trusted: ${JSON.stringify(stats)}`);
        assert.match(warning[0], /certificate problem/i, 'the WARN line names the certificate problem');
        const records = await readAllRecords({ endpoint: kinesis.endpoint, streamName });
        assert.equal(records.length, 0, 'records arrived although the certificate was not trusted');
      } finally {
        root.setCaBundle(testCa.pem);
      }
    });
  });
}
