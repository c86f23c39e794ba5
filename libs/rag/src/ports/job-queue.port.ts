import type { IngestBatch } from '@ragops/contracts';

/** What the consumer's handler tells the queue about one message. */
export type DeliveryOutcome = 'ack' | 'retry';

export interface ConsumerHandle {
  /** Stops pulling; in-flight handlers finish (and ack) first. */
  stop(): Promise<void>;
}

/**
 * Durable ingest queue (JetStream in distributed mode, in-memory all-in-one). At-least-once: a message is
 * acked only after its handler resolves 'ack'; a crash or 'retry' redelivers it, so handlers are idempotent.
 */
export interface JobQueue {
  /** Resolves once every batch is durably stored. */
  enqueue(batches: IngestBatch[]): Promise<void>;
  consume(handler: (batch: IngestBatch, attempt: number) => Promise<DeliveryOutcome>): Promise<ConsumerHandle>;
  /** Messages not yet acked (queue depth). */
  pending(): Promise<number>;
}
