import type { FeedbackRecord, InteractionRecord } from '@ragops/contracts';
import type { ConsumerHandle, DeliveryOutcome } from './ports/job-queue.port.js';

/**
 * Where interaction records go: a JetStream stream (distributed) or an in-memory ring buffer (all-in-one). Resolves
 * once the record is stored; the InteractionRecorder calls it off the request path, so a slow or failing sink costs
 * the query nothing but a counted failure.
 */
export interface InteractionSink {
  publish(record: InteractionRecord): Promise<void>;
}

/** Where answer feedback goes (a JetStream stream, or memory). Resolves once stored. */
export interface FeedbackSink {
  publish(record: FeedbackRecord): Promise<void>;
}

/**
 * One delivery of a durable record stream to its consumer. The handler gets the decoded JSON and validates it (a
 * malformed record is the handler's to reject), and answers `ack`, or `retry` to have it delivered again later.
 */
export type RecordHandler = (raw: unknown, attempt: number) => Promise<DeliveryOutcome>;

/**
 * Settles a delivery from its headers alone (string values by header name; none: an empty object), before the payload
 * is decoded: an outcome settles it and the handler never runs — a consumer that drops most records (online
 * evaluation's sampling) then pays nothing to decode them; `undefined` hands the record to the handler as usual.
 */
export type RecordPreview = (headers: Readonly<Record<string, string>>) => DeliveryOutcome | undefined;

export interface RecordConsumeOptions {
  preview?: RecordPreview;
}

/** A durable, at-least-once reader of one record stream (interactions or feedback), shared by a service's replicas. */
export interface RecordSource {
  consume(handler: RecordHandler, options?: RecordConsumeOptions): Promise<ConsumerHandle>;
}

export interface FeedOptions {
  /** Replay buffered records from this time (epoch ms) before following live ones; default: live ones only. */
  since?: number;
  /** Only this tenant's records. */
  tenant?: string;
}

/** Live view of the records as they are published (for `ragops interactions tail` against the all-in-one). */
export interface RecordFeed<T> {
  /** Calls `listener` for each record; returns the unsubscribe function. */
  subscribe(listener: (record: T) => void, options?: FeedOptions): () => void;
}

/** Which variant served which request: what joining feedback to variants needs, without the records themselves. */
export interface InteractionIndexEntry {
  tenant: string;
  requestId: string;
  variant: string;
}

/**
 * Every interaction's index entry, to each reader (not shared like a durable consumer): lets every replica of the
 * evaluation service attribute feedback for any request, including ones recorded before it started.
 */
export interface InteractionIndex {
  follow(onEntry: (entry: InteractionIndexEntry) => void): Promise<ConsumerHandle>;
}
