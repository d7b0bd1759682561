// Malformed telemetry POSTs cost nothing that was or is later accepted. A body with nothing usable
// gets a 4xx; one that starts as a batch is salvaged (batch_salvage.h): a lone object is taken as
// an event (Lambda's continuation of a split event comes without its '['), and an event cut at the
// body's end waits for its continuation, then ships as a telemetry-kinesis.fragment event.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertExactlyOnce, assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { sharedDir } from './support/paths.mjs';
import { waitForListener, postTelemetry } from './support/listener_client.mjs';
import { freePort } from './support/ports.mjs';
import { arrayElementTexts, eventTextsOf } from './support/records.mjs';
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

// What each sample in ../shared/telemetry-samples/invalid gets.
const EXPECTED_STATUS = {
  'doc-initRuntimeDone-missing-comma.json': 400,  // its only event is damaged: nothing usable
  'doc-report-trailing-comma.json': 400,
  'invalid-utf8.json': 400,
  'not-an-array.json': 200,  // one whole event (a continuation's shape): taken
  'truncated.json': 200,  // an event cut short: kept for its continuation, then a fragment
};

test('answers 400 to bodies with nothing usable, salvages the rest, and ships every valid event', async () => {
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
    assert.equal(status, EXPECTED_STATUS[name] ?? 400, `${name}: HTTP ${status}`);
  }
  assert.equal(batchStatus, 200, 'batch-lifecycle.json was not accepted');
  assertExtensionExitedInTime(run, 1);
  assert.equal(run.exitCode, 0, runSummary(run));

  const batchEvents = arrayElementTexts(readFileSync(path.join(samplesDir, 'batch-lifecycle.json'), 'utf8'));
  const lone = readFileSync(path.join(invalidDir, 'not-an-array.json'), 'utf8').trim();
  const expected = [...run.events.map((e) => e.raw), ...batchEvents, lone];
  const records = await waitForRecordCount({ endpoint: kinesis.endpoint, streamName: STREAM }, expected.length + 1,
    15000);
  // The cut event's head, unjoined (the next body did not continue it), as one fragment event.
  const isFragment = (text) => JSON.parse(text).type === 'telemetry-kinesis.fragment';
  const fragments = records.filter((r) => eventTextsOf(r).some(isFragment));
  assert.equal(fragments.length, 1, 'one fragment event for truncated.json');
  const fragment = JSON.parse(eventTextsOf(fragments[0])[0]);
  const truncated = readFileSync(path.join(invalidDir, 'truncated.json'), 'utf8');
  assert.equal(fragment.record.fragment, truncated.slice(truncated.indexOf('{')));
  assertExactlyOnce(expected, records.filter((r) => !fragments.includes(r)));
});
