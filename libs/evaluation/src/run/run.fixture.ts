/**
 * Test fixture (used by the specs beside it; not exported from the package): a valid run record built from
 * per-query metric values, so comparisons and gates can be tested on numbers chosen by hand.
 */
import { meanWithInterval, DEFAULT_BOOTSTRAP } from './bootstrap.interval.js';
import { RUN_SCHEMA_VERSION, type MetricInfo, type RunRecord } from './run.schema.js';

export interface FixtureOptions {
  id?: string;
  createdAt?: string;
  variant?: string;
  revision?: string;
  dataset?: { name: string; version: string };
  /** Per metric key: implementation and direction overrides. */
  info?: Record<string, Partial<MetricInfo>>;
}

/** `values[queryId][metric] = value`; every metric seen in any query gets an aggregate. */
export function runFromValues(values: Record<string, Record<string, number>>, options: FixtureOptions = {}): RunRecord {
  const keys = [...new Set(Object.values(values).flatMap((m) => Object.keys(m)))];
  const queries = Object.entries(values).map(([id, metrics]) => ({ id, text: `question ${id}`, judged: true, relevant: 1, retrieved: [], metrics, latencyMs: 1 }));
  const aggregates = Object.fromEntries(
    keys.map((k) => [k, meanWithInterval(queries.filter((q) => Object.hasOwn(q.metrics, k)).map((q) => q.metrics[k]), k, DEFAULT_BOOTSTRAP)]),
  );
  return {
    schemaVersion: RUN_SCHEMA_VERSION,
    id: options.id ?? 'run-1',
    createdAt: options.createdAt ?? '2026-11-21T12:00:00.000Z',
    variant: options.variant ?? 'default',
    git: { revision: options.revision ?? '0123456789abcdef0123456789abcdef01234567', dirty: false },
    config: { target: 'in-process', topK: 100, ks: [10], mode: 'sparse', split: 'test', limit: null, ignoreIdenticalIds: true, answerMetrics: [], answerTopK: null, tenant: null, platform: {} },
    dataset: { ...(options.dataset ?? { name: 'tiny', version: 'sha256:aaaa' }), split: 'test', queries: queries.length, documents: 10 },
    metrics: keys.map((key) => ({ key, kind: 'retrieval', implementation: `impl.${key}@1`, direction: 'higher', ...options.info?.[key] })),
    queries,
    aggregates,
    bootstrap: DEFAULT_BOOTSTRAP,
    timing: { wallMs: 10, ingestMs: null, queryMs: 5, queriesPerSecond: 1, latencyMs: { mean: 1, p50: 1, p95: 1, max: 1 } },
  };
}
