#!/usr/bin/env node
// Prints every record of a Kinesis stream (kinesis-local in the demo): partition key, shard, data as JSON.
//
// usage: node tools/read-stream.mjs --endpoint URL --stream NAME [--region R] [--json]
//   --json  print one JSON array of {shardId, partitionKey, sequenceNumber, data} instead
import { parseArgs } from 'node:util';
import { readAllRecords } from '../tests/integration/support/stream_reader.mjs';

const usage = 'usage: node tools/read-stream.mjs --endpoint URL --stream NAME [--region R] [--json]';

function parseData(data) {
  const text = data.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;  // not JSON: show it as it is
  }
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        endpoint: { type: 'string' },
        stream: { type: 'string' },
        region: { type: 'string', default: 'us-east-1' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    console.error(`${err.message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.endpoint || !values.stream) {
    console.error(usage);
    return 2;
  }
  const records = await readAllRecords({ endpoint: values.endpoint, streamName: values.stream, region: values.region });
  if (values.json) {
    const rows = records.map(({ data, ...rest }) => ({ ...rest, data: parseData(data) }));
    console.log(JSON.stringify(rows, null, 2));
    return 0;
  }
  records.forEach((record, i) => {
    console.log(`--- record ${i + 1}: partition key ${record.partitionKey}, ${record.shardId}, ` +
                `sequence ${record.sequenceNumber}`);
    const data = parseData(record.data);
    console.log(typeof data === 'string' ? data : JSON.stringify(data, null, 2));
  });
  console.log(`${records.length} record(s) in stream ${values.stream}`);
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err) => {
  console.error(`read-stream: ${err.name}: ${err.message}`);
  process.exitCode = 1;
});
