#!/usr/bin/env node
// Writes cmake/hot-code-order.txt: every function of the extension's executable that runs in a
// representative Lambda life (init, invocations at 1k and 10k events/s, SHUTDOWN and its drain),
// hottest first, as recorded by valgrind's callgrind (every function executed, not a sample). The
// link (CMakeLists.txt, tk_link_as_extension) places those functions first and together: the
// kernel maps an executable's code 64 KiB around each page it faults in, so code that runs, spread
// over the whole 4.4 MB text, made almost all of it resident (bench/results/sustained.json).
//
//   node bench/hot_code.mjs --build-dir build-bench [--out cmake/hot-code-order.txt]
//
// Functions that later changes rename or add are not in the list: they are linked after it, as
// every function was before, until this is run again (scripts/bench.sh's figures show the effect).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  extensionEnv, runSandbox, startSink, wrapExtension,
} from './lib/processes.mjs';

const sourceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const buildDir = path.resolve(option('--build-dir', path.join(sourceDir, 'build-bench')));
const out = path.resolve(option('--out', path.join(sourceDir, 'cmake', 'hot-code-order.txt')));

execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
const scratch = mkdtempSync(path.join(os.tmpdir(), 'tk-hot-code-'));
const extension = path.join(buildDir, 'telemetry-kinesis');
const sink = await startSink(buildDir);
const wrapper = wrapExtension(scratch, 'valgrind --tool=callgrind --demangle=no --compress-strings=no '
  + `--compress-pos=no --trace-children=no --callgrind-out-file=${scratch}/callgrind.%p.out`, extension);

// Under callgrind the extension runs ~50 times slower: generous deadlines, few invocations.
const runs = [
  { invocations: 10, lines: 100 },   // 1k events/s
  { invocations: 4, lines: 1000 },   // 10k events/s: full requests
];
for (const { invocations, lines } of runs) {
  const { env } = await extensionEnv(sink.endpoint, path.join(scratch, `spool-${lines}`));
  const result = await runSandbox(buildDir, {
    extension: wrapper,
    args: ['--invocations', String(invocations), '--log-lines', String(lines), '--log-line-bytes', '250',
      '--invoke-duration-ms', '100', '--init-timeout-ms', '60000', '--shutdown-deadline-ms', '60000',
      '--function-timeout-ms', '60000'],
    env, timeoutMs: 600000,
  });
  if (!result.report?.ok) {
    throw new Error(`sandbox run under callgrind failed: ${JSON.stringify(result.report?.failures ?? result.stderr.slice(-2000))}`);
  }
}
await sink.stop();

// Self cost (instructions) per function of the executable, summed over the runs.
const cost = new Map();
for (const file of readdirSync(scratch).filter((f) => f.startsWith('callgrind.'))) {
  let object = '';
  let fn = null;
  let inCall = false;
  for (const line of readFileSync(path.join(scratch, file), 'utf8').split('\n')) {
    if (line.startsWith('ob=')) { object = line.slice(3); continue; }
    if (line.startsWith('fn=')) { fn = path.basename(object) === 'telemetry-kinesis' ? line.slice(3) : null; continue; }
    if (line.startsWith('calls=')) { inCall = true; continue; }
    if (/^\d/.test(line)) {
      // The line after calls= is the inclusive cost of that call, not this function's own.
      if (inCall) { inCall = false; continue; }
      if (fn) cost.set(fn, (cost.get(fn) ?? 0) + Number(line.split(' ')[1] ?? 0));
    }
  }
}
rmSync(scratch, { recursive: true, force: true });
const ordered = [...cost.entries()].sort((a, b) => b[1] - a[1]).map(([name]) => name);
// Code chosen by CPU at run time: valgrind hides some instruction sets (SHA-NI, AVX-512), so the
// variants it made OpenSSL's assembly and simdjson pick are listed with their siblings.
const siblings = (name) => {
  const asm = name.match(/^(\w+?)_(avx2|avx|ssse3|shaext|avx512|sse2)$/);
  if (asm) return ['shaext', 'avx2', 'avx', 'ssse3', 'avx512', 'sse2'].map((v) => `${asm[1]}_${v}`);
  if (name.includes('8simdjson7haswell')) {
    return [name, name.replace('8simdjson7haswell', '8simdjson7icelake'), name.replace('8simdjson7haswell', '8simdjson8westmere')];
  }
  return [name];
};
const seen = new Set();
const expanded = ordered.flatMap(siblings).filter((name) => !seen.has(name) && seen.add(name));
if (ordered.length < 100) throw new Error(`only ${ordered.length} functions recorded: callgrind output not understood`);
writeFileSync(out, `${expanded.join('\n')}\n`);
process.stdout.write(`hot code: ${ordered.length} functions recorded, ${expanded.length} names written to ${path.relative(sourceDir, out)}\n`);
