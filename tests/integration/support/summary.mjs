// Reads the extension's shutdown summary line and checks its accounting equation.
import assert from 'node:assert/strict';
import fs from 'node:fs';

/** key=value pairs of the extension's `INFO shutdown:` line in `stderr`, as numbers. */
export function shutdownSummary(stderr) {
  const line = stderr.split('\n').find((l) => l.includes('INFO shutdown: '));
  assert.ok(line, `no shutdown summary line in the extension's log:\n${stderr.slice(-3000)}`);
  return Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map(([, k, v]) => [k, Number(v)]));
}

/**
 * The balance roles of the summary's counters, from README.md's "Delivery counters" table (which a
 * unit test holds to src/pipeline/delivery_stats.h's one table): `in` and `out` keys, all events.
 */
function balanceRoles() {
  const readme = fs.readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Delivery counters'));
  const roles = { in: [], out: [] };
  for (const [, key, role] of section.matchAll(/^\| `(\w+)` \| [^|]* \| (in|out) \|/gm)) {
    roles[role].push(key);
  }
  assert.ok(roles.in.length > 0 && roles.out.length > 0, 'README.md has no "Delivery counters" roles');
  return roles;
}
const ROLES = balanceRoles();

/**
 * Every event the extension took in is delivered, filtered, dropped with a reason, or unsent at
 * shutdown: the sum of the `in` counters equals the sum of the `out` ones. Each must be in the line.
 */
export function assertAccountingBalances(s, context = '') {
  const sum = (keys) => keys.reduce((total, key) => {
    assert.ok(key in s, `the shutdown summary has no ${key}: ${JSON.stringify(s)}\n${context}`);
    return total + s[key];
  }, 0);
  assert.equal(sum(ROLES.out), sum(ROLES.in),
    `accounting does not balance (in: ${ROLES.in.join(' + ')}; out: ${ROLES.out.join(' + ')}): ` +
    `${JSON.stringify(s)}\n${context}`);
}

/** Lines of `text` that contain `needle`. */
export function linesWith(text, needle) {
  return text.split('\n').filter((line) => line.includes(needle));
}
