#!/usr/bin/env node
// Measures what each TELEMETRY_KINESIS_FLUSH strategy costs and buys (docs/execution-modes.md):
// the time it adds to each invocation (runtime done -> the extension's /next, which Lambda bills)
// and the freshness of the data (event time -> arrival in the stream), with the extension frozen
// between invocations as Lambda freezes it, against kinesis-local on loopback.
//
//   TK_BUILD_DIR=build-modes node bench/flush_modes.mjs [--invocations N] [--out FILE]
import { writeFileSync } from 'node:fs';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { makeKinesisClient } from '../tests/integration/support/kinesis_client.mjs';
import { startKinesisLocal } from '../tests/integration/support/kinesis_local.mjs';
import { eventTextOf } from '../tests/integration/support/records.mjs';
import { extensionEnv, runSandbox } from '../tests/integration/support/sandbox.mjs';

const args = { invocations: 10, out: null };
for (let i = 2; i < process.argv.length; i += 1) {
  if (process.argv[i] === '--invocations') args.invocations = Number(process.argv[++i]);
  else if (process.argv[i] === '--out') args.out = process.argv[++i];
  else throw new Error(`unknown argument ${process.argv[i]}`);
}

const RARE_INTERVAL_MS = 1500;  // "rare": the sandbox is frozen 1.5 s between invocations
const LOG_LINES = 10;
const INVOKE_DURATION_MS = 50;

// name, extension env, sandbox flags
const scenarios = [
  ['adaptive (default), rare', {}, ['--freeze', '--interval-ms', String(RARE_INTERVAL_MS)]],
  ['adaptive, rare, buffer timeout 25 ms', { TELEMETRY_KINESIS_BUFFER_TIMEOUT_MS: '25' },
    ['--freeze', '--interval-ms', String(RARE_INTERVAL_MS)]],
  ['end, rare', { TELEMETRY_KINESIS_FLUSH: 'end' }, ['--freeze', '--interval-ms', String(RARE_INTERVAL_MS)]],
  ['background, rare', { TELEMETRY_KINESIS_FLUSH: 'background' },
    ['--freeze', '--interval-ms', String(RARE_INTERVAL_MS)]],
  ['periodic,1000, rare', { TELEMETRY_KINESIS_FLUSH: 'periodic,1000' },
    ['--freeze', '--interval-ms', String(RARE_INTERVAL_MS)]],
  ['adaptive (default), back to back', {}, ['--freeze']],
  ['end, back to back', { TELEMETRY_KINESIS_FLUSH: 'end' }, ['--freeze']],
];

const quantile = (values, q) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};
const fmt = (v) => (v === null ? '-' : v.toFixed(v < 10 ? 1 : 0));

// Every record of a one-shard stream with its arrival time.
async function readWithArrival(endpoint, streamName) {
  const client = makeKinesisClient({ endpoint });
  try {
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({
      StreamName: streamName, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    const records = [];
    let iterator = ShardIterator;
    for (let page = 0; page < 100 && iterator; page += 1) {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
      for (const r of out.Records ?? []) {
        records.push({ data: Buffer.from(r.Data), arrivedAt: r.ApproximateArrivalTimestamp.getTime() });
      }
      if ((out.Records ?? []).length === 0) break;
      iterator = out.NextShardIterator;
    }
    return records;
  } finally {
    client.destroy();
  }
}

const streams = scenarios.map((_, i) => `flush-modes-${i}`);
const kinesis = await startKinesisLocal({ streams: streams.map((name) => ({ name, shards: 1 })) });
const results = [];
try {
  for (const [i, [name, env, flags]] of scenarios.entries()) {
    const run = await runSandbox({
      invocations: args.invocations,
      logLines: LOG_LINES,
      env: { ...await extensionEnv({ endpoint: kinesis.endpoint, streamName: streams[i] }), ...env },
      extraArgs: [...flags, '--invoke-duration-ms', String(INVOKE_DURATION_MS)],
    });
    if (run.exitCode !== 0) throw new Error(`${name}: sandbox exit ${run.exitCode}\n${run.stderr.slice(-2000)}`);
    const arrivals = new Map((await readWithArrival(kinesis.endpoint, streams[i]))
      .map((r) => [eventTextOf(r), r.arrivedAt]));
    // Freshness of the function's own log lines (the telemetry users look for first).
    const freshness = run.events.filter((e) => e.json.type === 'function')
      .map((e) => arrivals.get(e.raw) - Date.parse(e.json.time)).filter((v) => Number.isFinite(v));
    const overhead = run.report.per_invocation_overhead_ms;
    const row = {
      name,
      added_ms: { median: quantile(overhead, 0.5), p99: quantile(overhead, 0.99), max: Math.max(...overhead) },
      freshness_ms: { median: quantile(freshness, 0.5), p99: quantile(freshness, 0.99), max: Math.max(...freshness) },
      delivered: arrivals.size,
      sent: run.events.length,
    };
    results.push(row);
    process.stderr.write(`${name}: added ${fmt(row.added_ms.median)}/${fmt(row.added_ms.p99)} ms, ` +
      `freshness ${fmt(row.freshness_ms.median)}/${fmt(row.freshness_ms.p99)} ms\n`);
  }
} finally {
  await kinesis.stop();
}

const lines = [
  '| strategy, invocations | added per invocation, median / p99 / max (ms) | function log line -> in the stream, median / p99 / max (ms) |',
  '| --- | --- | --- |',
  ...results.map((r) => `| ${r.name} | ${fmt(r.added_ms.median)} / ${fmt(r.added_ms.p99)} / ${fmt(r.added_ms.max)} ` +
    `| ${fmt(r.freshness_ms.median)} / ${fmt(r.freshness_ms.p99)} / ${fmt(r.freshness_ms.max)} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (args.out) writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
