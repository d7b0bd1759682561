// Runs the extension under the local Lambda sandbox emulator (build/lambda-sandbox) and collects its output.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DUMMY_CREDENTIALS } from './kinesis_client.mjs';
import { buildDir } from './paths.mjs';
import { freePort } from './ports.mjs';

// TK_SANDBOX_PATH / TK_EXTENSION_PATH override the build's binaries (the sanitizer stage of
// scripts/test.sh runs a sanitized extension under the Release sandbox).
export const sandboxPath = process.env.TK_SANDBOX_PATH ?? path.join(buildDir, 'lambda-sandbox');
export const extensionPath = process.env.TK_EXTENSION_PATH ?? path.join(buildDir, 'telemetry-kinesis');

/**
 * Proxy variables of this machine's environment, emptied (empty counts as unset): the sandbox
 * passes its environment on, and a developer's own proxy must not come between the extension and
 * kinesis-local on loopback. A test of proxies sets the ones it means.
 */
export const NO_PROXY_VARIABLES = Object.fromEntries(
  ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'].map((name) => [name, '']));

/**
 * The extension's environment for shipping to `streamName` at `endpoint` (kinesis-local or a proxy),
 * with dummy credentials, no proxy, and its telemetry listener on 127.0.0.1:listenerPort (a free port
 * by default).
 */
export async function extensionEnv({ endpoint, streamName, listenerPort }) {
  return {
    TELEMETRY_KINESIS_STREAM: streamName,
    AWS_ENDPOINT_URL_KINESIS: endpoint,
    ...DUMMY_CREDENTIALS,
    ...NO_PROXY_VARIABLES,
    TELEMETRY_KINESIS_LISTENER_HOST: '127.0.0.1',
    TELEMETRY_KINESIS_LISTENER_PORT: String(listenerPort ?? await freePort()),
  };
}

/**
 * Runs `lambda-sandbox --extension build/telemetry-kinesis` for `invocations` invocations of
 * `logLines` log lines each, with `env` passed to the extension (--env K=V) and `extraArgs` appended.
 * Resolves to { exitCode, signal, timedOut, report, events, postedEvents, stdout, stderr, durationMs }
 * where `report` is the parsed --report JSON (null when absent), `postedEvents` the --events-out
 * NDJSON lines as { raw, json } (raw: the line exactly as the sandbox POSTed it, as a string; the
 * report's line numbers index it) and `events` those of them the extension took (answered 2xx):
 * what the stream must hold. The rest (the report's telemetry_events_unaccepted) Lambda drops.
 * The process is killed after timeoutMs (timedOut: true). `extension` replaces build/telemetry-kinesis
 * (e.g. a wrapper that starts the packaged layer in a chroot; its file name is the extension name).
 * `onProgress(step)`, when given, turns on --progress and is called with each step the sandbox
 * reports ({ event, epochMs, invocation?, requestId? }) as it happens, to act at a lifecycle step.
 */
export async function runSandbox({
  invocations, logLines, env = {}, extraArgs = [], timeoutMs = 120000, extension = extensionPath, onProgress,
}) {
  const workDir = mkdtempSync(path.join(tmpdir(), 'lambda-sandbox-'));
  const eventsPath = path.join(workDir, 'events.ndjson');
  const reportPath = path.join(workDir, 'report.json');
  const args = [
    '--extension', extension,
    '--invocations', String(invocations),
    '--log-lines', String(logLines),
    '--events-out', eventsPath,
    '--report', reportPath,
    ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
    ...extraArgs,
    ...(onProgress ? ['--progress'] : []),
  ];
  const started = Date.now();
  const child = spawn(sandboxPath, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = [];
  const stderr = [];
  child.stdout.on('data', (chunk) => stdout.push(chunk));
  if (onProgress) watchProgress(child.stdout, onProgress);
  child.stderr.on('data', (chunk) => {
    stderr.push(chunk);
    if (process.env.TK_SANDBOX_LOG) process.stderr.write(chunk);
  });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const { exitCode, signal } = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve({ exitCode: code, signal: sig }));
  }).finally(() => {
    clearTimeout(timer);
    process.removeListener('exit', killOnExit);
  });
  try {
    const report = existsSync(reportPath) ? JSON.parse(readFileSync(reportPath, 'utf8')) : null;
    return {
      exitCode,
      signal,
      timedOut,
      durationMs: Date.now() - started,
      report,
      ...postedAndAccepted(eventsPath, report),
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
    };
  } finally {
    if (!process.env.TK_KEEP_TMP) rmSync(workDir, { recursive: true, force: true });
  }
}

const PROGRESS_PREFIX = 'lambda-sandbox: progress ';

// Calls onProgress for each "lambda-sandbox: progress {json}" line of the sandbox's stdout.
function watchProgress(stream, onProgress) {
  let pending = '';
  stream.on('data', (chunk) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      if (line.startsWith(PROGRESS_PREFIX)) onProgress(JSON.parse(line.slice(PROGRESS_PREFIX.length)));
    }
  });
}

/** { postedEvents, events }: every --events-out line, and those the extension took. */
function postedAndAccepted(eventsPath, report) {
  const postedEvents = existsSync(eventsPath) ? parseEventLines(readFileSync(eventsPath)) : [];
  const unaccepted = new Set(report?.telemetry_events_unaccepted ?? []);
  return { postedEvents, events: postedEvents.filter((_, index) => !unaccepted.has(index + 1)) };
}

function parseEventLines(bytes) {
  return bytes.toString('utf8').split('\n').filter((line) => line.length > 0)
    .map((raw) => ({ raw, json: JSON.parse(raw) }));
}
