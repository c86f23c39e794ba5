import type { RunRecord } from './run.schema.js';

export interface HistoryRow {
  id: string;
  createdAt: string;
  variant: string;
  revision: string;
  dataset: string;
  datasetVersion: string;
  n: number;
  mean: number;
  low: number;
  high: number;
  /** mean − the previous row's mean on the same dataset version; null for the first. */
  change: number | null;
}

/**
 * A metric's trend across runs: one row per run that has the metric, oldest first (ties by id). `change` is
 * against the previous run of the same dataset version only, since means over different query sets do not
 * subtract meaningfully.
 */
export function runHistory(runs: readonly RunRecord[], metric: string, filter: { dataset?: string; variant?: string } = {}): HistoryRow[] {
  const rows = runs
    .filter((r) => Object.hasOwn(r.aggregates, metric))
    .filter((r) => filter.dataset === undefined || r.dataset.name === filter.dataset)
    .filter((r) => filter.variant === undefined || r.variant === filter.variant)
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const last = new Map<string, number>();
  return rows.map((r) => {
    const a = r.aggregates[metric];
    const key = `${r.dataset.name}\u0000${r.dataset.version}`;
    const previous = last.get(key);
    last.set(key, a.mean);
    return {
      id: r.id,
      createdAt: r.createdAt,
      variant: r.variant,
      revision: r.git.revision,
      dataset: r.dataset.name,
      datasetVersion: r.dataset.version,
      n: a.n,
      mean: a.mean,
      low: a.low,
      high: a.high,
      change: previous === undefined ? null : a.mean - previous,
    };
  });
}
