/**
 * NATS subjects. The version segment lets a v2 schema run beside v1 during a rollout: a service subscribes to
 * every version it still speaks, and callers pick the newest one their peers advertise.
 */
export const Subjects = {
  embed: 'ragops.v1.embedding.embed',
  search: 'ragops.v1.retrieval.search',
  generate: 'ragops.v1.generation.generate',
  /** JetStream subject for ingest batches (stream {@link Streams.ingest}). */
  ingestBatch: 'ragops.v1.ingest.batch',
  /** Request/reply health probe per service: `ragops.v1.<service>.health`. */
  health: (service: ServiceName) => `ragops.v1.${service}.health`,
  /** JetStream subject of one tenant's interaction records (stream {@link Streams.interactions}). */
  interactions: (tenant: string) => `ragops.v1.interactions.${tenant}`,
  /** Every tenant's interaction records: the stream's subject filter. */
  interactionsAll: 'ragops.v1.interactions.>',
  /** JetStream subject of one tenant's answer feedback (stream {@link Streams.feedback}). */
  feedback: (tenant: string) => `ragops.v1.feedback.${tenant}`,
  feedbackAll: 'ragops.v1.feedback.>',
} as const;

export type ServiceName = 'gateway' | 'ingest' | 'embedding' | 'retrieval' | 'generation' | 'evaluation';

/** Queue groups: replicas of one service share a group so NATS delivers each request to one of them. */
export const QueueGroups: Record<ServiceName, string> = {
  gateway: 'ragops-gateway',
  ingest: 'ragops-ingest',
  embedding: 'ragops-embedding',
  retrieval: 'ragops-retrieval',
  generation: 'ragops-generation',
  evaluation: 'ragops-evaluation',
};

export const Streams = {
  ingest: 'RAGOPS_INGEST',
  ingestConsumer: 'ragops-ingest',
  jobsBucket: 'ragops-jobs',
  /** One record per query (limits-based: size and age caps, oldest discarded). */
  interactions: 'RAGOPS_INTERACTIONS',
  /** Answer feedback (limits-based, like interactions). */
  feedback: 'RAGOPS_FEEDBACK',
  /** Durable consumer of the evaluation service on both streams (replicas share it). */
  evaluationConsumer: 'ragops-evaluation',
} as const;
