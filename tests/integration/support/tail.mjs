// Runs tools/telemetry-kinesis-tail.mjs over a whole stream, as a user would.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { DUMMY_CREDENTIALS } from './kinesis_client.mjs';
import { sourceDir } from './paths.mjs';

const TAIL_PATH = path.join(sourceDir, 'tools', 'telemetry-kinesis-tail.mjs');
const TAIL_TIMEOUT_MS = 60000;

/**
 * telemetry-kinesis-tail --trim-horizon --output `output` over `streamName` (plus `extraArgs`);
 * resolves to { code, lines: its stdout lines, stderr }. Killed after 60 s.
 */
export function runTail({ endpoint, streamName, output, extraArgs = [] }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TAIL_PATH, '--stream', streamName, '--endpoint', endpoint,
      '--region', 'us-east-1', '--trim-horizon', '--output', output, '--timeout-ms', '30000', ...extraArgs], {
      env: { ...process.env, ...DUMMY_CREDENTIALS }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), TAIL_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      resolve({ code, lines: stdout.split('\n').filter((l) => l.length > 0), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
