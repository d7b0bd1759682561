#!/usr/bin/env node
// telemetry-kinesis-tail: reads a stream that telemetry-kinesis writes to (every shard, from the tip,
// a time or the oldest record), de-aggregates every record format (event, ndjson, ndjson+gzip, kpl,
// cloudwatch-logs)
// and prints one line per telemetry event, or the events' envelopes as JSON lines.
//
// usage: node tools/telemetry-kinesis-tail.mjs --stream NAME|ARN [options]
//   --region R          the stream's region (default: AWS_REGION, else the ARN's, else us-east-1)
//   --endpoint URL      Kinesis endpoint (default: the SDK's, which honours AWS_ENDPOINT_URL_KINESIS)
//   --tip               only events written from now on, following the stream (the default)
//   --from TIME         from an ISO 8601 time (e.g. 2024-05-01T12:00:00Z)
//   --trim-horizon      from the oldest record the stream keeps
//   --follow            after --from/--trim-horizon, keep following once caught up
//   --output FORMAT     lines (default): time, type, request id, level, message or metrics;
//                       json: each event's envelope {"function":...,"event":{...}} exactly as shipped
//   --keep-duplicates   print every copy of an event delivered more than once (by default an
//                       event whose id was already printed is skipped: docs/record-formats.md)
//   --max-events N      stop after N events
//   --duration-ms MS    stop following after MS (default 3,600,000)
//   --timeout-ms MS     give up catching up after MS (default 120,000)
//   --poll-ms MS        pause between polls of a caught-up stream (default 1,000)
// Credentials: the AWS SDK's default chain (environment, profile, instance role).
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { eventLine } from './lib/event_view.mjs';
import { decodeRecord } from './lib/record_decoder.mjs';

const usage = 'usage: node tools/telemetry-kinesis-tail.mjs --stream NAME|ARN [--region R] [--endpoint URL] ' +
  '[--tip | --from TIME | --trim-horizon] [--follow] [--output lines|json] [--keep-duplicates] [--max-events N] ' +
  '[--duration-ms MS] [--timeout-ms MS] [--poll-ms MS]';

// GetRecords returns at most 10,000 records per call (Kinesis API reference, GetRecords "Limit").
const MAX_RECORDS_PER_CALL = 10000;
const MAX_SHARD_LIST_PAGES = 100;
// Kinesis allows 5 GetRecords calls per second per shard: never poll one shard faster than this.
const MIN_CALL_INTERVAL_MS = 200;
// Event ids remembered for dropping duplicates (the oldest are forgotten first): 16 MB or so.
// A duplicate arrives within seconds of the original (a re-sent POST, a retried PutRecords).
const MAX_IDS_REMEMBERED = 200000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      stream: { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      tip: { type: 'boolean', default: false },
      from: { type: 'string' },
      'trim-horizon': { type: 'boolean', default: false },
      follow: { type: 'boolean', default: false },
      output: { type: 'string', default: 'lines' },
      'max-events': { type: 'string' },
      'duration-ms': { type: 'string', default: '3600000' },
      'timeout-ms': { type: 'string', default: '120000' },
      'poll-ms': { type: 'string', default: '1000' },
      'keep-duplicates': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return { help: true };
  const problems = [];
  if (!values.stream) problems.push('--stream is required');
  const starts = [values.tip, values.from !== undefined, values['trim-horizon']].filter(Boolean).length;
  if (starts > 1) problems.push('give one of --tip, --from, --trim-horizon');
  let from;
  if (values.from !== undefined) {
    from = new Date(values.from);
    if (Number.isNaN(from.getTime())) problems.push(`--from ${values.from}: not an ISO 8601 time`);
  }
  if (!['lines', 'json'].includes(values.output)) problems.push('--output must be lines or json');
  const number = (name, min) => {
    const text = values[name];
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) problems.push(`--${name} ${text}: expected an integer >= ${min}`);
    return n;
  };
  const options = {
    stream: values.stream,
    region: values.region,
    endpoint: values.endpoint,
    start: from ? 'AT_TIMESTAMP' : values['trim-horizon'] ? 'TRIM_HORIZON' : 'LATEST',
    from,
    output: values.output,
    keepDuplicates: values['keep-duplicates'],
    maxEvents: number('max-events', 1),
    durationMs: number('duration-ms', 0),
    timeoutMs: number('timeout-ms', 1),
    pollMs: number('poll-ms', 0),
  };
  // From the tip there is nothing to catch up with: the point is to follow.
  options.follow = values.follow || options.start === 'LATEST';
  if (problems.length > 0) throw new Error(problems.join('; '));
  return options;
}

function streamParameters(stream) {
  return stream.startsWith('arn:') ? { StreamARN: stream } : { StreamName: stream };
}

function makeClient({ stream, region, endpoint }) {
  const arnRegion = stream.startsWith('arn:') ? stream.split(':')[3] : undefined;
  return new KinesisClient({
    region: region ?? arnRegion ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: 5,
    // HTTP/1.1: the SDK's HTTP/2 default fails on plain-HTTP endpoints such as a local Kinesis.
    requestHandler: new NodeHttpHandler({ connectionTimeout: 3000, requestTimeout: 10000 }),
  });
}

async function listShardIds(client, stream) {
  const ids = [];
  let nextToken;
  for (let page = 0; page < MAX_SHARD_LIST_PAGES; page += 1) {
    // ListShards takes either the stream or NextToken, never both (Kinesis API reference).
    const out = await client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : streamParameters(stream)));
    ids.push(...(out.Shards ?? []).map((s) => s.ShardId));
    nextToken = out.NextToken;
    if (!nextToken) return ids.sort();
  }
  throw new Error(`ListShards: more than ${MAX_SHARD_LIST_PAGES} pages`);
}

/**
 * Whether an event with `id` was seen already (remembering it): every event telemetry-kinesis
 * ships has an id that is the same on each delivery of that event and different for any other.
 * Events without an id (an earlier extension version) are never duplicates.
 */
function duplicateChecker() {
  const seen = new Set();
  return (id) => {
    if (typeof id !== 'string') return false;
    if (seen.has(id)) return true;
    seen.add(id);
    if (seen.size > MAX_IDS_REMEMBERED) seen.delete(seen.values().next().value);
    return false;
  };
}

/**
 * Reads the stream and calls onEvent({ envelopeText, envelope, event, format, shardId, partitionKey,
 * sequenceNumber }) for each event, in order per shard, once per event id unless
 * options.keepDuplicates. Resolves to counts when caught up (or the duration / event limit is
 * reached while following).
 */
export async function tailStream(options, onEvent, onProblem = (text) => console.error(text)) {
  const client = makeClient(options);
  const counts = { events: 0, records: 0, formats: {}, undecodable: 0, duplicates: 0 };
  const isDuplicate = options.keepDuplicates ? () => false : duplicateChecker();
  const started = Date.now();
  try {
    const shards = [];
    for (const shardId of await listShardIds(client, options.stream)) {
      const { ShardIterator } = await client.send(new GetShardIteratorCommand({
        ...streamParameters(options.stream), ShardId: shardId, ShardIteratorType: options.start,
        ...(options.from ? { Timestamp: options.from } : {}),
      }));
      shards.push({ shardId, iterator: ShardIterator, caughtUp: false, lastCallAt: 0 });
    }
    const limitReached = () => options.maxEvents !== undefined && counts.events >= options.maxEvents;
    // Each round calls GetRecords once per open shard; rounds end by time, caught-up state or limit.
    const maxRounds = Math.ceil(Math.max(options.durationMs, options.timeoutMs) / MIN_CALL_INTERVAL_MS) + 10;
    for (let round = 0; round < maxRounds && !limitReached(); round += 1) {
      const elapsed = Date.now() - started;
      if (options.follow ? elapsed > options.durationMs : elapsed > options.timeoutMs) break;
      let gotAny = false;
      for (const shard of shards.filter((s) => s.iterator)) {
        const wait = shard.lastCallAt + MIN_CALL_INTERVAL_MS - Date.now();
        if (wait > 0) await sleep(wait);
        shard.lastCallAt = Date.now();
        const out = await client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: MAX_RECORDS_PER_CALL }));
        for (const record of out.Records ?? []) {
          gotAny = true;
          counts.records += 1;
          let decoded;
          try {
            decoded = decodeRecord(Buffer.from(record.Data));
          } catch (err) {
            counts.undecodable += 1;
            onProblem(`telemetry-kinesis-tail: ${shard.shardId} ${record.SequenceNumber}: ${err.message}`);
            continue;
          }
          counts.formats[decoded.format] = (counts.formats[decoded.format] ?? 0) + 1;
          for (const { text } of decoded.events) {
            let envelope;
            try {
              envelope = JSON.parse(text);
            } catch (err) {
              counts.undecodable += 1;
              onProblem(`telemetry-kinesis-tail: ${shard.shardId} ${record.SequenceNumber}: an event is not JSON: ${err.message}`);
              continue;
            }
            if (isDuplicate(envelope.id)) {
              counts.duplicates += 1;
              continue;
            }
            counts.events += 1;
            onEvent({ envelopeText: text, envelope, event: envelope.event, format: decoded.format, shardId: shard.shardId,
              partitionKey: record.PartitionKey, sequenceNumber: record.SequenceNumber });
            if (limitReached()) return counts;
          }
        }
        shard.caughtUp = (out.Records ?? []).length === 0 && out.MillisBehindLatest === 0;
        shard.iterator = out.NextShardIterator;  // absent once a closed shard is read to its end
      }
      const open = shards.filter((s) => s.iterator);
      if (!options.follow && open.every((s) => s.caughtUp)) return counts;
      if (open.length === 0) return counts;
      if (!gotAny) await sleep(options.follow ? options.pollMs : 0);
    }
    if (!options.follow && !limitReached()) throw new Error(`not caught up after ${options.timeoutMs} ms`);
    return counts;
  } finally {
    client.destroy();
  }
}

async function main(argv) {
  let options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    console.error(`${err.message}\n${usage}`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  let stopped = false;
  process.once('SIGINT', () => { stopped = true; process.exit(0); });
  const print = options.output === 'json'
    ? ({ envelopeText }) => process.stdout.write(`${envelopeText}\n`)
    : ({ event }) => process.stdout.write(`${eventLine(event)}\n`);
  const counts = await tailStream(options, print);
  // Let what was printed reach stdout before the summary goes to stderr (a shared terminal or pipe).
  await new Promise((resolve) => process.stdout.write('', resolve));
  if (!stopped) {
    const formats = Object.entries(counts.formats).map(([f, n]) => `${f} ${n}`).join(', ') || 'none';
    console.error(`telemetry-kinesis-tail: ${counts.events} event(s) from ${counts.records} record(s) ` +
                  `(formats: ${formats})${counts.duplicates ? `, ${counts.duplicates} duplicate(s) skipped` : ''}` +
                  `${counts.undecodable ? `, ${counts.undecodable} undecodable` : ''}`);
  }
  return counts.undecodable > 0 ? 1 : 0;
}

// Run as a program (not when imported by a test).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
    console.error(`telemetry-kinesis-tail: ${err.name}: ${err.message}`);
    process.exitCode = 1;
  });
}
