import { z } from 'zod';
import { type ConfigRule, Limits, loadConfig, type Variant } from '@ragops/contracts';
import { InteractionEnv, type InteractionConfig } from '@ragops/messaging';
import { boolVar, CacheEnv, intVar as int, LogLevelVar, NatsEnv } from '@ragops/platform';
import type { RateLimitFailMode } from '@ragops/rag';
import { LOG_CONTENT_MODES, type LogContentMode, type LogLevel } from '@ragops/telemetry';

const MiB = 1024 * 1024;

const name = (fallback: string, max: number) => z.string().min(1).max(max, `at most ${max} characters`).default(fallback);

/**
 * The gateway's environment. Unrelated variables are ignored; an empty value counts as unset (what compose
 * files and Helm templates produce for "not configured").
 */
export const GatewayEnv = NatsEnv.extend(InteractionEnv.shape).extend({
  PORT: int(8080, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** The one deadline a request gets: retrieval and generation share it. */
  REQUEST_TIMEOUT_MS: int(10_000, 1, 600_000),
  /** How long GET /readyz waits for the dependency checks before reporting not ready. */
  READINESS_TIMEOUT_MS: int(2_000, 1, 60_000),
  /** Largest accepted request body; above it → 413. 16 MiB fits a full batch of large documents. */
  BODY_LIMIT_BYTES: int(16 * MiB, 1024, 256 * MiB),
  LOG_LEVEL: LogLevelVar,
  /** Whether query and answer text may appear in logs and span attributes: off (default), hash, or redacted. */
  LOG_CONTENT: z.enum(LOG_CONTENT_MODES, { error: `must be one of ${LOG_CONTENT_MODES.join(', ')}` }).default('off'),
  // The default variant (release) every request is served by until routing tables exist.
  VARIANT_ID: name('default', 64),
  PROMPT_VERSION: name('rag-answer@1', 64),
  MODEL: name('extractive', 128),
  INDEX: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 characters of [a-zA-Z0-9_-]').default('default'),
  // sparse (BM25) by default: with the local hashing embedder, hybrid scores 0.11 nDCG@10 lower on SciFact and every
  // dense weight hurts on its train split (docs/benchmarks.md, ADR 0005). Use hybrid with a semantic embedding model.
  RETRIEVAL_MODE: z.enum(['hybrid', 'dense', 'sparse']).default('sparse'),
  DEFAULT_TOPK: int(5, 1, Limits.maxTopK),
  RRF_K: int(60, 1, 1000),
  RETRIEVAL_CANDIDATES: int(100, 1, 1000),
  // Whether the variant reranks; the retrieval service needs RERANK_PROVIDER for it (without one it answers in fused order).
  RERANK: boolVar(false),
  /** Requests per window per tenant on the API routes that do work (query, search, documents, feedback); 0: no limit. */
  RATE_LIMIT_REQUESTS: int(0, 0, 1_000_000_000),
  RATE_LIMIT_WINDOW_SECONDS: int(60, 1, 86_400),
  /** `memory`: counted per replica. `redis` (REDIS_URL): one budget shared by every replica. */
  RATE_LIMIT_STORE: z.enum(['memory', 'redis'], { error: 'must be memory or redis' }).default('memory'),
  /** While the Redis store is unreachable: `open` serves requests unmetered, `closed` refuses them with 503. */
  RATE_LIMIT_FAIL: z.enum(['open', 'closed'], { error: 'must be open or closed' }).default('open'),
  REDIS_URL: CacheEnv.shape.REDIS_URL,
  REDIS_PREFIX: CacheEnv.shape.REDIS_PREFIX,
});

const GatewayRules: ConfigRule[] = [
  // Explicitly, even though REDIS_URL has a default: a shared budget on a guessed address would be a silent per-pod one.
  { when: { key: 'RATE_LIMIT_STORE', equals: 'redis' }, require: ['REDIS_URL'], why: 'the Redis every gateway replica shares' },
];

/** The per-tenant request limit (RATE_LIMIT_*). */
export interface RateLimitConfig {
  /** Requests per window per tenant, at least 1. */
  requests: number;
  windowSeconds: number;
  store: 'memory' | 'redis';
  fail: RateLimitFailMode;
  redisUrl: string;
  /** Separates these counters from other users of the store; carries the window, so a changed window starts afresh. */
  keyPrefix: string;
}

export interface GatewayConfig {
  port: number;
  host: string;
  natsUrl: string;
  requestTimeoutMs: number;
  readinessTimeoutMs: number;
  bodyLimitBytes: number;
  logLevel: LogLevel;
  /** How query and answer text may be logged / put on spans (ContentPolicy); never raw. */
  logContent: LogContentMode;
  /** Served to every request; a request's topK overrides `retrieval.topK`. */
  variant: Variant;
  /** Interaction records and feedback: on/off, content setting, stream limits (INTERACTION*, FEEDBACK_*). */
  interactions: InteractionConfig;
  /** Per-tenant request limit; absent when RATE_LIMIT_REQUESTS=0 (the default). */
  rateLimit?: RateLimitConfig;
}

/**
 * Validates the environment once at start. A bad start names EVERY bad key in one message (not just the
 * first), so one restart fixes them all.
 */
export function loadGatewayConfig(env: Record<string, string | undefined>): GatewayConfig {
  const e = loadConfig(GatewayEnv, env, 'gateway', GatewayRules);
  return {
    port: e.PORT,
    host: e.HOST,
    natsUrl: e.NATS_URL,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    readinessTimeoutMs: e.READINESS_TIMEOUT_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    logLevel: e.LOG_LEVEL,
    logContent: e.LOG_CONTENT,
    variant: {
      id: e.VARIANT_ID,
      prompt: e.PROMPT_VERSION,
      model: e.MODEL,
      index: e.INDEX,
      retrieval: {
        topK: e.DEFAULT_TOPK,
        mode: e.RETRIEVAL_MODE,
        rrfK: e.RRF_K,
        candidates: e.RETRIEVAL_CANDIDATES,
        rerank: e.RERANK,
      },
    },
    interactions: {
      INTERACTIONS: e.INTERACTIONS,
      INTERACTION_CONTENT: e.INTERACTION_CONTENT,
      INTERACTIONS_QUEUE_SIZE: e.INTERACTIONS_QUEUE_SIZE,
      INTERACTIONS_BUFFER: e.INTERACTIONS_BUFFER,
      INTERACTIONS_MAX_BYTES: e.INTERACTIONS_MAX_BYTES,
      INTERACTIONS_MAX_AGE: e.INTERACTIONS_MAX_AGE,
      INTERACTIONS_MAX_MSGS: e.INTERACTIONS_MAX_MSGS,
      INTERACTIONS_REPLICAS: e.INTERACTIONS_REPLICAS,
      FEEDBACK_MAX_BYTES: e.FEEDBACK_MAX_BYTES,
      FEEDBACK_MAX_AGE: e.FEEDBACK_MAX_AGE,
    },
    ...(e.RATE_LIMIT_REQUESTS > 0
      ? {
          rateLimit: {
            requests: e.RATE_LIMIT_REQUESTS,
            windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
            store: e.RATE_LIMIT_STORE,
            fail: e.RATE_LIMIT_FAIL,
            redisUrl: e.REDIS_URL,
            keyPrefix: `${e.REDIS_PREFIX}:rl:tenant-requests:${e.RATE_LIMIT_WINDOW_SECONDS}s`,
          },
        }
      : {}),
  };
}
