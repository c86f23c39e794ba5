import { AppError, parseOrThrow } from '@ragops/contracts';
import type { Qrels } from '../ir.metrics.js';
import { meanWithInterval } from './bootstrap.interval.js';
import { retrievalMetricInfo, scoreRetrieval } from './retrieval.scoring.js';
import { RUN_SCHEMA_VERSION, RunRecord, type Aggregate, type BootstrapSettings, type MetricInfo, type QueryResult, type RunConfig, type RunDataset } from './run.schema.js';

/** What the runner observed for one query; the builder scores it. */
export interface QueryObservation {
  id: string;
  text: string;
  /** Document ids best first (chunk hits already collapsed). */
  ranked: readonly string[];
  latencyMs: number;
  /** Answer-metric values; null = not applicable to this query (it is left out of that metric's mean). */
  answerMetrics?: Readonly<Record<string, number | null>>;
  usage?: QueryResult['usage'];
  answer?: QueryResult['answer'];
}

export interface BuildRunInput {
  id: string;
  /** ISO-8601 timestamp (the caller reads its clock). */
  createdAt: string;
  variant: string;
  git: RunRecord['git'];
  config: RunConfig;
  dataset: Omit<RunDataset, 'queries'>;
  qrels: ReadonlyMap<string, Qrels>;
  observations: readonly QueryObservation[];
  /** The answer metrics that were scored (empty for retrieval-only runs). */
  answerMetrics: readonly MetricInfo[];
  bootstrap: BootstrapSettings;
  timing: { wallMs: number; ingestMs: number | null; queryMs: number };
}

/**
 * Scores every observed query and assembles a validated run record: per-query retrieval metrics at
 * `config.ks`, answer metrics as given, and per-metric means with bootstrap intervals over the queries that have a
 * value (unjudged queries carry no retrieval values, so they are skipped, not counted as zeros).
 */
export function buildRun(input: BuildRunInput): RunRecord {
  const { config } = input;
  const metrics = [...retrievalMetricInfo(config.ks), ...input.answerMetrics];
  const keys = new Set<string>();
  for (const m of metrics) {
    if (keys.has(m.key)) throw new AppError('VALIDATION_FAILED', `metric "${m.key}" is produced twice; answer metrics must not reuse retrieval metric keys`);
    keys.add(m.key);
  }
  const answerKeys = new Set(input.answerMetrics.map((m) => m.key));

  const seen = new Set<string>();
  const queries: QueryResult[] = input.observations.map((o) => {
    if (seen.has(o.id)) throw new AppError('VALIDATION_FAILED', `query "${o.id}" was observed twice`);
    seen.add(o.id);
    const score = scoreRetrieval(o.id, o.ranked, input.qrels.get(o.id) ?? new Map(), config.ks, config.ignoreIdenticalIds);
    const values: Record<string, number> = { ...score.metrics };
    for (const [key, value] of Object.entries(o.answerMetrics ?? {})) {
      if (!answerKeys.has(key)) throw new AppError('VALIDATION_FAILED', `query "${o.id}" has a value for "${key}", which is not a requested answer metric`);
      if (value === null) continue;
      if (!Number.isFinite(value)) throw new AppError('VALIDATION_FAILED', `query "${o.id}": answer metric "${key}" is ${value}; metrics must be finite numbers or null`);
      values[key] = value;
    }
    const result: QueryResult = { id: o.id, text: o.text, judged: score.judged, relevant: score.relevant, retrieved: score.ranked, metrics: values, latencyMs: o.latencyMs };
    if (o.usage) result.usage = o.usage;
    if (o.answer) result.answer = o.answer;
    return result;
  });

  const aggregates: Record<string, Aggregate> = {};
  for (const m of metrics) {
    const values = queries.flatMap((q) => (Object.hasOwn(q.metrics, m.key) ? [q.metrics[m.key]] : []));
    if (values.length) aggregates[m.key] = meanWithInterval(values, m.key, input.bootstrap);
  }

  const latencies = queries.map((q) => q.latencyMs).sort((a, b) => a - b);
  const record: RunRecord = {
    schemaVersion: RUN_SCHEMA_VERSION,
    id: input.id,
    createdAt: input.createdAt,
    variant: input.variant,
    git: input.git,
    config,
    dataset: { ...input.dataset, queries: queries.length },
    metrics,
    queries,
    aggregates,
    bootstrap: input.bootstrap,
    timing: {
      wallMs: input.timing.wallMs,
      ingestMs: input.timing.ingestMs,
      queryMs: input.timing.queryMs,
      queriesPerSecond: input.timing.queryMs > 0 ? (queries.length * 1000) / input.timing.queryMs : 0,
      latencyMs: {
        mean: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0,
        p50: nearestRank(latencies, 0.5),
        p95: nearestRank(latencies, 0.95),
        max: latencies.at(-1) ?? 0,
      },
    },
  };
  return parseOrThrow(RunRecord, record, 'run');
}

/** Nearest-rank percentile of sorted values (0 for none). */
function nearestRank(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
