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
} as const;

export type ServiceName = 'gateway' | 'ingest' | 'embedding' | 'retrieval' | 'generation';

/** Queue groups: replicas of one service share a group so NATS delivers each request to one of them. */
export const QueueGroups: Record<ServiceName, string> = {
  gateway: 'ragops-gateway',
  ingest: 'ragops-ingest',
  embedding: 'ragops-embedding',
  retrieval: 'ragops-retrieval',
  generation: 'ragops-generation',
};

export const Streams = {
  ingest: 'RAGOPS_INGEST',
  ingestConsumer: 'ragops-ingest',
  jobsBucket: 'ragops-jobs',
} as const;
