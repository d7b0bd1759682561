// Runs tools/telemetry-kinesis-tail.mjs over a whole stream, as a user would.
import path from 'node:path';
import { DUMMY_CREDENTIALS } from './kinesis_client.mjs';
import { sourceDir } from './paths.mjs';
import { runProcess } from './run_process.mjs';

const TAIL_PATH = path.join(sourceDir, 'tools', 'telemetry-kinesis-tail.mjs');
const TAIL_TIMEOUT_MS = 60000;

/**
 * telemetry-kinesis-tail --trim-horizon --output `output` over `streamName` (plus `extraArgs`);
 * resolves to { code, lines: its stdout lines, stderr }. Killed after 60 s.
 */
export async function runTail({ endpoint, streamName, output, extraArgs = [] }) {
  const { code, stdout, stderr } = await runProcess(process.execPath, [TAIL_PATH, '--stream', streamName,
    '--endpoint', endpoint, '--region', 'us-east-1', '--trim-horizon', '--output', output, '--timeout-ms', '30000',
    ...extraArgs], { timeoutMs: TAIL_TIMEOUT_MS, env: { ...process.env, ...DUMMY_CREDENTIALS } });
  return { code, lines: stdout.split('\n').filter((l) => l.length > 0), stderr };
}
