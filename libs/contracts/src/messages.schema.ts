import { z } from 'zod';
import { ChunkHit, SearchFilter, SourceDocument } from './document.schema.js';
import { Limits } from './limits.js';
import { envelope } from './envelope.schema.js';

// ---- embedding -------------------------------------------------------------------------------------------
export const EmbedRequest = z.strictObject({
  texts: z.array(z.string()).min(1).max(Limits.maxEmbedBatch),
  /** Some models embed queries and passages differently (instruction prefixes). */
  kind: z.enum(['query', 'document']),
});
export type EmbedRequest = z.infer<typeof EmbedRequest>;
/**
 * Vectors are checked with one loop instead of a zod schema per number: zod's per-element parsing cost ~100 ms per
 * SciFact ingest (docs/benchmarks.md). Same guarantee: arrays of finite numbers.
 */
const Vectors = z.custom<number[][]>(
  (v) =>
    Array.isArray(v) &&
    v.every((row) => {
      if (!Array.isArray(row)) return false;
      for (let i = 0; i < row.length; i++) if (typeof row[i] !== 'number' || !Number.isFinite(row[i])) return false;
      return true;
    }),
  { message: 'vectors must be arrays of finite numbers' },
);

export const EmbedReply = z.strictObject({
  model: z.string(),
  dimensions: z.number().int().positive(),
  vectors: Vectors,
});
export type EmbedReply = z.infer<typeof EmbedReply>;

// ---- retrieval -------------------------------------------------------------------------------------------
/** topK / mode default to the variant's retrieval parameters. */
export const SearchRequest = z.strictObject({
  query: z.string().min(1).max(Limits.maxQueryChars),
  topK: z.number().int().min(1).max(Limits.maxTopK).optional(),
  filter: SearchFilter.optional(),
});
export type SearchRequest = z.infer<typeof SearchRequest>;
export const SearchReply = z.strictObject({
  index: z.string(),
  hits: z.array(ChunkHit),
  timings: z.record(z.string(), z.number()),
});
export type SearchReply = z.infer<typeof SearchReply>;

// ---- generation ------------------------------------------------------------------------------------------
export const Citation = z.strictObject({
  /** The marker's number as it appears in the answer: `[1]` → 1. */
  n: z.number().int().positive(),
  chunkId: z.string(),
  docId: z.string(),
});
export type Citation = z.infer<typeof Citation>;
export const GenerateRequest = z.strictObject({
  query: z.string().min(1).max(Limits.maxQueryChars),
  chunks: z.array(ChunkHit).max(Limits.maxTopK),
  /** Return the final prompt in the reply (interaction records with INTERACTION_CONTENT=full); off by default. */
  includePrompt: z.boolean().optional(),
});
export type GenerateRequest = z.infer<typeof GenerateRequest>;
export const TokenUsage = z.strictObject({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;
export const GenerateReply = z.strictObject({
  answer: z.string(),
  citations: z.array(Citation),
  model: z.string(),
  usage: TokenUsage,
  /** `no_context`: nothing retrieved supports an answer; the answer says so. */
  finishReason: z.enum(['stop', 'length', 'no_context']),
  /** Chunks dropped from the prompt to fit the token budget. */
  droppedChunks: z.number().int().nonnegative(),
  /** What the model call cost in USD, from the configured price table; absent when the model has no price. */
  costUsd: z.number().nonnegative().optional(),
  /**
   * `sha256:<hex>` of the final prompt: the rendered chat messages (LLM generator) or, for the extractive generator,
   * which has none, the query and passages it quoted from. Equal hashes mean the model saw the same input.
   */
  promptHash: z.string().regex(/^sha256:[0-9a-f]{64}$/).optional(),
  /** The final prompt messages, only when the request set `includePrompt` and the generator renders a prompt. */
  prompt: z.array(z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).optional(),
});
export type GenerateReply = z.infer<typeof GenerateReply>;

// ---- ingest ----------------------------------------------------------------------------------------------
/** One JetStream message: a slice of a job's documents. Re-delivery is safe (indexing is idempotent). */
export const IngestBatch = z.strictObject({
  jobId: z.string().min(1),
  batch: z.number().int().nonnegative(),
  batches: z.number().int().positive(),
  tenant: z.string(),
  index: z.string(),
  documents: z.array(SourceDocument).min(1).max(Limits.ingestBatchSize),
  // The enqueuing request's trace context travels in the message headers, not here (see libs/messaging's queues).
});
export type IngestBatch = z.infer<typeof IngestBatch>;

export const DocumentError = z.strictObject({ docId: z.string(), code: z.string(), message: z.string() });
export type DocumentError = z.infer<typeof DocumentError>;

/** What ingesting one batch did; recorded per batch so re-delivery overwrites instead of double-counting. */
export const BatchResult = z.strictObject({
  batch: z.number().int().nonnegative(),
  indexed: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  chunks: z.number().int().nonnegative(),
  errors: z.array(DocumentError),
  finishedAt: z.number().int(),
});
export type BatchResult = z.infer<typeof BatchResult>;

export const JobStatus = z.enum(['queued', 'running', 'done', 'failed']);
export type JobStatus = z.infer<typeof JobStatus>;
export const JobView = z.strictObject({
  jobId: z.string(),
  status: JobStatus,
  tenant: z.string(),
  index: z.string(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  batches: z.strictObject({ total: z.number().int(), done: z.number().int() }),
  documents: z.strictObject({
    total: z.number().int(),
    indexed: z.number().int(),
    unchanged: z.number().int(),
    failed: z.number().int(),
  }),
  chunks: z.number().int(),
  errors: z.array(DocumentError),
});
export type JobView = z.infer<typeof JobView>;

// ---- health ----------------------------------------------------------------------------------------------
export const HealthReply = z.strictObject({ service: z.string(), ok: z.boolean(), details: z.record(z.string(), z.unknown()).optional() });
export type HealthReply = z.infer<typeof HealthReply>;

// ---- envelopes per subject -------------------------------------------------------------------------------
export const EmbedEnvelope = envelope(EmbedRequest);
export const SearchEnvelope = envelope(SearchRequest);
export const GenerateEnvelope = envelope(GenerateRequest);
