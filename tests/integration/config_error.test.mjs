// With a bad configuration the extension says so once, by variable name, and keeps the function working.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertExtensionExitedInTime, runSummary } from './support/checks.mjs';
import { startKinesisLocal } from './support/kinesis_local.mjs';
import { extensionEnv, runSandbox } from './support/sandbox.mjs';
import { readAllRecords } from './support/stream_reader.mjs';

const STREAM = 'telemetry-config';
const INVOCATIONS = 3;

let kinesis;

before(async () => {
  kinesis = await startKinesisLocal({ streams: [{ name: STREAM, shards: 1 }] });
});

after(async () => {
  await kinesis?.stop();
});

/** Lines of the sandbox's stderr (where the extension's stderr goes) that mention `name`. */
function linesNaming(run, name) {
  return run.stderr.split('\n').filter((line) => line.includes(name));
}

test('without TELEMETRY_KINESIS_STREAM: one line names the variable, invocations complete, exit 0', async () => {
  const { TELEMETRY_KINESIS_STREAM, ...env } = await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAM });
  const run = await runSandbox({ invocations: INVOCATIONS, logLines: 2, env });
  assertExtensionExitedInTime(run, INVOCATIONS);

  const lines = linesNaming(run, 'TELEMETRY_KINESIS_STREAM');
  assert.equal(lines.length, 1, `expected one line naming TELEMETRY_KINESIS_STREAM\n${runSummary(run)}`);
  assert.match(lines[0], /missing|required|not set|empty|invalid/i);
});

test('with TELEMETRY_KINESIS_BUFFER_MAX_ITEMS=5: one line names it as invalid, nothing is shipped, exit 0', async () => {
  const env = await extensionEnv({ endpoint: kinesis.endpoint, streamName: STREAM });
  const run = await runSandbox({
    invocations: INVOCATIONS,
    logLines: 2,
    env: { ...env, TELEMETRY_KINESIS_BUFFER_MAX_ITEMS: '5' },
  });
  assertExtensionExitedInTime(run, INVOCATIONS);

  const lines = linesNaming(run, 'TELEMETRY_KINESIS_BUFFER_MAX_ITEMS');
  assert.equal(lines.length, 1, `expected one line naming TELEMETRY_KINESIS_BUFFER_MAX_ITEMS\n${runSummary(run)}`);
  assert.match(lines[0], /invalid|out of range|must be|between/i);
  // It does not subscribe to telemetry with a bad config, so nothing reaches the stream.
  const records = await readAllRecords({ endpoint: kinesis.endpoint, streamName: STREAM });
  assert.equal(records.length, 0, `records shipped despite the config error\n${runSummary(run)}`);
});
