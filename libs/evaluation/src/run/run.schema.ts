import { z } from 'zod';
import { AppError, parseOrThrow } from '@ragops/contracts';

/**
 * One evaluation run, as written to run.json and kept in the run store. Versioned: a reader refuses a record
 * whose `schemaVersion` it does not know rather than misread it. Everything a later comparison needs is inside
 * the record (per-query values, not only means), so two runs can be compared long after they were made.
 */
export const RUN_SCHEMA_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const count = z.number().int().nonnegative();

export const MetricDirection = z.enum(['higher', 'lower']);
export type MetricDirection = z.infer<typeof MetricDirection>;

/** Which implementation produced a metric, so runs scored by different code are not silently compared. */
export const MetricInfo = z.strictObject({
  key: z.string().min(1),
  kind: z.enum(['retrieval', 'answer']),
  /** Stable id of the code and definition, e.g. `ragops.ir.ndcg_cut@1`; bump it when the definition changes. */
  implementation: z.string().min(1),
  direction: MetricDirection,
});
export type MetricInfo = z.infer<typeof MetricInfo>;

export const RunConfig = z.strictObject({
  /** `in-process` (an all-in-one platform started by the run) or the gateway URL that was evaluated. */
  target: z.string().min(1),
  /** Chunks requested per query from /v1/search (before chunks are collapsed to documents). */
  topK: z.number().int().min(1),
  /** Rank cut-offs the retrieval metrics were computed at. */
  ks: z.array(z.number().int().min(1)).min(1),
  /** Retrieval mode served (sparse | hybrid | dense), or `unknown` for a deployed target that was not told. */
  mode: z.string().min(1),
  split: z.string().min(1),
  /** Only the first `limit` judged queries (in qrels order) were evaluated; null = all. */
  limit: z.number().int().min(1).nullable(),
  /** BEIR's default: a retrieved document whose id equals the query id is dropped before scoring. */
  ignoreIdenticalIds: z.boolean(),
  /** Answer-quality metrics requested (scored from /v1/query); empty for retrieval-only runs. */
  answerMetrics: z.array(z.string().min(1)),
  /** Chunks the answer was generated from (/v1/query topK) when answer metrics were requested. */
  answerTopK: z.number().int().min(1).nullable(),
  tenant: z.string().nullable(),
  /** Platform settings the run set (in-process), e.g. RETRIEVAL_MODE, CHUNK_MAX_TOKENS. */
  platform: z.record(z.string(), z.string()),
});
export type RunConfig = z.infer<typeof RunConfig>;

export const RunDataset = z.strictObject({
  name: z.string().min(1),
  /** Content hash of the files the run read (`sha256:<hex>`): the dataset's version. */
  version: z.string().min(1),
  split: z.string().min(1),
  /** Queries evaluated. */
  queries: count,
  /** Documents in the corpus, when the run read it. */
  documents: count.nullable(),
});
export type RunDataset = z.infer<typeof RunDataset>;

export const QueryResult = z.strictObject({
  id: z.string().min(1),
  text: z.string(),
  /** False when the qrels judge no document relevant: the query's retrieval metrics are left out (not zeros). */
  judged: z.boolean(),
  /** Relevant documents in the qrels (R). */
  relevant: count,
  /** Document ids, best first, as scored: chunk hits collapsed to documents, identical ids dropped when configured. */
  retrieved: z.array(z.string()),
  /** Metric key → value. A query contributes to a metric's mean only when it has a value for it. */
  metrics: z.record(z.string(), finite),
  /** Client-side wall time of this query's requests. */
  latencyMs: finite,
  /** Token usage reported by /v1/query, when answers were generated. */
  usage: z.strictObject({ promptTokens: count, completionTokens: count }).optional(),
  answer: z.strictObject({ text: z.string(), citations: z.array(z.strictObject({ n: z.number().int(), docId: z.string(), chunkId: z.string() })) }).optional(),
});
export type QueryResult = z.infer<typeof QueryResult>;

export const Aggregate = z.strictObject({
  /** Mean over the queries that have a value. */
  mean: finite,
  /** Percentile bootstrap interval of the mean at `bootstrap.confidence`. */
  low: finite,
  high: finite,
  n: count,
});
export type Aggregate = z.infer<typeof Aggregate>;

export const BootstrapSettings = z.strictObject({
  samples: z.number().int().min(1),
  confidence: z.number().gt(0).lt(1),
  seed: z.number().int(),
});
export type BootstrapSettings = z.infer<typeof BootstrapSettings>;

export const RunRecord = z.strictObject({
  schemaVersion: z.literal(RUN_SCHEMA_VERSION),
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'must be 1-200 characters of [A-Za-z0-9._-], starting with a letter or digit'),
  createdAt: z.iso.datetime(),
  /** The variant label the run evaluated (e.g. `default`, `pr-42`, `topk-1`). */
  variant: z.string().min(1),
  git: z.strictObject({ revision: z.string().min(1), dirty: z.boolean().nullable() }),
  config: RunConfig,
  dataset: RunDataset,
  metrics: z.array(MetricInfo),
  queries: z.array(QueryResult),
  aggregates: z.record(z.string(), Aggregate),
  bootstrap: BootstrapSettings,
  timing: z.strictObject({
    /** Whole run, including start-up and ingest. */
    wallMs: finite,
    ingestMs: finite.nullable(),
    /** The query phase alone. */
    queryMs: finite,
    queriesPerSecond: finite,
    latencyMs: z.strictObject({ mean: finite, p50: finite, p95: finite, max: finite }),
  }),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** Validates a parsed run.json; VALIDATION_FAILED names every bad field (`queries[3].latencyMs: …`). */
export function parseRun(value: unknown, what = 'run'): RunRecord {
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (value && typeof value === 'object' && version !== undefined && version !== RUN_SCHEMA_VERSION) {
    throw new AppError('VALIDATION_FAILED', `invalid ${what}: schemaVersion ${JSON.stringify(version)} is not supported (this ragops reads ${RUN_SCHEMA_VERSION})`);
  }
  return parseOrThrow(RunRecord, value, what);
}
