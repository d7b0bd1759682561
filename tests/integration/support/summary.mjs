// Reads the extension's shutdown summary line and checks its accounting equation.
import assert from 'node:assert/strict';

/** key=value pairs of the extension's `INFO shutdown:` line in `stderr`, as numbers. */
export function shutdownSummary(stderr) {
  const line = stderr.split('\n').find((l) => l.includes('INFO shutdown: '));
  assert.ok(line, `no shutdown summary line in the extension's log:\n${stderr.slice(-3000)}`);
  return Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map(([, k, v]) => [k, Number(v)]));
}

/**
 * Every event the extension took in is delivered, filtered, dropped with a reason, or unsent at
 * shutdown. All these keys count events, whatever the record format (records_put counts records).
 */
export function assertAccountingBalances(s, context = '') {
  const taken = s.received + (s.recovered_from_spool ?? 0);
  const accounted = s.delivered + (s.filtered ?? 0) + s.dropped_too_large + (s.dropped_overflow ?? 0) +
    (s.dropped_spool_corrupt ?? 0) + s.dropped_invalid_record + s.unsent_at_shutdown;
  assert.equal(accounted, taken, `accounting does not balance: ${JSON.stringify(s)}\n${context}`);
}

/** Lines of `text` that contain `needle`. */
export function linesWith(text, needle) {
  return text.split('\n').filter((line) => line.includes(needle));
}
