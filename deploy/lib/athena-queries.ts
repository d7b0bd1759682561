// The archive's table (its columns, as the envelope of README "Record format" has them) and the
// Athena queries users ask first, in Athena engine version 3's SQL (Trino). The test parses each
// query and checks every column it names against these columns.

/** A column of the Glue table: Athena's JSON SerDe matches it to the envelope key case-insensitively. */
export interface TableColumn {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
}

/** The fields of the event struct: `record` stays JSON text (an object or a string) for json_extract. */
export const EVENT_FIELDS = ['time', 'type', 'record'] as const;

export const TABLE_COLUMNS: readonly TableColumn[] = [
  { name: 'function', type: 'string', comment: 'AWS_LAMBDA_FUNCTION_NAME' },
  { name: 'version', type: 'string', comment: 'AWS_LAMBDA_FUNCTION_VERSION' },
  { name: 'region', type: 'string', comment: "the stream's region" },
  { name: 'memorymb', type: 'int', comment: 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE (memoryMB)' },
  { name: 'account', type: 'string', comment: 'the account id' },
  { name: 'sandbox', type: 'string', comment: "the execution environment's id, drawn by the extension" },
  { name: 'extension', type: 'string', comment: 'name/version of the extension' },
  { name: 'tenantid', type: 'string', comment: 'tenant isolation mode: the tenant (tenantId)' },
  {
    name: 'event',
    type: `struct<${EVENT_FIELDS.map((f) => `${f}:string`).join(',')}>`,
    comment: 'the Telemetry API event (schema 2022-12-13); record as JSON text',
  },
];

/** The partition columns, in the order of the archive's prefix (function_name=.../dt=yyyy-MM-dd/). */
export const PARTITION_COLUMNS: readonly TableColumn[] = [
  { name: 'function_name', type: 'string', comment: 'the function (from the envelope, at delivery)' },
  { name: 'dt', type: 'string', comment: 'the day Firehose received the record, yyyy-MM-dd (UTC)' },
];

export interface NamedQuery {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** `table` is the quoted "database"."table"; `?` are execution parameters (Athena parameterized queries). */
export function namedQueries(table: string): NamedQuery[] {
  const metric = (name: string) => `CAST(json_extract_scalar(event.record, '$.metrics.${name}') AS double)`;
  const lastDays = (days: number) => `dt >= date_format(current_date - INTERVAL '${days}' DAY, '%Y-%m-%d')`;
  return [
    {
      name: 'duration-and-memory-per-function-per-hour',
      description: 'Duration and memory percentiles per function per hour, from platform.report (last 7 days)',
      sql: `SELECT function_name,
       date_trunc('hour', from_iso8601_timestamp(event.time)) AS hour,
       count(*) AS invocations,
       approx_percentile(${metric('durationMs')}, 0.5) AS duration_ms_p50,
       approx_percentile(${metric('durationMs')}, 0.9) AS duration_ms_p90,
       approx_percentile(${metric('durationMs')}, 0.99) AS duration_ms_p99,
       approx_percentile(${metric('maxMemoryUsedMB')}, 0.5) AS max_memory_used_mb_p50,
       approx_percentile(${metric('maxMemoryUsedMB')}, 0.99) AS max_memory_used_mb_p99,
       max(memorymb) AS memory_size_mb
FROM ${table}
WHERE event.type = 'platform.report' AND ${lastDays(7)}
GROUP BY 1, 2
ORDER BY 1, 2`,
    },
    {
      name: 'errors-and-timeouts-per-function',
      description: 'Invocations that did not succeed (error, failure, timeout) per function per hour, from platform.runtimeDone (last 7 days)',
      sql: `SELECT function_name,
       date_trunc('hour', from_iso8601_timestamp(event.time)) AS hour,
       json_extract_scalar(event.record, '$.status') AS status,
       json_extract_scalar(event.record, '$.errorType') AS error_type,
       count(*) AS invocations
FROM ${table}
WHERE event.type = 'platform.runtimeDone'
  AND json_extract_scalar(event.record, '$.status') <> 'success'
  AND ${lastDays(7)}
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 5 DESC`,
    },
    {
      name: 'log-lines-of-one-request',
      description: 'Every log line of one request id (execution parameter) of the last 7 days, in order: JSON lines that carry it, and text lines its sandbox wrote between its platform.start and platform.runtimeDone',
      sql: `WITH wanted AS (SELECT ? AS request_id),
request AS (
  SELECT sandbox, function_name,
         min(from_iso8601_timestamp(event.time)) AS started,
         max(from_iso8601_timestamp(event.time)) AS ended
  FROM ${table} CROSS JOIN wanted
  WHERE event.type IN ('platform.start', 'platform.runtimeDone')
    AND json_extract_scalar(event.record, '$.requestId') = wanted.request_id
    AND ${lastDays(7)}
  GROUP BY sandbox, function_name
)
SELECT line.event.time AS time, line.event.type AS type, line.event.record AS record
FROM ${table} AS line
JOIN request ON line.sandbox = request.sandbox AND line.function_name = request.function_name
CROSS JOIN wanted
WHERE line.event.type IN ('function', 'extension')
  AND line.${lastDays(7)}
  AND (json_extract_scalar(line.event.record, '$.requestId') = wanted.request_id
       OR (json_extract_scalar(line.event.record, '$.requestId') IS NULL
           AND from_iso8601_timestamp(line.event.time) BETWEEN request.started AND request.ended))
ORDER BY 1`,
    },
    {
      name: 'cold-starts-per-function-per-day',
      description: 'Cold starts per function per day with their init duration percentiles, from platform.report initDurationMs (last 30 days)',
      sql: `SELECT function_name,
       dt AS day,
       count(*) AS cold_starts,
       approx_percentile(${metric('initDurationMs')}, 0.5) AS init_ms_p50,
       approx_percentile(${metric('initDurationMs')}, 0.99) AS init_ms_p99,
       max(${metric('initDurationMs')}) AS init_ms_max
FROM ${table}
WHERE event.type = 'platform.report'
  AND json_extract_scalar(event.record, '$.metrics.initDurationMs') IS NOT NULL
  AND ${lastDays(30)}
GROUP BY 1, 2
ORDER BY 1, 2`,
    },
  ];
}
