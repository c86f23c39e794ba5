import { ErrorCodes, type ErrorCode } from '@ragops/contracts';
import { bounded, oneOf, type LabelSpec } from './metric.labels.js';

/**
 * Every metric ragops exports: name, type, labels with their value policy, buckets, and which services record it.
 * Dashboards, alert rules and the README table are generated from this object, so a metric that is not here
 * cannot be charted or alerted on — and a rename here breaks the generator's checks instead of a dashboard.
 *
 * Naming follows https://prometheus.io/docs/practices/naming/: `ragops_` prefix, base units (`_seconds`,
 * `_bytes`, `_ratio` for 0–1), `_total` on counters only, one unit per metric. Every series also carries
 * `service` (the registry's default label); Prometheus adds `job` and `instance` at scrape time.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'stateset' | 'info';

export type MetricGroup = 'system' | 'llm' | 'retrieval' | 'ingest' | 'cache' | 'traffic' | 'quality' | 'meta';

export type EmittingService = 'gateway' | 'ingest' | 'embedding' | 'retrieval' | 'generation' | 'evaluation';

export interface MetricDef {
  readonly name: string;
  /**
   * `stateset`: a gauge with a `state` label whose current state is 1 and every other state 0 (OpenMetrics
   * StateSet, exposed as a gauge). `info`: a gauge fixed at 1 whose labels carry metadata to join on.
   */
  readonly type: MetricType;
  readonly help: string;
  readonly group: MetricGroup;
  readonly labels: Readonly<Record<string, LabelSpec>>;
  readonly buckets?: readonly number[];
  /** Cap on distinct label sets (default `DEFAULT_MAX_SERIES`); see `LabelGuard`. */
  readonly maxSeries?: number;
  /**
   * Who records it: documentation for instrumentation and for tests that scrape real services; also which
   * registries start enum-only counters and gauges at 0 (see `createMetrics`).
   */
  readonly emittedBy: readonly EmittingService[];
}

// ---- Label policies shared across metrics -------------------------------------------------------------------

/**
 * The variant id from the routing table (`VARIANT_ID` today, the rollout controller's table later): a short
 * configured identifier such as `default` or `canary-2026-11`. Never a prompt, model or index string and never
 * request text; the prompt/model/index behind an id are joined from `ragops_variant_info`. A rollout compares
 * two variants; 32 leaves room for experiments while bounding every per-variant series count.
 */
export const VARIANT_LABEL = bounded(32, 'variant id from the routing table; never free text');
/**
 * The tenant from the authenticated request. Only the cost and token counters carry it (chargeback needs it),
 * bounded by the configured tenants; the cap turns an unexpected flood of tenants into `other`.
 */
export const TENANT_LABEL = bounded(256, 'configured tenant id (cost and token counters only)');
export const MODEL_LABEL = bounded(32, 'configured model name, as sent to the provider');
export const INDEX_LABEL = bounded(32, 'index version (vector-store collection) from configuration');
export const STREAM_LABEL = bounded(8, 'JetStream stream name from configuration');

export const STAGES = [
  'retrieval', // the whole retrieval call as the gateway sees it
  'embedding',
  'vector_search',
  'rerank',
  'generation', // the whole generation call as the gateway sees it
  'llm', // one model call inside generation
  'ingest_batch',
  'chunking',
  'upsert',
] as const;
export type Stage = (typeof STAGES)[number];
const STAGE_LABEL = oneOf(STAGES, 'pipeline stage; add a value here before recording a new stage');

export const DEPENDENCIES = ['llm', 'embeddings', 'vector_store', 'cache', 'reranker', 'nats'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];
const DEPENDENCY_LABEL = oneOf(DEPENDENCIES, 'outbound dependency');

export const ERROR_CODE_VALUES = Object.keys(ErrorCodes) as ErrorCode[];
const CODE_LABEL = oneOf(ERROR_CODE_VALUES, 'stable error code from @ragops/contracts');

export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
export const CACHES = ['embedding', 'retrieval', 'answer', 'semantic'] as const;
export const EVAL_METRICS = ['faithfulness', 'answer_relevance', 'context_relevance', 'citation_accuracy'] as const;
/** What online evaluation did with one interaction record (libs/evaluation's InteractionDecision). */
export const ONLINE_EVAL_DECISIONS = ['sampled', 'not_sampled', 'error', 'no_content', 'no_answer', 'duplicate'] as const;

// ---- Buckets --------------------------------------------------------------------------------------------------

// The OpenTelemetry HTTP semantic conventions' advice for http.server.request.duration
// (https://opentelemetry.io/docs/specs/semconv/http/http-metrics/), so dashboards line up with OTel-based peers.
// The latency SLO threshold must be one of these (it is read from the `le` bucket).
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] as const;
// Stages run from sub-millisecond (in-process search) to seconds (LLM calls).
export const STAGE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
// Streaming starts within tens of milliseconds on a local server and seconds on a loaded hosted model.
const TTFT_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20] as const;
// Fine near 1, where truncation starts.
const RATIO_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1] as const;
// le="0" counts empty retrievals too; top-K is at most 200 (Limits.maxTopK).
const HITS_BUCKETS = [0, 1, 2, 3, 5, 10, 20, 50, 100, 200] as const;
// Scores differ by scorer: RRF ≈ 1/(60 + rank) ≈ 0.016, cosine in [-1, 1], BM25 up to tens; one log-spaced set
// covers all of them and the `scorer` label keeps the distributions apart.
const SCORE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 25, 50] as const;
// Chunker targets are 128–1024 cl100k tokens (CHUNK_MAX_TOKENS, default 512); small tails are headings.
const CHUNK_TOKEN_BUCKETS = [16, 32, 64, 128, 256, 384, 512, 768, 1024, 2048] as const;
const SCORE_01_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] as const;

// ---- The catalogue -----------------------------------------------------------------------------------------

const ALL: readonly EmittingService[] = ['gateway', 'ingest', 'embedding', 'retrieval', 'generation', 'evaluation'];

export const METRIC_CATALOGUE = {
  // system
  httpRequestDuration: {
    name: 'http_server_request_duration_seconds',
    type: 'histogram',
    group: 'system',
    help: 'Duration of HTTP server requests, from arrival to response sent.',
    labels: {
      method: oneOf(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], 'HTTP method'),
      // Not guarded at record time (the gateway's hook owns these): route is the route pattern (`/v1/jobs/:id`)
      // or `unmatched`, never the raw URL; status_code is the numeric status.
      route: bounded(64, 'route pattern, or `unmatched`'),
      status_code: bounded(64, 'HTTP status code'),
    },
    buckets: HTTP_BUCKETS,
    emittedBy: ['gateway'],
  },
  stageDuration: {
    name: 'ragops_stage_duration_seconds',
    type: 'histogram',
    group: 'system',
    help: 'Duration of one RAG pipeline stage (retrieval, generation, ...).',
    labels: { stage: STAGE_LABEL },
    buckets: STAGE_BUCKETS,
    emittedBy: ALL,
  },
  requestDuration: {
    name: 'ragops_request_duration_seconds',
    type: 'histogram',
    group: 'traffic',
    help: 'End-to-end duration of API operations per serving variant; the per-variant error rate and latency a rollout compares.',
    labels: {
      variant: VARIANT_LABEL,
      operation: oneOf(['query', 'search', 'chat'], 'API operation'),
      outcome: oneOf(['success', 'client_error', 'server_error'], '4xx-class errors are client_error'),
    },
    buckets: HTTP_BUCKETS,
    emittedBy: ['gateway'],
  },
  errors: {
    name: 'ragops_errors_total',
    type: 'counter',
    group: 'system',
    help: 'Errors returned by this service, by stable error code.',
    labels: { code: CODE_LABEL },
    emittedBy: ALL,
  },
  timeouts: {
    name: 'ragops_timeouts_total',
    type: 'counter',
    group: 'system',
    help: 'Stages abandoned because the request deadline ran out.',
    labels: { stage: STAGE_LABEL },
    emittedBy: ALL,
  },
  retries: {
    name: 'ragops_retries_total',
    type: 'counter',
    group: 'system',
    help: 'Retried outbound calls (attempts after the first).',
    labels: { dependency: DEPENDENCY_LABEL },
    emittedBy: ['gateway', 'ingest', 'embedding', 'retrieval', 'generation'],
  },
  circuitBreakerState: {
    name: 'ragops_circuit_breaker_state',
    type: 'stateset',
    group: 'system',
    help: 'Circuit-breaker state per dependency: 1 for the current state, 0 for the others.',
    labels: { dependency: DEPENDENCY_LABEL, state: oneOf(CIRCUIT_STATES, 'breaker state') },
    emittedBy: ['embedding', 'retrieval', 'generation'],
  },
  inflightRequests: {
    name: 'ragops_inflight_requests',
    type: 'gauge',
    group: 'system',
    help: 'Requests or messages being handled right now.',
    labels: { transport: oneOf(['http', 'nats', 'jetstream'], 'where the work arrived') },
    emittedBy: ALL,
  },
  labelOverflow: {
    name: 'ragops_metric_label_overflow_total',
    type: 'counter',
    group: 'meta',
    help: 'Label values replaced by `other` (cap reached) or `invalid` (not an identifier) by the cardinality guard.',
    labels: {
      metric: bounded(64, 'metric name from this catalogue'),
      label: bounded(64, 'label name from this catalogue'),
      replacement: oneOf(['other', 'invalid'], 'what the value became'),
    },
    emittedBy: ALL,
  },
  variantInfo: {
    name: 'ragops_variant_info',
    type: 'info',
    group: 'meta',
    help: 'The variants this process serves (value 1); join on `variant` for prompt, model and index version.',
    labels: {
      variant: VARIANT_LABEL,
      prompt: bounded(32, 'prompt id@version'),
      model: MODEL_LABEL,
      index: INDEX_LABEL,
      retrieval_mode: oneOf(['hybrid', 'dense', 'sparse'], 'retrieval mode of the variant'),
    },
    emittedBy: ['gateway'],
  },

  // LLM
  llmRequests: {
    name: 'ragops_llm_requests_total',
    type: 'counter',
    group: 'llm',
    help: 'Model calls by outcome; the LLM error-rate alert reads this.',
    labels: {
      model: MODEL_LABEL,
      variant: VARIANT_LABEL,
      outcome: oneOf(['success', 'error', 'timeout', 'rate_limited', 'circuit_open'], 'how the call ended'),
    },
    emittedBy: ['generation'],
  },
  llmTokens: {
    name: 'ragops_llm_tokens_total',
    type: 'counter',
    group: 'llm',
    help: 'Tokens sent to (prompt) and generated by (completion) models, as the provider reports them.',
    labels: {
      tenant: TENANT_LABEL,
      model: MODEL_LABEL,
      variant: VARIANT_LABEL,
      token_type: oneOf(['prompt', 'completion'], 'GenAI gen_ai.token.type input/output'),
    },
    // Chargeback needs every tenant × model × variant actually used; 4096 label sets ≈ 4096 series.
    maxSeries: 4096,
    emittedBy: ['generation'],
  },
  llmCost: {
    name: 'ragops_llm_cost_usd_total',
    type: 'counter',
    group: 'llm',
    help: 'Model spend in US dollars, from token usage and the configured per-model price.',
    labels: { tenant: TENANT_LABEL, model: MODEL_LABEL, variant: VARIANT_LABEL },
    maxSeries: 4096,
    emittedBy: ['generation'],
  },
  llmContextUtilization: {
    name: 'ragops_llm_context_window_utilization_ratio',
    type: 'histogram',
    group: 'llm',
    help: "Prompt tokens divided by the model's context window, per call.",
    labels: { model: MODEL_LABEL, variant: VARIANT_LABEL },
    buckets: RATIO_BUCKETS,
    emittedBy: ['generation'],
  },
  llmTruncations: {
    name: 'ragops_llm_truncations_total',
    type: 'counter',
    group: 'llm',
    help: 'Truncations: context chunks dropped to fit the token budget, or completions cut at max tokens.',
    labels: {
      model: MODEL_LABEL,
      variant: VARIANT_LABEL,
      kind: oneOf(['context', 'completion'], 'what was cut'),
    },
    emittedBy: ['generation'],
  },
  llmTimeToFirstToken: {
    name: 'ragops_llm_time_to_first_token_seconds',
    type: 'histogram',
    group: 'llm',
    help: 'Time from sending a model request to receiving its first token.',
    labels: { model: MODEL_LABEL, variant: VARIANT_LABEL },
    buckets: TTFT_BUCKETS,
    emittedBy: ['generation'],
  },

  // retrieval
  retrievalHits: {
    name: 'ragops_retrieval_hits',
    type: 'histogram',
    group: 'retrieval',
    help: 'Hits returned per retrieval (after fusion, rerank and dedup); its _count is the number of retrievals.',
    labels: { variant: VARIANT_LABEL },
    buckets: HITS_BUCKETS,
    emittedBy: ['retrieval'],
  },
  retrievalEmpty: {
    name: 'ragops_retrieval_empty_results_total',
    type: 'counter',
    group: 'retrieval',
    help: 'Retrievals that returned no hits.',
    labels: { variant: VARIANT_LABEL },
    emittedBy: ['retrieval'],
  },
  retrievalDuplicates: {
    name: 'ragops_retrieval_duplicate_chunks_total',
    type: 'counter',
    group: 'retrieval',
    // Counted, not removed: retrieval returns what the index holds, so a copied document shows up here to be fixed at
    // ingest rather than hidden at query time.
    help: 'Hits whose text an earlier hit of the same result already has (the same passage indexed twice).',
    labels: { variant: VARIANT_LABEL },
    emittedBy: ['retrieval'],
  },
  retrievalScore: {
    name: 'ragops_retrieval_score',
    type: 'histogram',
    group: 'retrieval',
    help: 'Score of every returned hit, per scorer (scales differ, so never mix scorers in one quantile).',
    labels: {
      variant: VARIANT_LABEL,
      scorer: oneOf(['bm25', 'dense', 'rrf', 'rerank'], 'which score the hit carries'),
    },
    buckets: SCORE_BUCKETS,
    emittedBy: ['retrieval'],
  },
  rerank: {
    name: 'ragops_retrieval_rerank_total',
    type: 'counter',
    group: 'retrieval',
    help: 'Retrievals by rerank use: applied, skipped (variant without rerank) or failed (fell back to fused order).',
    labels: { variant: VARIANT_LABEL, outcome: oneOf(['applied', 'skipped', 'failed'], 'rerank use') },
    emittedBy: ['retrieval'],
  },
  chunkSize: {
    name: 'ragops_chunk_size_tokens',
    type: 'histogram',
    group: 'retrieval',
    help: 'Size of every chunk written to the index, in cl100k tokens.',
    labels: { index: INDEX_LABEL },
    buckets: CHUNK_TOKEN_BUCKETS,
    emittedBy: ['ingest'],
  },

  // ingest
  ingestQueueDepth: {
    name: 'ragops_ingest_queue_depth_messages',
    type: 'gauge',
    group: 'ingest',
    help: 'Ingest batches not yet acknowledged by the consumer (pending plus in progress).',
    labels: { stream: STREAM_LABEL },
    emittedBy: ['ingest'],
  },
  ingestConsumerLag: {
    name: 'ragops_ingest_consumer_lag_seconds',
    type: 'gauge',
    group: 'ingest',
    help: 'Age of the oldest unacknowledged ingest batch (now minus its publish time); 0 when the queue is empty.',
    labels: { stream: STREAM_LABEL },
    emittedBy: ['ingest'],
  },
  ingestDocuments: {
    name: 'ragops_ingest_documents_total',
    type: 'counter',
    group: 'ingest',
    help: 'Documents processed by ingest, by final outcome.',
    labels: { index: INDEX_LABEL, outcome: oneOf(['indexed', 'unchanged', 'failed'], 'unchanged = same content hash') },
    emittedBy: ['ingest'],
  },
  ingestChunks: {
    name: 'ragops_ingest_chunks_indexed_total',
    type: 'counter',
    group: 'ingest',
    help: 'Chunks upserted into the index.',
    labels: { index: INDEX_LABEL },
    emittedBy: ['ingest'],
  },
  ingestFailures: {
    name: 'ragops_ingest_failures_total',
    type: 'counter',
    group: 'ingest',
    help: 'Failed ingest attempts (a document or a whole batch), by error code; retries count again.',
    labels: { code: CODE_LABEL },
    emittedBy: ['ingest'],
  },

  // caches, limits, feedback, online evaluation
  cacheRequests: {
    name: 'ragops_cache_requests_total',
    type: 'counter',
    group: 'cache',
    help: 'Cache lookups per cache by result; hit ratio = hit / all.',
    labels: {
      cache: oneOf(CACHES, 'which cache'),
      result: oneOf(['hit', 'miss', 'error'], 'error = the cache was unavailable'),
    },
    emittedBy: ['gateway', 'embedding', 'retrieval', 'generation'],
  },
  rateLimitRejections: {
    name: 'ragops_rate_limit_rejections_total',
    type: 'counter',
    group: 'traffic',
    help: 'Requests rejected with RATE_LIMITED, by the limit that was hit.',
    labels: { limit: oneOf(['requests', 'tokens', 'budget', 'concurrency'], 'which limit') },
    emittedBy: ['gateway'],
  },
  feedback: {
    name: 'ragops_feedback_total',
    type: 'counter',
    group: 'quality',
    help: 'User feedback received on answers, per variant that served them.',
    labels: { variant: VARIANT_LABEL, rating: oneOf(['positive', 'negative'], 'thumbs up / down') },
    // Counted where feedback is joined to the interaction (and so the variant) it rates; the gateway only stores it.
    emittedBy: ['evaluation'],
  },
  onlineEvalScore: {
    name: 'ragops_online_eval_score',
    type: 'histogram',
    group: 'quality',
    help: 'Scores (0-1) given by online evaluation to sampled live interactions; mean = _sum / _count.',
    labels: { variant: VARIANT_LABEL, eval_metric: oneOf(EVAL_METRICS, 'which judgement') },
    buckets: SCORE_01_BUCKETS,
    emittedBy: ['evaluation'],
  },
  onlineEvalJudged: {
    name: 'ragops_online_eval_judged_total',
    type: 'counter',
    group: 'quality',
    help: 'Interactions sampled for online evaluation, by outcome.',
    labels: { variant: VARIANT_LABEL, outcome: oneOf(['scored', 'failed'], 'failed = the judge errored') },
    emittedBy: ['evaluation'],
  },
  onlineEvalInteractions: {
    name: 'ragops_online_eval_interactions_total',
    type: 'counter',
    group: 'quality',
    help: 'Interaction records read by online evaluation, by decision: sampled (scored), not_sampled, or skipped (error, no_content, no_answer, duplicate).',
    labels: { variant: VARIANT_LABEL, decision: oneOf(ONLINE_EVAL_DECISIONS, 'sampling decision or skip reason') },
    emittedBy: ['evaluation'],
  },
  onlineEvalUnparseable: {
    name: 'ragops_online_eval_unparseable_total',
    type: 'counter',
    group: 'quality',
    help: 'LLM-judge outputs that were not valid JSON or failed the verdict schema (retries included).',
    labels: { variant: VARIANT_LABEL, eval_metric: oneOf(EVAL_METRICS, 'which judgement') },
    emittedBy: ['evaluation'],
  },
  onlineEvalDuration: {
    name: 'ragops_online_eval_duration_seconds',
    type: 'histogram',
    group: 'quality',
    help: 'Time to score one sampled interaction with every configured metric.',
    labels: { implementation: oneOf(['deterministic', 'llm-judge'], 'how scores are produced') },
    buckets: STAGE_BUCKETS,
    emittedBy: ['evaluation'],
  },
  interactionRecords: {
    name: 'ragops_interaction_records_total',
    type: 'counter',
    group: 'quality',
    help: 'Interaction records by fate: published to the stream, dropped (publish queue full) or failed (stream unreachable or refused).',
    labels: { outcome: oneOf(['published', 'dropped', 'failed'], 'what became of the record') },
    emittedBy: ['gateway'],
  },
} as const satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRIC_CATALOGUE;
export type Catalogue = typeof METRIC_CATALOGUE;

export const METRIC_DEFS: readonly (MetricDef & { key: MetricKey })[] = Object.entries(METRIC_CATALOGUE).map(
  ([key, def]) => ({ ...(def as MetricDef), key: key as MetricKey }),
);

/**
 * prom-client's default metrics (process and Node.js runtime) that dashboards read; every service exports them.
 * prom-client's `nodejs_active_{handles,requests,resources}_total` gauges are dropped by `createMetrics`
 * because a gauge named `_total` fails `promtool check metrics`; `sum(nodejs_active_handles)` gives the same.
 */
export const DEFAULT_METRICS_USED = [
  { name: 'nodejs_eventloop_lag_p99_seconds', type: 'gauge', help: 'Event-loop lag, 99th percentile since the last scrape.' },
  { name: 'nodejs_eventloop_lag_seconds', type: 'gauge', help: 'Event-loop lag measured at scrape time.' },
  { name: 'process_cpu_seconds_total', type: 'counter', help: 'CPU time used by the process.' },
  { name: 'process_resident_memory_bytes', type: 'gauge', help: 'Resident memory.' },
  { name: 'nodejs_heap_size_used_bytes', type: 'gauge', help: 'V8 heap in use.' },
  { name: 'nodejs_gc_duration_seconds', type: 'histogram', help: 'Garbage-collection pauses by kind.' },
  { name: 'process_start_time_seconds', type: 'gauge', help: 'Process start time; dashboards list services from it.' },
] as const;

/** The names a metric of this definition puts into the exposition (histograms: _bucket, _sum, _count). */
export function exposedSeriesNames(def: Pick<MetricDef, 'name' | 'type'>): string[] {
  return def.type === 'histogram' ? [`${def.name}_bucket`, `${def.name}_sum`, `${def.name}_count`] : [def.name];
}
