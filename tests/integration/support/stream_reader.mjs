// Reads a whole Kinesis stream back (every shard from TRIM_HORIZON), for tests, the demo and tools.
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { DEFAULT_REGION, makeKinesisClient } from './kinesis_client.mjs';

// GetRecords returns at most 10,000 records per call (Kinesis API reference, GetRecords "Limit").
const MAX_RECORDS_PER_PAGE = 10000;
const MAX_PAGES_PER_SHARD = 1000;
const MAX_SHARD_LIST_PAGES = 100;
const WAIT_POLL_INTERVAL_MS = 500;
// One whole read of a stream of a few MB takes seconds on a loaded machine: the last read of a
// wait gets at least this long, so a wait that ran out returns what is there to be asserted on.
const MIN_READ_MS = 10000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every record in the stream, shard by shard in shard order, each shard's records in sequence order:
 * [{ shardId, partitionKey, sequenceNumber, data: Buffer }].
 * Throws when the stream is not there or reading takes longer than timeoutMs.
 */
export async function readAllRecords({ endpoint, streamName, region = DEFAULT_REGION, timeoutMs = 30000 }) {
  const client = makeKinesisClient({ endpoint, region });
  const deadline = Date.now() + timeoutMs;
  const checkDeadline = () => {
    if (Date.now() > deadline) throw new Error(`readAllRecords(${streamName}): gave up after ${timeoutMs} ms`);
  };
  try {
    const records = [];
    for (const shardId of await listShardIds(client, streamName, checkDeadline)) {
      records.push(...await readShard(client, streamName, shardId, checkDeadline));
    }
    return records;
  } finally {
    client.destroy();
  }
}

async function listShardIds(client, streamName, checkDeadline) {
  const ids = [];
  let nextToken;
  for (let page = 0; page < MAX_SHARD_LIST_PAGES; page += 1) {
    checkDeadline();
    // ListShards takes either StreamName or NextToken, never both (Kinesis API reference).
    const out = await client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
    ids.push(...(out.Shards ?? []).map((s) => s.ShardId));
    nextToken = out.NextToken;
    if (!nextToken) return ids.sort();
  }
  throw new Error(`ListShards(${streamName}): more than ${MAX_SHARD_LIST_PAGES} pages`);
}

async function readShard(client, streamName, shardId, checkDeadline) {
  const { ShardIterator } = await client.send(new GetShardIteratorCommand({
    StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON',
  }));
  const records = [];
  let iterator = ShardIterator;
  for (let page = 0; page < MAX_PAGES_PER_SHARD && iterator; page += 1) {
    checkDeadline();
    const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: MAX_RECORDS_PER_PAGE }));
    for (const r of out.Records ?? []) {
      records.push({
        shardId,
        partitionKey: r.PartitionKey,
        sequenceNumber: r.SequenceNumber,
        data: Buffer.from(r.Data),
      });
    }
    // An empty page at the tip of the shard means we have read everything there is now.
    if ((out.Records ?? []).length === 0 && out.MillisBehindLatest === 0) return records;
    iterator = out.NextShardIterator;  // absent once a closed shard is read to its end
  }
  if (!iterator) return records;
  throw new Error(`GetRecords(${shardId}): more than ${MAX_PAGES_PER_SHARD} pages`);
}

/**
 * Reads the stream until it holds at least `count` records or `timeoutMs` passes; returns the
 * last read (which may hold fewer records: the caller asserts and can print what is there).
 */
export async function waitForRecordCount(options, count, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  const maxReads = Math.ceil(timeoutMs / WAIT_POLL_INTERVAL_MS) + 1;
  let records = [];
  for (let read = 0; read < maxReads; read += 1) {
    records = await readAllRecords({ ...options, timeoutMs: Math.max(MIN_READ_MS, deadline - Date.now()) });
    if (records.length >= count || Date.now() + WAIT_POLL_INTERVAL_MS > deadline) break;
    await sleep(WAIT_POLL_INTERVAL_MS);
  }
  return records;
}
