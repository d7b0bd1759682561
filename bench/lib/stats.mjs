// Small statistics for benchmark figures: medians across runs, nearest-rank percentiles.

/** Median (mean of the two middle values for an even count); null for an empty list. */
export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100), as the sandbox computes its p99; null when empty. */
export function percentile(values, p) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** Rounds to `digits` decimals (for figures in JSON and tables). */
export function round(value, digits = 2) {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Steady-state rate from a sink timeline (records per bucket): the median bucket over the middle
 * 60% of the buckets that saw traffic (only the first `windowMs` when given: the load's length),
 * per second.
 */
export function steadyRatePerSecond(bucketRecords, bucketMs, windowMs = Infinity) {
  const buckets = bucketRecords.slice(0, Math.ceil(windowMs / bucketMs));
  const active = buckets.slice(0, lastNonZero(buckets) + 1);
  if (active.length === 0) return 0;
  const from = Math.floor(active.length * 0.2);
  const to = Math.max(from + 1, Math.ceil(active.length * 0.8));
  return median(active.slice(from, to)) * (1000 / bucketMs);
}

function lastNonZero(values) {
  for (let i = values.length - 1; i >= 0; i -= 1) if (values[i] > 0) return i;
  return -1;
}
