// Starts kinesis-local (the kinesis-mock engine, from node_modules) on loopback for one test file.
//
// kinesis-local 0.6.2 has no listen-address option and binds the wildcard address; we preload
// loopback_only.cjs, which makes its listen() call bind 127.0.0.1 instead.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { DEFAULT_REGION, makeKinesisClient } from './kinesis_client.mjs';
import { loopbackShimPath, nodeModulesDir } from './paths.mjs';
import { freePorts } from './ports.mjs';

const packageDir = path.join(nodeModulesDir, 'kinesis-local');

const POLL_INTERVAL_MS = 200;
const STOP_GRACE_MS = 5000;
const LOG_TAIL_BYTES = 16 * 1024;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts kinesis-local with the given streams and waits (at most readyTimeoutMs) until each is ACTIVE.
 * Returns { endpoint, port, tlsPort, region, stop(), log() }. Rejects, after killing the process,
 * when it exits early or a stream is not ACTIVE in time.
 */
export async function startKinesisLocal({ streams, region = DEFAULT_REGION, readyTimeoutMs = 30000 }) {
  if (!Array.isArray(streams) || streams.length === 0) throw new Error('startKinesisLocal: no streams given');
  const [port, tlsPort] = await freePorts(2);
  const workDir = mkdtempSync(path.join(tmpdir(), 'kinesis-local-'));
  const child = spawn(process.execPath, ['--require', loopbackShimPath, path.join(packageDir, 'main.js')], {
    cwd: workDir,  // it may write a "data" folder relative to the working directory
    env: {
      ...process.env,
      KINESIS_MOCK_CERT_PATH: path.join(packageDir, 'server.json'),
      KINESIS_MOCK_PLAIN_PORT: String(port),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      INITIALIZE_STREAMS: streams.map((s) => `${s.name}:${s.shards}:${region}`).join(','),
      AWS_REGION: region,
      SHOULD_PERSIST_DATA: 'false',
      LOG_LEVEL: process.env.TK_KINESIS_LOG_LEVEL ?? 'WARN',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let logTail = '';
  const keepTail = (chunk) => {
    logTail = (logTail + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
    if (process.env.TK_KINESIS_LOG) process.stderr.write(chunk);
  };
  child.stdout.on('data', keepTail);
  child.stderr.on('data', keepTail);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let hasExited = false;
  exited.then(() => { hasExited = true; });
  // Last resort if the test process ends without calling stop(): never leave a server behind.
  const killOnExit = () => { if (!hasExited) child.kill('SIGKILL'); };
  process.once('exit', killOnExit);

  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      rmSync(workDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilActive({ endpoint, region, streams, readyTimeoutMs, hasExited: () => hasExited, log: () => logTail });
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, port, tlsPort, region, stop, log: () => logTail };
}

async function waitUntilActive({ endpoint, region, streams, readyTimeoutMs, hasExited, log }) {
  // One attempt per poll: this loop does its own retrying, bounded by the deadline.
  const client = makeKinesisClient({ endpoint, region, maxAttempts: 1, requestTimeoutMs: 2000 });
  const deadline = Date.now() + readyTimeoutMs;
  const pending = new Set(streams.map((s) => s.name));
  let lastError = 'not polled yet';
  try {
    while (pending.size > 0) {
      if (hasExited()) throw new Error(`kinesis-local exited during start-up:\n${log()}`);
      if (Date.now() > deadline) {
        throw new Error(`kinesis-local: streams ${[...pending].join(', ')} not ACTIVE after ${readyTimeoutMs} ms ` +
                        `(last: ${lastError})\n${log()}`);
      }
      for (const name of [...pending]) {
        try {
          const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
          const status = out.StreamDescriptionSummary?.StreamStatus;
          if (status === 'ACTIVE') pending.delete(name);
          else lastError = `${name} is ${status}`;
        } catch (err) {
          lastError = `${err.name}: ${err.message}`;
        }
      }
      if (pending.size > 0) await sleep(POLL_INTERVAL_MS);
    }
  } finally {
    client.destroy();
  }
}
