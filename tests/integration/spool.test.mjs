// The memory budget and the spool: Kinesis down for a whole run keeps memory flat and the overflow
// on disk; a crashed extension's spool is replayed by the next one.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { envelopeOf, eventTextOf } from './support/records.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { readAllRecords } from './support/stream_reader.mjs';
import { assertAccountingBalances, shutdownSummary } from './support/summary.mjs';

const STREAM = 'telemetry-spool';
const MEMORY_BUDGET_BYTES = 1024 * 1024;  // the smallest budget the extension accepts
// What the extension needs besides its record buffers (code, libraries, threads, parser and
// request buffers); measured ~15 MiB, bounded generously for sanitizer-free Release builds.
const FIXED_OVERHEAD_BYTES = 24 * 1024 * 1024;
// Nothing listens here: Kinesis is "down" (connection refused at once).
const DEAD_ENDPOINT = 'http://127.0.0.1:9';

let kinesis;
let spoolRoot;

before(async () => {
  kinesis = await startKinesisLocal({ streams: [{ name: STREAM, shards: 2 }] });
  spoolRoot = mkdtempSync(path.join(tmpdir(), 'tk-spool-it-'));
});

after(async () => {
  await kinesis?.stop();
  if (spoolRoot) rmSync(spoolRoot, { recursive: true, force: true });
});

function spoolSegments(dir) {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.tks')).map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

/** PIDs of processes whose environment contains `marker` (our extension under the sandbox). */
function pidsWithEnvironment(marker) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`).includes(marker)) pids.push(Number(entry));
    } catch {
      // gone or not ours
    }
  }
  return pids;
}

test('with Kinesis down for the whole run, memory stays inside the budget and the overflow is spooled', async () => {
  const spoolDir = path.join(spoolRoot, 'down');
  const env = {
    ...await extensionEnv({ endpoint: DEAD_ENDPOINT, streamName: STREAM }),
    TELEMETRY_KINESIS_QUEUE_MAX_BYTES: String(MEMORY_BUDGET_BYTES),
    TELEMETRY_KINESIS_SPOOL_DIR: spoolDir,
    TELEMETRY_KINESIS_METRICS: 'emf',
  };
  // 20 x 200 lines of ~1,000 bytes: ~5 MB of telemetry, five times the memory budget.
  const run = await runSandbox({
    invocations: 20, logLines: 200, env,
    extraArgs: ['--log-line-bytes', '1000', '--invoke-duration-ms', '20'],
  });
  assertExtensionExitedInTime(run, 20);
  const summary = shutdownSummary(run.stderr);
  assert.ok(summary.spooled > 0, `nothing was spooled: ${JSON.stringify(summary)}`);
  assert.equal(summary.delivered, 0);
  assert.equal(summary.dropped_overflow, 0, 'the spool had room: nothing may be dropped as overflow');
  assertAccountingBalances(summary, runSummary(run));
  assert.ok(summary.received >= 20 * 200, `received ${summary.received}`);
  const peakBytes = run.report.peak_rss_kb * 1024;
  assert.ok(peakBytes < MEMORY_BUDGET_BYTES + FIXED_OVERHEAD_BYTES,
    `peak RSS ${run.report.peak_rss_kb} KiB is over budget + fixed overhead\n${runSummary(run)}`);
  // At SHUTDOWN the spool cannot reach another sandbox: it is counted as unsent and removed.
  assert.deepEqual(spoolSegments(spoolDir), []);

  // The same accounting as CloudWatch metrics: one EMF line at shutdown.
  const emf = run.stderr.split('\n').filter((l) => l.startsWith('{"_aws"')).map((l) => JSON.parse(l));
  assert.equal(emf.length, 1, 'one EMF line at shutdown (the interval did not pass during the run)');
  assert.equal(emf[0].EventsReceived, summary.received);
  assert.equal(emf[0].UnsentAtShutdown, summary.unsent_at_shutdown);
  assert.equal(emf[0].RecordsSpooled, summary.spooled);
  assert.equal(emf[0]._aws.CloudWatchMetrics[0].Namespace, 'TelemetryKinesis');
});

test('after kill -9, the next extension in the same sandbox replays the spool', async () => {
  const spoolDir = path.join(spoolRoot, 'crash');
  const downEnv = {
    ...await extensionEnv({ endpoint: DEAD_ENDPOINT, streamName: STREAM }),
    TELEMETRY_KINESIS_QUEUE_MAX_BYTES: String(MEMORY_BUDGET_BYTES),
    TELEMETRY_KINESIS_SPOOL_DIR: spoolDir,
  };
  const crashing = runSandbox({
    invocations: 60, logLines: 100, env: downEnv, timeoutMs: 60000,
    extraArgs: ['--log-line-bytes', '1000', '--invoke-duration-ms', '20', '--interval-ms', '100'],
  });
  // Wait (bounded) until the overflow is on disk, then kill the extension without warning.
  let killed = [];
  for (let i = 0; i < 200 && killed.length === 0; i++) {
    await sleep(50);
    const segments = spoolSegments(spoolDir);
    const bytes = segments.reduce((sum, file) => sum + statSync(file).size, 0);
    if (bytes > 2 * MEMORY_BUDGET_BYTES) {
      killed = pidsWithEnvironment(`TELEMETRY_KINESIS_SPOOL_DIR=${spoolDir}`);
      for (const pid of killed) process.kill(pid, 'SIGKILL');
    }
  }
  const crashed = await crashing;
  assert.ok(killed.length > 0, `the spool never grew past twice the budget\n${runSummary(crashed)}`);
  assert.notEqual(crashed.exitCode, 0, 'the sandbox must notice that the extension died');
  const leftBehind = spoolSegments(spoolDir);
  assert.ok(leftBehind.length > 0, 'the crashed extension left no spool');
  const crashedSandboxEvents = new Set(crashed.events.map((e) => e.raw));

  // The next extension in the same sandbox (/tmp kept), now with Kinesis up; the run lasts a few
  // seconds so kinesis-local (slow on 2 cores) can take the replay before SHUTDOWN.
  const recovering = await runSandbox({
    invocations: 10, logLines: 5,
    env: { ...await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAM }),
           TELEMETRY_KINESIS_SPOOL_DIR: spoolDir },
    extraArgs: ['--interval-ms', '300'],
  });
  assertExtensionExitedInTime(recovering, 10);
  const summary = shutdownSummary(recovering.stderr);
  assert.ok(summary.recovered_from_spool > 0, `nothing recovered: ${JSON.stringify(summary)}`);
  assertAccountingBalances(summary, runSummary(recovering));
  assert.equal(summary.unsent_at_shutdown, 0);

  const records = await readAllRecords({ endpoint: kinesis.endpoint, streamName: STREAM });
  const recoveringSandbox = envelopeOf(records.find((r) => eventTextOf(r) === recovering.events[0].raw)).sandbox;
  const recovered = records.filter((r) => envelopeOf(r).sandbox !== recoveringSandbox);
  assert.equal(recovered.length, summary.recovered_from_spool,
    'every recovered record is in the stream once, and only those');
  const texts = recovered.map(eventTextOf);
  assert.equal(new Set(texts).size, texts.length, 'a recovered event was delivered twice');
  for (const text of texts) {
    assert.ok(crashedSandboxEvents.has(text), `a recovered record is not an event of the crashed run: ${text.slice(0, 200)}`);
  }
  assert.deepEqual(spoolSegments(spoolDir), [], 'the replayed spool is removed');
});
