// Turns the data of one Kinesis record written by telemetry-kinesis back into the enveloped events
// it carries, whatever the record format (README "Record formats"):
//   kpl          starts with F3 89 9A C2: KPL aggregated record (protobuf + MD5), one user record per event
//   ndjson+gzip  starts with 1F 8B (gzip): gunzip, then ndjson
//   cloudwatch-logs  starts with 1F 8B too, and its text with {"messageType":"DATA_MESSAGE": a
//                CloudWatch Logs subscription record, one log event per event
//   ndjson       JSON text, one enveloped event per line, each line ending in '\n'
//   event        JSON text, one enveloped event, no newline
// Each enveloped event is {<envelope fields>,"event":<the event's bytes as Lambda sent them>}.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

export const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const KPL_DIGEST_BYTES = 16;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
// A record holds at most 1 MiB; gzip expands telemetry 5-20x. Bound what one record may inflate to.
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

// Protobuf wire types (protobuf encoding reference).
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/**
 * The enveloped events of a record's data: { format, events: [{ text, partitionKey? }] } where
 * `text` is one envelope's JSON text and, for kpl, `partitionKey` the user record's key.
 * Throws an Error naming the problem when the data is not in any of the formats.
 */
export function decodeRecord(data) {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (bytes.subarray(0, KPL_MAGIC.length).equals(KPL_MAGIC)) {
    return { format: 'kpl', events: deaggregateKpl(bytes).map(({ data: d, partitionKey }) => ({ text: d.toString('utf8'), partitionKey })) };
  }
  if (bytes.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC)) {
    const text = gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
    if (text.startsWith(DATA_MESSAGE_START)) return { format: 'cloudwatch-logs', events: logEventsOf(text) };
    return { format: 'ndjson+gzip', events: ndjsonLines(text).map((line) => ({ text: line })) };
  }
  const text = bytes.toString('utf8');
  if (!text.startsWith('{')) throw new Error(`record data is not JSON, gzip or KPL: ${JSON.stringify(text.slice(0, 80))}`);
  if (!text.endsWith('\n')) return { format: 'event', events: [{ text }] };
  return { format: 'ndjson', events: ndjsonLines(text).map((line) => ({ text: line })) };
}

// A CloudWatch Logs subscription record (cloudwatch-logs format) starts so.
const DATA_MESSAGE_START = '{"messageType":"DATA_MESSAGE"';

/**
 * The log events of a DATA_MESSAGE, each as the envelope-like text of one event:
 * {"id","timestamp","message","logGroup","logStream","event":{"time","type":"log","record":<message>}},
 * so that readers of envelopes (id, event) read these too.
 */
function logEventsOf(text) {
  const message = JSON.parse(text);
  return message.logEvents.map(({ id, timestamp, message: line }) => ({
    text: JSON.stringify({ id, timestamp, message: line, logGroup: message.logGroup, logStream: message.logStream,
      event: { time: new Date(timestamp).toISOString(), type: 'log', record: line } }),
  }));
}

function ndjsonLines(text) {
  if (!text.endsWith('\n')) throw new Error('ndjson record does not end with a newline');
  return text.slice(0, -1).split('\n');
}

/**
 * The user records of a KPL aggregated record: [{ partitionKey, explicitHashKey?, data: Buffer }].
 * Checks the MD5 trailer; throws on a mismatch or malformed protobuf.
 */
export function deaggregateKpl(bytes) {
  if (bytes.length < KPL_MAGIC.length + KPL_DIGEST_BYTES) throw new Error('KPL record shorter than its framing');
  const message = bytes.subarray(KPL_MAGIC.length, bytes.length - KPL_DIGEST_BYTES);
  const digest = bytes.subarray(bytes.length - KPL_DIGEST_BYTES);
  if (!createHash('md5').update(message).digest().equals(digest)) throw new Error('KPL record MD5 mismatch');
  const partitionKeys = [];
  const hashKeys = [];
  const records = [];
  for (const field of fields(message)) {
    if (field.number === 1 && field.wireType === WIRE_LENGTH_DELIMITED) partitionKeys.push(field.value.toString('utf8'));
    else if (field.number === 2 && field.wireType === WIRE_LENGTH_DELIMITED) hashKeys.push(field.value.toString('utf8'));
    else if (field.number === 3 && field.wireType === WIRE_LENGTH_DELIMITED) records.push(userRecord(field.value));
  }
  return records.map((r) => {
    const partitionKey = partitionKeys[r.partitionKeyIndex];
    if (partitionKey === undefined) throw new Error(`KPL user record names partition key ${r.partitionKeyIndex} of ${partitionKeys.length}`);
    const out = { partitionKey, data: r.data };
    if (r.explicitHashKeyIndex !== undefined) out.explicitHashKey = hashKeys[r.explicitHashKeyIndex];
    return out;
  });
}

function userRecord(bytes) {
  const record = {};
  for (const field of fields(bytes)) {
    if (field.number === 1 && field.wireType === WIRE_VARINT) record.partitionKeyIndex = field.value;
    else if (field.number === 2 && field.wireType === WIRE_VARINT) record.explicitHashKeyIndex = field.value;
    else if (field.number === 3 && field.wireType === WIRE_LENGTH_DELIMITED) record.data = field.value;
  }
  if (record.partitionKeyIndex === undefined || record.data === undefined) {
    throw new Error('KPL user record without its required partition_key_index or data');
  }
  return record;
}

// The fields of one protobuf message, in order: { number, wireType, value } (value: a number for
// varints, a Buffer view for length-delimited fields; fixed-width fields are skipped over).
function* fields(bytes) {
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (at >= bytes.length) throw new Error('protobuf varint runs past the end');
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error('protobuf varint longer than 10 bytes');
  };
  while (at < bytes.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (wireType === WIRE_VARINT) {
      yield { number, wireType, value: varint() };
    } else if (wireType === WIRE_LENGTH_DELIMITED) {
      const length = varint();
      if (at + length > bytes.length) throw new Error('protobuf field runs past the end');
      yield { number, wireType, value: bytes.subarray(at, at + length) };
      at += length;
    } else if (wireType === WIRE_FIXED64 || wireType === WIRE_FIXED32) {
      at += wireType === WIRE_FIXED64 ? 8 : 4;
      if (at > bytes.length) throw new Error('protobuf field runs past the end');
    } else {
      throw new Error(`protobuf wire type ${wireType} not supported`);
    }
  }
}

const EVENT_KEY = '"event":';

/** The event's own JSON text inside one envelope text (everything between the first `"event":` and the final `}`). */
export function eventTextOfEnvelope(text) {
  const start = text.indexOf(EVENT_KEY);
  if (start < 0 || !text.endsWith('}')) throw new Error(`not an envelope with a trailing "event": ${text.slice(0, 200)}`);
  return text.slice(start + EVENT_KEY.length, -1);
}
