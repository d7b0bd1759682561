// Runs kinesis-local on loopback until SIGINT/SIGTERM (used by demo.sh); prints "endpoint <URL>" when
// every stream is ACTIVE.
//
// usage: node scripts/kinesis-local.mjs NAME:SHARDS [NAME:SHARDS ...]
import { startKinesisLocal } from '../tests/integration/support/kinesis_local.mjs';

const streams = process.argv.slice(2).map((arg) => {
  const [name, shards = '1'] = arg.split(':');
  return { name, shards: Number(shards) };
});
if (streams.length === 0 || streams.some((s) => !s.name || !Number.isInteger(s.shards) || s.shards < 1)) {
  console.error('usage: node scripts/kinesis-local.mjs NAME:SHARDS [NAME:SHARDS ...]');
  process.exit(2);
}

const kinesis = await startKinesisLocal({ streams });
console.log(`endpoint ${kinesis.endpoint}`);
const shutDown = () => { kinesis.stop().then(() => process.exit(0)); };
process.once('SIGINT', shutDown);
process.once('SIGTERM', shutDown);
