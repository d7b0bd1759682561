// One readable line per telemetry event: time, type, request id, level, then the message (log lines)
// or the key metrics (platform events). Used by telemetry-kinesis-tail.

const LEVELS = new Map([
  ['trace', 'TRACE'], ['debug', 'DEBUG'], ['info', 'INFO'], ['warn', 'WARN'], ['warning', 'WARN'],
  ['error', 'ERROR'], ['fatal', 'FATAL'], ['critical', 'FATAL'],
]);
const MAX_MESSAGE_CHARS = 400;

/** The level word at the start of `text` ("[ERROR] x", "WARN: x", "[tag] INFO x"), or ''. */
function leadingLevel(text) {
  const match = /^\[?([A-Za-z]{4,8})(?=$|[\s:\]",])/.exec(text);
  return match ? (LEVELS.get(match[1].toLowerCase()) ?? '') : '';
}

/** The level of a text log line, mirroring the extension's filter (src/telemetry/log_level.h), or ''. */
export function textLevel(line) {
  const trimmed = line.trimStart();
  const fields = trimmed.split('\t', 4);
  for (const field of fields) {
    const level = leadingLevel(field);
    if (level) return level;
    const tagged = /^\[[^\]]{0,64}\]\s*(.*)$/s.exec(field);
    if (tagged) {
      const after = leadingLevel(tagged[1]);
      if (after) return after;
    }
  }
  const head = line.slice(0, 256);
  const keyed = /(?:^|[\s])level="?([A-Za-z]+)|"level":\s*"([A-Za-z]+)"/.exec(head);
  return keyed ? (LEVELS.get((keyed[1] ?? keyed[2]).toLowerCase()) ?? '') : '';
}

function ms(value) {
  return typeof value === 'number' ? `${Math.round(value * 100) / 100}ms` : undefined;
}

// key=value pairs of what matters in each platform event.
function platformSummary(type, record) {
  const m = record?.metrics ?? {};
  const parts = [];
  const add = (key, value) => { if (value !== undefined && value !== null && value !== '') parts.push(`${key}=${value}`); };
  switch (type) {
    case 'platform.report':
    case 'platform.initReport':
    case 'platform.restoreReport':
      add('status', record?.status);
      add('duration', ms(m.durationMs));
      add('billed', ms(m.billedDurationMs));
      if (m.maxMemoryUsedMB !== undefined) add('memory', `${m.maxMemoryUsedMB}/${m.memorySizeMB}MB`);
      add('init', ms(m.initDurationMs));
      add('restore', ms(m.restoreDurationMs));
      break;
    case 'platform.runtimeDone':
      add('status', record?.status);
      add('duration', ms(m.durationMs));
      add('producedBytes', m.producedBytes);
      break;
    case 'platform.start':
      add('version', record?.version);
      break;
    case 'platform.initStart':
      add('runtime', record?.runtimeVersion);
      add('initializationType', record?.initializationType);
      add('phase', record?.phase);
      break;
    case 'platform.extension':
      add('name', record?.name);
      add('state', record?.state);
      break;
    case 'platform.telemetrySubscription':
      add('name', record?.name);
      add('types', record?.types?.join(','));
      break;
    default:
      if (record && typeof record === 'object') {
        for (const [key, value] of Object.entries(record)) {
          if (typeof value !== 'object' && key !== 'requestId') add(key, value);
        }
      }
  }
  return parts.join(' ');
}

/** One line for `event` (the parsed Telemetry API event). */
export function eventLine(event) {
  const { time = '-', type = '?', record } = event ?? {};
  const requestId = (record && typeof record === 'object' && record.requestId) || '-';
  let level = '';
  let message;
  if (type === 'log') {
    // A CloudWatch log line (cloudwatch-logs format): Lambda's START/END/REPORT or the function's.
    message = String(record).trimEnd();
  } else if (type === 'function' || type === 'extension') {
    if (typeof record === 'string') {
      level = textLevel(record);
      message = record;
    } else {
      level = typeof record?.level === 'string' ? (LEVELS.get(record.level.toLowerCase()) ?? record.level) : '';
      message = typeof record?.message === 'string' ? record.message : JSON.stringify(record);
    }
  } else {
    message = platformSummary(type, record);
  }
  message = String(message).replace(/[\r\n]+/g, ' ');
  if (message.length > MAX_MESSAGE_CHARS) message = `${message.slice(0, MAX_MESSAGE_CHARS)}...`;
  return [time, type.padEnd(22), requestId.padEnd(36), (level || '-').padEnd(5), message].join('  ');
}
