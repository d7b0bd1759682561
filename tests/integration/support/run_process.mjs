// Runs a program to its end, collecting its output; bounded by a timeout and killed on exit.
import { spawn } from 'node:child_process';

const live = new Set();
process.once('exit', () => { for (const child of live) child.kill('SIGKILL'); });

/** Runs `file args`, resolves { code, stdout, stderr, ms }; SIGKILL after timeoutMs (code null). */
export function runProcess(file, args, { timeoutMs = 120000, env, onSpawn } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    live.add(child);
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({
        code, ms: Date.now() - started,
        stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (onSpawn) onSpawn(child);
  });
}
