// Turns stream records back into the events they carry, and compares them with what the sandbox sent.
//
// Record data is {<envelope fields>,"event":<the event's bytes exactly as POSTed>}, envelope first,
// so the event's bytes are everything between the first `"event":` and the final `}`. That is the
// `event` record format (one event per record: eventTextOf); the packed formats (ndjson, gzip, kpl)
// carry many such envelopes per record (eventTextsOf, envelopesOf, via tools/lib/record_decoder.mjs).
import { decodeRecord, eventTextOfEnvelope } from '../../../tools/lib/record_decoder.mjs';

const EVENT_KEY = '"event":';

/** The raw JSON texts of every event a record carries, in order, whatever its format. */
export function eventTextsOf(record) {
  return decodeRecord(record.data).events.map(({ text }) => eventTextOfEnvelope(text));
}

/** The envelopes (parsed, without their event) of every event a record carries, in order. */
export function envelopesOf(record) {
  return decodeRecord(record.data).events.map(({ text }) => {
    const { event, ...envelope } = JSON.parse(text);
    return envelope;
  });
}

/** The event's raw JSON text inside a record's data. Throws when the data is not in that shape. */
export function eventTextOf(record) {
  const text = record.data.toString('utf8');
  const start = text.indexOf(EVENT_KEY);
  if (start < 0 || !text.endsWith('}')) {
    throw new Error(`record ${record.sequenceNumber} is not an envelope with a trailing "event": ${text.slice(0, 200)}`);
  }
  return text.slice(start + EVENT_KEY.length, -1);
}

/** The record's data parsed as JSON, without its event: the envelope fields. */
export function envelopeOf(record) {
  const { event, ...envelope } = JSON.parse(record.data.toString('utf8'));
  return envelope;
}

/**
 * Compares the events the extension took from the sandbox (raw texts: a run's `events`, which
 * leave out what the extension never answered 2xx, such as its own log lines written after its
 * listener stopped) with the events read from the stream (raw texts):
 * { missing: sent but not in the stream, duplicates: in the stream more often than sent,
 *   extras: in the stream but never sent }. All three empty means exactly-once delivery.
 */
export function compareEvents(sentTexts, streamTexts) {
  const remaining = new Map();
  for (const text of sentTexts) {
    remaining.set(text, (remaining.get(text) ?? 0) + 1);
  }
  const sentSet = new Set(sentTexts);
  const duplicates = [];
  const extras = [];
  for (const text of streamTexts) {
    const left = remaining.get(text) ?? 0;
    if (left > 0) remaining.set(text, left - 1);
    else if (sentSet.has(text)) duplicates.push(text);
    else extras.push(text);
  }
  const missing = [...remaining].flatMap(([text, left]) => Array(left).fill(text));
  return { missing, duplicates, extras };
}

/** A short, readable summary of compareEvents' result, for assertion messages. */
export function describeDifference({ missing, duplicates, extras }) {
  const sample = (list) => list.slice(0, 3).map((text) => `    ${text.slice(0, 300)}`).join('\n');
  return [
    `missing ${missing.length}`, sample(missing),
    `duplicates ${duplicates.length}`, sample(duplicates),
    `extras ${extras.length}`, sample(extras),
  ].filter((line) => line.length > 0).join('\n');
}

/**
 * The exact text of each element of a JSON array (as a POST body holds it), whitespace around
 * elements excluded. Assumes `body` is a valid JSON array (JSON.parse it first to be sure).
 */
export function arrayElementTexts(body) {
  const elements = [];
  let depth = 0;  // nesting below the outer array
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = body.indexOf('[') + 1; i > 0 && i < body.length; i += 1) {
    const c = body[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (start < 0 && depth === 0 && c !== ',' && c !== ']' && !/\s/.test(c)) start = i;
    if (c === '"') {
      inString = true;
    } else if (c === '[' || c === '{') {
      depth += 1;
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth -= 1;
    } else if (depth === 0 && (c === ',' || c === ']')) {
      if (start >= 0) elements.push(body.slice(start, i).trimEnd());
      start = -1;
      if (c === ']') break;
    }
  }
  return elements;
}
