/** Small descriptive statistics for benchmark samples (no external dependency needed for these). */

/** The q-quantile (0..1) by linear interpolation between closest ranks (numpy's default); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return quantileSorted(sorted, q);
}

/** As {@link quantile}, for an already ascending array (avoids re-sorting for several quantiles). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export const median = (values: readonly number[]) => quantile(values, 0.5);

export function summarize(values: readonly number[]): { n: number; min: number; median: number; max: number; mean: number } {
  if (values.length === 0) return { n: 0, min: NaN, median: NaN, max: NaN, mean: NaN };
  return {
    n: values.length,
    min: Math.min(...values),
    median: median(values),
    max: Math.max(...values),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

/** Fixed decimals, for table cells. */
export const fixed = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
