// Malformed telemetry POSTs get a 4xx and cost nothing: what was and is later accepted still ships.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertExactlyOnce, assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { sharedDir } from './support/paths.mjs';
import { waitForListener, postTelemetry } from './support/listener_client.mjs';
import { freePort } from './support/ports.mjs';
import { arrayElementTexts } from './support/records.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { waitForRecordCount } from './support/stream_reader.mjs';

const STREAM = 'telemetry-invalid';
const samplesDir = path.join(sharedDir, 'telemetry-samples');
const invalidDir = path.join(samplesDir, 'invalid');
// One long invocation: our POSTs reach the listener while the extension is running, not frozen.
const INVOKE_DURATION_MS = 3000;
const LISTENER_WAIT_MS = 10000;
const POST_TIMEOUT_MS = 5000;

let kinesis;

before(async () => {
  kinesis = await startKinesisLocal({ streams: [{ name: STREAM, shards: 2 }] });
});

after(async () => {
  await kinesis?.stop();
});

test('answers 4xx to each malformed batch, 200 to a valid one, and ships every valid event', async () => {
  const listenerPort = await freePort();
  const env = await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAM, listenerPort });
  const running = runSandbox({
    invocations: 1,
    logLines: 3,
    env,
    extraArgs: ['--invoke-duration-ms', String(INVOKE_DURATION_MS), '--function-timeout-ms', '10000'],
  });

  const statuses = {};
  let batchStatus;
  let postError;
  try {
    await waitForListener(listenerPort, LISTENER_WAIT_MS);
    for (const name of readdirSync(invalidDir).sort()) {
      statuses[name] = await postTelemetry(listenerPort, readFileSync(path.join(invalidDir, name)), POST_TIMEOUT_MS);
    }
    batchStatus = await postTelemetry(listenerPort, readFileSync(path.join(samplesDir, 'batch-lifecycle.json')), POST_TIMEOUT_MS);
  } catch (err) {
    postError = err;  // still wait for the sandbox, so that it is not left running
  }
  const run = await running;
  assert.ifError(postError);

  assert.ok(Object.keys(statuses).length >= 5, `expected the invalid samples in ${invalidDir}`);
  for (const [name, status] of Object.entries(statuses)) {
    assert.ok(status >= 400 && status < 500, `${name}: HTTP ${status}, expected 4xx`);
  }
  assert.equal(batchStatus, 200, 'batch-lifecycle.json was not accepted');
  assertExtensionExitedInTime(run, 1);
  assert.equal(run.exitCode, 0, runSummary(run));

  const batchEvents = arrayElementTexts(readFileSync(path.join(samplesDir, 'batch-lifecycle.json'), 'utf8'));
  const expected = [...run.events.map((e) => e.raw), ...batchEvents];
  const records = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName: STREAM }, expected.length,
    15000);
  assertExactlyOnce(expected, records);
});
