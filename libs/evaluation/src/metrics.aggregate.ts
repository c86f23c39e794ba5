import { AppError } from '@ragops/contracts';

/**
 * Mean of each metric over queries. Every record must carry the same keys (as `evaluateRanking` with one `ks`
 * produces), because averaging a key over only the queries that have it would silently compare different query
 * sets. Skip unjudged queries before calling. No records → `{}`.
 */
export function aggregateMetrics(perQuery: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  if (perQuery.length === 0) return {};
  const keys = Object.keys(perQuery[0]);
  const sums = new Float64Array(keys.length);
  perQuery.forEach((row, q) => {
    if (Object.keys(row).length !== keys.length) {
      throw new AppError('VALIDATION_FAILED', `query ${q} has keys [${Object.keys(row).join(', ')}]; expected the same keys as query 0: [${keys.join(', ')}]`);
    }
    keys.forEach((key, i) => {
      const v = row[key];
      if (!Object.hasOwn(row, key)) throw new AppError('VALIDATION_FAILED', `query ${q} lacks metric "${key}"; give every query the same metrics`);
      if (!Number.isFinite(v)) throw new AppError('VALIDATION_FAILED', `query ${q} metric "${key}" is ${v}; metrics must be finite numbers`);
      sums[i] += v;
    });
  });
  const out: Record<string, number> = {};
  keys.forEach((key, i) => (out[key] = sums[i] / perQuery.length));
  return out;
}

export interface BootstrapOptions {
  /** Bootstrap resamples (default 1000). */
  samples?: number;
  /** Two-sided confidence level in (0, 1) (default 0.95). */
  confidence?: number;
  /** Uniform source in [0, 1); inject a seeded one (`mulberry32(seed)`) for reproducible intervals. */
  random: () => number;
}

export interface BootstrapInterval {
  /** Mean over queries of b − a. */
  meanDelta: number;
  /** Percentile bootstrap bounds of the mean difference. */
  low: number;
  high: number;
}

/**
 * Paired percentile bootstrap for the mean per-query difference b − a (a = baseline, b = candidate, same query
 * order): resample the n differences with replacement `samples` times, take each resample's mean, and report the
 * (1 − c)/2 and (1 + c)/2 quantiles of those means (linear interpolation between order statistics, numpy's default).
 * Pairing keeps per-query difficulty out of the variance. An interval above 0 means b is better at that level.
 */
export function pairedBootstrapCI(a: readonly number[], b: readonly number[], options: BootstrapOptions): BootstrapInterval {
  const { samples = 1000, confidence = 0.95, random } = options;
  if (a.length !== b.length) throw new AppError('VALIDATION_FAILED', `paired runs need one score per query each; got ${a.length} and ${b.length}`);
  if (a.length === 0) throw new AppError('VALIDATION_FAILED', 'paired bootstrap needs at least one query');
  if (!Number.isInteger(samples) || samples < 1) throw new AppError('VALIDATION_FAILED', `samples must be a positive integer, got ${samples}`);
  if (!(confidence > 0 && confidence < 1)) throw new AppError('VALIDATION_FAILED', `confidence must be in (0, 1), got ${confidence}`);
  const n = a.length;
  const delta = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    delta[i] = b[i] - a[i];
    if (!Number.isFinite(delta[i])) throw new AppError('VALIDATION_FAILED', `query ${i}: scores must be finite numbers, got a=${a[i]} b=${b[i]}`);
    total += delta[i];
  }
  const means = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    // min() guards a source that returns exactly 1.
    for (let i = 0; i < n; i++) sum += delta[Math.min(n - 1, Math.floor(random() * n))];
    means[s] = sum / n;
  }
  means.sort();
  const tail = (1 - confidence) / 2;
  return { meanDelta: total / n, low: quantile(means, tail), high: quantile(means, 1 - tail) };
}

/** Quantile of sorted values, linear interpolation between closest ranks (Hyndman & Fan type 7). */
function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
