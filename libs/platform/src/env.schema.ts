import { DEFAULT_BM25_PARAMS } from '@ragops/search';
import { LOG_LEVELS, type LogLevel } from '@ragops/telemetry';
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

/** How text becomes index entries. Ingest and retrieval must agree on these, so both read the same keys. */
export const IndexingEnv = z.object({
  /** `local`: feature-hashing embedder, no model download. (OpenAI-compatible and model2vec: see issue 3.) */
  EMBEDDINGS: z.enum(['local']).default('local'),
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

/** Which vector store holds the index. */
export const StoreEnv = z.object({
  /**
   * `memory`: this process only (all-in-one). `replicated`: an in-memory index per process kept identical through a
   * JetStream stream, for distributed mode without Qdrant (docs/adr/0003).
   */
  VECTOR_STORE: z.enum(['memory', 'replicated']).default('replicated'),
  INDEX_STREAM: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_-]').default('RAGOPS_INDEX'),
});

export type IndexingConfig = z.infer<typeof IndexingEnv>;
export type StoreConfig = z.infer<typeof StoreEnv>;
