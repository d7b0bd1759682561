// Assertions shared by the integration tests, with messages that show what the sandbox saw.
import assert from 'node:assert/strict';
import { compareEvents, describeDifference, eventTextsOf } from './records.mjs';

const STDERR_TAIL_CHARS = 4000;

/** What to print when a sandbox run is not as expected: its status, report and the tail of its stderr. */
export function runSummary(run) {
  return [
    `sandbox exit ${run.exitCode}${run.signal ? ` (signal ${run.signal})` : ''}${run.timedOut ? ' TIMED OUT' : ''}` +
      ` after ${run.durationMs} ms`,
    `report: ${JSON.stringify(run.report)}`,
    `stderr (tail):\n${run.stderr.slice(-STDERR_TAIL_CHARS)}`,
  ].join('\n');
}

/** The sandbox ran to its end, every invocation completed, and the extension exited 0 before the deadline. */
export function assertExtensionExitedInTime(run, invocations) {
  assert.equal(run.timedOut, false, `sandbox did not finish\n${runSummary(run)}`);
  assert.ok(run.report, `sandbox wrote no report\n${runSummary(run)}`);
  assert.equal(run.report.per_invocation_overhead_ms?.length, invocations,
    `not every invocation completed\n${runSummary(run)}`);
  assert.ok(run.report.exited_in_time && run.report.exit_code === 0,
    `extension did not exit 0 before the SHUTDOWN deadline\n${runSummary(run)}`);
}

/** Every sent event text is in the stream exactly once, and nothing else is (any record format). */
export function assertExactlyOnce(sentTexts, records, context = '') {
  const difference = compareEvents(sentTexts, records.flatMap(eventTextsOf));
  assert.deepEqual(
    { missing: difference.missing.length, duplicates: difference.duplicates.length, extras: difference.extras.length },
    { missing: 0, duplicates: 0, extras: 0 },
    `${sentTexts.length} events sent, ${records.length} records read${context}\n${describeDifference(difference)}`);
}
