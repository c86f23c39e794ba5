import { DEFAULT_BM25_PARAMS } from '@ragops/search';
import { LOG_LEVELS, type LogLevel } from '@ragops/telemetry';
import type { ConfigRule } from '@ragops/contracts';
import { z } from 'zod';

/** An integer env var within [min, max], or `fallback` when unset. */
export const intVar = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

export const numberVar = (fallback: number, min: number, max: number) =>
  z.coerce.number({ error: 'must be a number' }).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).default(fallback);

export const LogLevelVar = z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]).default('info');

/** Where NATS is. */
export const NatsEnv = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
});

/** `true`/`false` (also 1/0, yes/no) as a boolean env var. */
export const boolVar = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** An http(s) URL. */
export const urlVar = () => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * The circuit breaker on each model server a process calls (LLM, embeddings, reranker; one breaker per dependency):
 * spread into each provider's keys, so every process that calls a model server reads them.
 */
export const BreakerEnv = z.object({
  /**
   * Consecutive failed attempts (5xx, connection errors, timeouts, malformed responses; not 4xx or 429) that open the
   * circuit; retries count. With the default 3 attempts a call, 5 is about two calls failing through their retries in
   * a row; any success resets the count. 0 turns the breakers off.
   */
  BREAKER_THRESHOLD: intVar(5, 0, 1_000),
  /**
   * How long an open circuit fails fast (503 UNAVAILABLE, no request sent) before one probe call decides. At least 1 s:
   * a value meant in seconds ("30") would otherwise hold the circuit open for 30 ms, which is no breaker at all.
   */
  BREAKER_HALF_OPEN_AFTER_MS: intVar(30_000, 1_000, 3_600_000),
});

/**
 * How text becomes index entries. Ingest, retrieval and embedding must agree on these (an index is searchable only
 * with the model that built it), so all read the same keys. How to reach the model is EmbeddingProviderEnv's job.
 */
export const IndexingEnv = z.object({
  /**
   * `local`: feature-hashing embedder, no model download. `model2vec`: a static embedding model (EMBEDDING_MODEL is
   * its Hugging Face repo, or MODEL2VEC_PATH a local copy). `openai`: any OpenAI-compatible /v1/embeddings server.
   */
  EMBEDDINGS: z.enum(['local', 'model2vec', 'openai']).default('local'),
  /** The embedding model's name (openai) or Hugging Face repo (model2vec); required for both. */
  EMBEDDING_MODEL: z.string().min(1).max(256).optional(),
  EMBEDDING_DIMENSIONS: intVar(384, 8, 4096),
  // 512: on SciFact +0.008 nDCG@10 over 256 for BM25, 42 % fewer chunks, faster ingest; costs query throughput with
  // the extractive generator (more text per answer). Measured in docs/benchmarks.md.
  CHUNK_MAX_TOKENS: intVar(512, 16, 8192),
  CHUNK_OVERLAP_TOKENS: intVar(32, 0, 4096),
  // Defaults chosen on BEIR SciFact (libs/search/README.md); set BM25_AVG_DOC_LENGTH to your corpus's mean.
  BM25_K1: numberVar(DEFAULT_BM25_PARAMS.k1, 0, 10),
  BM25_B: numberVar(DEFAULT_BM25_PARAMS.b, 0, 1),
  BM25_AVG_DOC_LENGTH: numberVar(DEFAULT_BM25_PARAMS.avgDocLength, 1, 100_000),
});

export const IndexingRules: ConfigRule[] = [
  { when: { key: 'EMBEDDINGS', equals: 'openai' }, require: ['EMBEDDING_MODEL'], why: 'the model the server should run' },
  { when: { key: 'EMBEDDINGS', equals: 'model2vec' }, require: ['EMBEDDING_MODEL'], why: 'its Hugging Face repo, e.g. minishlab/potion-base-8M' },
];

/** Where the embedding model runs: read only by the processes that call it (embedding service, all-in-one). */
export const EmbeddingProviderEnv = z.object({
  EMBEDDING_BASE_URL: urlVar().default('https://api.openai.com/v1'),
  EMBEDDING_API_KEY: z.string().min(1).optional(),
  EMBEDDING_ORGANIZATION: z.string().min(1).optional(),
  /** Send `dimensions` in requests; turn off for fixed-size models that reject it (ada-002, most vLLM/TEI models). */
  EMBEDDING_SEND_DIMENSIONS: boolVar(true),
  EMBEDDING_BATCH_SIZE: intVar(128, 1, 2048),
  /** A local model2vec directory (config.json, tokenizer.json, model.safetensors); skips the Hub download. */
  MODEL2VEC_PATH: z.string().min(1).optional(),
  /** Branch, tag or commit of EMBEDDING_MODEL on the Hub; pin a commit for reproducible indexes. */
  MODEL2VEC_REVISION: z.string().regex(/^[\w.-]+$/, 'must be a branch, tag or commit').default('main'),
  HF_ENDPOINT: urlVar().default('https://huggingface.co'),
  HF_TOKEN: z.string().min(1).optional(),
  /** Where downloaded models are kept between starts. */
  MODEL_CACHE_DIR: z.string().min(1).default('.ragops-models'),
  /** Embeddings are cached (CACHE) for this long; 0 turns the cache off. */
  EMBEDDING_CACHE_TTL_SECONDS: intVar(86_400, 0, 30 * 86_400),
  ...BreakerEnv.shape,
});

export const EmbeddingProviderRules: ConfigRule[] = [
  { when: { key: 'EMBEDDINGS', equals: 'openai' }, require: ['EMBEDDING_API_KEY'], why: 'any non-empty value for servers without auth' },
];

/** Which answer generator the generation service (or all-in-one) runs. */
export const LlmEnv = z.object({
  /** `extractive`: quotes retrieved sentences, no model. `openai`: any OpenAI-compatible chat completions server. */
  LLM_PROVIDER: z.enum(['extractive', 'openai']).default('extractive'),
  LLM_BASE_URL: urlVar().default('https://api.openai.com/v1'),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_ORGANIZATION: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).max(256).optional(),
  LLM_MAX_TOKENS: intVar(512, 1, 32_768),
  LLM_TEMPERATURE: numberVar(0, 0, 2),
  /** Stream completions from the server (measures time to first token). */
  LLM_STREAM: boolVar(true),
  /** Tokens of retrieved context the prompt may carry. */
  LLM_CONTEXT_TOKENS: intVar(3_000, 64, 1_000_000),
  /**
   * The model's context window in tokens. Unset (or 0): unknown — nothing changes and context-window utilisation is not
   * measured. Set: prompts are also cut to leave LLM_MAX_TOKENS free in it, and each call's prompt tokens over it are
   * recorded (ragops_llm_context_window_utilization_ratio).
   */
  LLM_CONTEXT_WINDOW: intVar(0, 0, 10_000_000).transform((v) => (v === 0 ? undefined : v)),
  /** Price table, JSON: {"gpt-4o-mini": {"inputPer1M": 0.15, "outputPer1M": 0.6}} (USD per million tokens). */
  LLM_PRICES: z.string().min(2).optional(),
  EXTRACTIVE_MAX_SENTENCES: intVar(3, 1, 20),
  ...BreakerEnv.shape,
});

export const LlmRules: ConfigRule[] = [
  { when: { key: 'LLM_PROVIDER', equals: 'openai' }, require: ['LLM_MODEL', 'LLM_API_KEY'], why: 'LLM_API_KEY: any non-empty value for servers without auth' },
];

/** The optional rerank stage of the retrieval service. */
export const RerankEnv = z.object({
  /** `none`, or `openai`: a server exposing /v1/rerank (vLLM, Jina-style) or /rerank (TEI; RERANK_FLAVOR=tei). */
  RERANK_PROVIDER: z.enum(['none', 'openai']).default('none'),
  RERANK_BASE_URL: urlVar().optional(),
  RERANK_API_KEY: z.string().min(1).optional(),
  RERANK_MODEL: z.string().min(1).max(256).optional(),
  RERANK_FLAVOR: z.enum(['jina', 'tei']).default('jina'),
  /** Fused candidates handed to the reranker, which keeps top-K of them. */
  RERANK_CANDIDATES: intVar(50, 1, 1000),
  ...BreakerEnv.shape,
});

export const RerankRules: ConfigRule[] = [{ when: { key: 'RERANK_PROVIDER', equals: 'openai' }, require: ['RERANK_BASE_URL', 'RERANK_MODEL'] }];

/**
 * The HTTP listener of a service that has no other (all but the gateway, which serves /metrics on its own port):
 * GET /metrics for Prometheus, GET /healthz for liveness. 9464 is the port OpenTelemetry's Prometheus exporter uses;
 * services sharing one host each need their own. 0: any free port (logged at start).
 */
export const MetricsEnv = z.object({
  METRICS_PORT: intVar(9464, 0, 65535),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
});

/** Which cache backs the query path's caches (embeddings today). */
export const CacheEnv = z.object({
  /** `memory`: this process only. `redis`: shared by every replica (REDIS_URL). */
  CACHE: z.enum(['memory', 'redis']).default('memory'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  /** Key prefix, so several deployments can share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[\w.-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_.-]').default('ragops'),
  /** Budget of one cache operation; past it the cache counts as down (callers treat that as a miss). */
  CACHE_TIMEOUT_MS: intVar(250, 1, 60_000),
});

/** Which vector store holds the index. */
export const StoreEnv = z.object({
  /**
   * `memory`: this process only (all-in-one). `replicated`: an in-memory index per process kept identical through a
   * JetStream stream, for distributed mode without Qdrant (docs/adr/0003). `qdrant`: a Qdrant server (QDRANT_URL).
   */
  VECTOR_STORE: z.enum(['memory', 'replicated', 'qdrant']).default('replicated'),
  INDEX_STREAM: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_-]').default('RAGOPS_INDEX'),
  QDRANT_URL: urlVar().optional(),
  QDRANT_API_KEY: z.string().min(1).optional(),
  QDRANT_TIMEOUT_MS: intVar(10_000, 1, 600_000),
  /** Collections are named <prefix><index version>, so several deployments can share one Qdrant. */
  QDRANT_COLLECTION_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{0,32}$/, 'must be up to 32 characters of [A-Za-z0-9_-]').default('ragops_'),
});

export const StoreRules: ConfigRule[] = [{ when: { key: 'VECTOR_STORE', equals: 'qdrant' }, require: ['QDRANT_URL'] }];

export type IndexingConfig = z.infer<typeof IndexingEnv>;
export type StoreConfig = z.infer<typeof StoreEnv>;
export type EmbeddingProviderConfig = z.infer<typeof EmbeddingProviderEnv>;
export type LlmConfig = z.infer<typeof LlmEnv>;
export type RerankConfig = z.infer<typeof RerankEnv>;
export type BreakerConfig = z.infer<typeof BreakerEnv>;
export type CacheConfig = z.infer<typeof CacheEnv>;
