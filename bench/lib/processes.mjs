// The processes a benchmark run drives: the loopback PutRecords sink, the Lambda sandbox running the
// extension, the load driver, and the bench tools; each bounded by a timeout and killed on exit.
import { spawn } from 'node:child_process';
import {
  existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../tests/integration/support/ports.mjs';
import { runProcess as run } from '../../tests/integration/support/run_process.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const live = new Set();
process.once('exit', () => { for (const child of live) child.kill('SIGKILL'); });

// Runs a bench tool to its end (tests/integration/support/run_process.mjs).
export { run };

/** Starts bench/putrecords-sink on a free port; returns { endpoint, stats(), reset(), stop() }. */
export async function startSink(buildDir) {
  const workDir = mkdtempSync(path.join(tmpdir(), 'tk-sink-'));
  const portFile = path.join(workDir, 'port');
  const child = spawn(path.join(buildDir, 'bench', 'putrecords-sink'),
    ['--port-file', portFile, '--max-seconds', '3600'], { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  for (let i = 0; i < 100 && !existsSync(portFile); i += 1) await sleep(50);
  if (!existsSync(portFile)) throw new Error('putrecords-sink did not start');
  const endpoint = `http://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}`;
  return {
    endpoint,
    async stats() { return (await fetch(`${endpoint}/stats`)).json(); },
    async reset() { await fetch(`${endpoint}/reset`, { method: 'POST' }); },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
      live.delete(child);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** The extension's environment for shipping to `endpoint`, with a private spool directory. */
export async function extensionEnv(endpoint, spoolDir, extra = {}) {
  const listenerPort = await freePort();
  return {
    listenerPort,
    env: {
      TELEMETRY_KINESIS_STREAM: 'telemetry-bench',
      AWS_ENDPOINT_URL_KINESIS: endpoint,
      AWS_ACCESS_KEY_ID: 'AKIDTELEMETRYBENCH',
      AWS_SECRET_ACCESS_KEY: 'telemetry-bench-secret',
      AWS_SESSION_TOKEN: 'telemetry-bench-session',
      TELEMETRY_KINESIS_LISTENER_HOST: '127.0.0.1',
      TELEMETRY_KINESIS_LISTENER_PORT: String(listenerPort),
      TELEMETRY_KINESIS_SPOOL_DIR: spoolDir,
      ...extra,
    },
  };
}

// The extension's pid: the sandbox's only child.
function childPid(sandboxPid) {
  try {
    const tasks = readdirSync(`/proc/${sandboxPid}/task`);
    for (const task of tasks) {
      const children = readFileSync(`/proc/${sandboxPid}/task/${task}/children`, 'utf8').trim();
      if (children) return Number(children.split(/\s+/)[0]);
    }
  } catch { /* not started or gone */ }
  return null;
}

function statusKb(pid, key) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'));
    return match ? Number(match[1]) : null;
  } catch { return null; }
}

/** Resident memory of `pid` grouped as anonymous (heap, stacks) and per mapped file, in KiB. */
export function smapsByMapping(pid) {
  const groups = {};
  let name = null;
  try {
    for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      const head = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
      if (head) { name = head[1] || '[anon]'; continue; }
      const rss = line.match(/^Rss:\s+(\d+) kB/);
      if (rss && name !== null) groups[name] = (groups[name] ?? 0) + Number(rss[1]);
    }
  } catch { return null; }
  return groups;
}

/**
 * Runs build/lambda-sandbox on the extension (`extension`, default the build's) with `args`; samples the extension's RssAnon/RssFile
 * every 50 ms (their peaks) and, when `snapshotAtMs` is given, its smaps once at that time.
 * Resolves { report, stdout, stderr, code, peakAnonKb, peakFileKb, smaps }.
 */
export async function runSandbox(buildDir, { args, env, timeoutMs, snapshotAtMs, during, extension }) {
  const workDir = mkdtempSync(path.join(tmpdir(), 'tk-bench-sandbox-'));
  const reportPath = path.join(workDir, 'report.json');
  const fullArgs = ['--extension', extension ?? path.join(buildDir, 'telemetry-kinesis'), '--report', reportPath,
    '--no-log-passthrough', ...args,
    ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`])];
  let peakAnonKb = 0;
  let peakFileKb = 0;
  let smaps = null;
  let sampler = null;
  let snapshotTimer = null;
  const duringPromises = [];
  const result = await run(path.join(buildDir, 'lambda-sandbox'), fullArgs, {
    timeoutMs,
    onSpawn(child) {
      sampler = setInterval(() => {
        const pid = childPid(child.pid);
        if (!pid) return;
        peakAnonKb = Math.max(peakAnonKb, statusKb(pid, 'RssAnon') ?? 0);
        peakFileKb = Math.max(peakFileKb, statusKb(pid, 'RssFile') ?? 0);
      }, 50);
      if (snapshotAtMs) {
        snapshotTimer = setTimeout(() => {
          const pid = childPid(child.pid);
          if (pid) smaps = smapsByMapping(pid);
        }, snapshotAtMs);
      }
      if (during) duringPromises.push(during(child));
    },
  });
  clearInterval(sampler);
  clearTimeout(snapshotTimer);
  const duringResults = await Promise.all(duringPromises);
  const report = existsSync(reportPath) ? JSON.parse(readFileSync(reportPath, 'utf8')) : null;
  rmSync(workDir, { recursive: true, force: true });
  return { ...result, report, peakAnonKb, peakFileKb, smaps, during: duringResults[0] };
}

/**
 * Writes `dir`/telemetry-kinesis, a script that runs `extension` under `tool` (a command line that
 * ends where the program goes): the wrapper keeps the executable's file name, which is the name
 * the extension registers with. Returns the wrapper's path, for runSandbox's `extension`.
 */
export function wrapExtension(dir, tool, extension) {
  const wrapper = path.join(dir, 'telemetry-kinesis');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${tool} ${extension}\n`, { mode: 0o755 });
  return wrapper;
}

/** Waits (at most `ms`) until something accepts TCP connections on 127.0.0.1:port. */
export async function waitForListener(port, ms = 10000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await sleep(20);
  }
  return false;
}

export { sleep };
