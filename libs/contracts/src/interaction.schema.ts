import { z } from 'zod';
import { Citation, TokenUsage } from './messages.schema.js';
import { Variant } from './variant.schema.js';

/**
 * Interaction records and user feedback: what the gateway publishes per /v1/query (stream RAGOPS_INTERACTIONS) and
 * per POST /v1/feedback (stream RAGOPS_FEEDBACK), for online evaluation, offline analysis and replay. Versioned by
 * `schemaVersion`; a v2 gets its own subjects (ragops.v2.…) so readers of v1 keep working during a rollout.
 */
export const INTERACTION_SCHEMA_VERSION = 1;
export const FEEDBACK_SCHEMA_VERSION = 1;

/**
 * How user text (query, answer, prompt, feedback comment) and retrieved passages are stored (INTERACTION_CONTENT):
 * - `redacted` (default): PII masked (e-mail addresses, card numbers, phone numbers, key-like tokens), plus the hash;
 * - `full`: verbatim, and the final prompt too — only where the stream is as protected as the documents themselves;
 * - `hash`: only `sha256:<hex>` of each text — enough to count and correlate, not to read or to score.
 */
export const INTERACTION_CONTENT_MODES = ['full', 'redacted', 'hash'] as const;
export const InteractionContentMode = z.enum(INTERACTION_CONTENT_MODES);
export type InteractionContentMode = z.infer<typeof InteractionContentMode>;

/** Bounds that keep one record well under NATS' default 1 MiB max_payload whatever the request was. */
export const InteractionLimits = {
  /** Characters of passage text kept over all contexts of one record; later passages keep only their hash. */
  maxContextChars: 256 * 1024,
  /** Characters kept of an answer, a prompt message or a comment. */
  maxTextChars: 64 * 1024,
  /** Characters of a feedback comment accepted from a client. */
  maxCommentChars: 2000,
} as const;

const Sha256 = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex>');

/** One stored text: `text` as the content mode allows (absent under `hash`), `hash` of the original always. */
export const StoredText = z.strictObject({
  text: z.string().optional(),
  /** sha256 of the text as received (before redaction): equal texts have equal hashes under every mode. */
  hash: Sha256,
  /** True when `text` was cut to InteractionLimits. */
  truncated: z.boolean().optional(),
});
export type StoredText = z.infer<typeof StoredText>;

export const InteractionHit = z.strictObject({
  chunkId: z.string(),
  docId: z.string(),
  score: z.number(),
  /** The passage as handed to the generator, per the content mode; absent under `hash` or past maxContextChars. */
  text: z.string().optional(),
  textHash: Sha256,
});
export type InteractionHit = z.infer<typeof InteractionHit>;

export const InteractionRecord = z.strictObject({
  schemaVersion: z.literal(INTERACTION_SCHEMA_VERSION),
  requestId: z.string().min(1).max(128),
  /** W3C trace id (32 hex) of the request's trace, when tracing is on: joins the record to its spans. */
  traceId: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  tenant: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  /** When the gateway started the query, epoch ms. */
  timestamp: z.number().int().nonnegative(),
  /** The release that served it, with the request's effective retrieval parameters (its topK included). */
  variant: Variant,
  content: InteractionContentMode,
  /** `error`: retrieval or generation failed; `error.code` says how, and what was known by then is recorded. */
  outcome: z.enum(['ok', 'error']),
  error: z.strictObject({ code: z.string(), stage: z.enum(['retrieval', 'generation']) }).optional(),
  query: StoredText,
  /** The request asked for a payload filter (its values are not stored: they may be user data). */
  filtered: z.boolean(),
  retrieval: z
    .strictObject({
      index: z.string(),
      /** The hits handed to the generator, best first, with their scores (after rerank when it ran). */
      hits: z.array(InteractionHit),
      /** Chunk ids in reranked order; present only when the rerank stage ran (the variant asks for it). */
      rerankedIds: z.array(z.string()).optional(),
      /** True when passage texts were left out to stay under InteractionLimits.maxContextChars. */
      contextsTruncated: z.boolean().optional(),
    })
    .optional(),
  generation: z
    .strictObject({
      /** The model that wrote the answer (differs from variant.model after a fallback). */
      model: z.string(),
      /** sha256 of the final prompt (generator-defined; see GenerateReply.promptHash); absent when the generator gave none. */
      promptHash: z.string().optional(),
      /** The final prompt messages; only with INTERACTION_CONTENT=full and a generator that renders one. */
      prompt: z.array(z.strictObject({ role: z.string(), content: z.string() })).optional(),
      answer: StoredText,
      citations: z.array(Citation),
      finishReason: z.enum(['stop', 'length', 'no_context']),
      usage: TokenUsage,
      costUsd: z.number().nonnegative().optional(),
      droppedChunks: z.number().int().nonnegative(),
    })
    .optional(),
  /** Milliseconds per stage: retrieval and generation as the gateway saw them, total, and the retrieval service's own. */
  latencyMs: z.strictObject({
    total: z.number().nonnegative(),
    retrieval: z.number().nonnegative().optional(),
    generation: z.number().nonnegative().optional(),
    /** The retrieval service's breakdown (embedMs, searchMs, rerankMs, …). */
    retrievalStages: z.record(z.string(), z.number()).optional(),
  }),
});
export type InteractionRecord = z.infer<typeof InteractionRecord>;

/** Body of POST /v1/feedback: a thumbs up/down or a score in [0, 1] for one answered request, with a comment. */
export const FeedbackBody = z
  .strictObject({
    requestId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'requestId is the x-request-id of the answer: 1-128 characters of [A-Za-z0-9._:-]'),
    rating: z.enum(['up', 'down'], { error: 'rating must be "up" or "down"' }).optional(),
    score: z.number({ error: 'score must be a number' }).min(0, 'score must be at least 0').max(1, 'score must be at most 1').optional(),
    comment: z.string().max(InteractionLimits.maxCommentChars, `comment is limited to ${InteractionLimits.maxCommentChars} characters`).optional(),
  })
  .refine((b) => (b.rating === undefined) !== (b.score === undefined), { message: 'give exactly one of rating (up|down) or score (0..1)' });
export type FeedbackBody = z.infer<typeof FeedbackBody>;

export const FeedbackRecord = z.strictObject({
  schemaVersion: z.literal(FEEDBACK_SCHEMA_VERSION),
  feedbackId: z.string().min(1).max(128),
  requestId: z.string().min(1).max(128),
  tenant: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  timestamp: z.number().int().nonnegative(),
  /** The variant that served `requestId`, when the gateway that took the feedback still knew it. */
  variant: z.string().min(1).max(64).optional(),
  rating: z.enum(['up', 'down']).optional(),
  /** up = 1, down = 0, else the client's score. */
  score: z.number().min(0).max(1),
  content: InteractionContentMode,
  comment: StoredText.optional(),
});
export type FeedbackRecord = z.infer<typeof FeedbackRecord>;

/** Feedback counts as positive at a score of at least this (a thumbs up is 1, a thumbs down 0). */
export const POSITIVE_FEEDBACK_SCORE = 0.5;
