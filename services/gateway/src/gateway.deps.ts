import type { Clock, InteractionRecord } from '@ragops/contracts';
import type { AnswerGenerator, FeedbackSink, InteractionSink, JobQueue, JobStore, RateLimiter, RecordFeed, Searcher } from '@ragops/rag';
import type { Logger, ServiceMetrics } from '@ragops/telemetry';
import type { ReadinessReport } from './readiness.js';

/**
 * Everything the gateway needs from outside, as ports. The all-in-one process passes in-process adapters,
 * distributed mode NATS clients; the gateway cannot tell them apart.
 */
export interface GatewayDeps {
  searcher: Searcher;
  generator: AnswerGenerator;
  queue: JobQueue;
  jobs: JobStore;
  clock: Clock;
  /** Job ids; default `crypto.randomUUID`. */
  newId?: () => string;
  /** Backs GET /readyz; bounded by READINESS_TIMEOUT_MS, a rejection reads as not ready. */
  readiness: () => Promise<ReadinessReport>;
  /** Default: a fresh registry from `createMetrics('gateway')`. */
  metrics?: ServiceMetrics;
  /** Default: `createLogger({ service: 'gateway', level: config.logLevel })`. */
  logger?: Logger;
  /** Where one record per /v1/query goes (with INTERACTIONS=on); none without it. */
  interactions?: InteractionSink;
  /** Where POST /v1/feedback stores feedback; without it the route answers 503. */
  feedback?: FeedbackSink;
  /** Live records for GET /v1/interactions/tail: given only by the all-in-one process (records held in memory). */
  interactionFeed?: RecordFeed<InteractionRecord>;
  /**
   * Counts each tenant's requests when RATE_LIMIT_REQUESTS > 0 (its `limit` is the budget per window). Default: built
   * from RATE_LIMIT_STORE and closed with the app; unused while the limit is off.
   */
  rateLimiter?: RateLimiter;
}

type OptionalDeps = 'interactions' | 'feedback' | 'interactionFeed' | 'rateLimiter';

/** GatewayDeps with the defaults filled in. */
export type ResolvedGatewayDeps = Required<Omit<GatewayDeps, OptionalDeps>> & Pick<GatewayDeps, OptionalDeps>;
