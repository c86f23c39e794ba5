import type { Clock } from '@ragops/contracts';
import type { JobQueue } from '@ragops/rag';
import { type Dependency, MeteredJobQueue, pollQueueBacklog, type QueueBacklog, type ServiceMetrics } from '@ragops/telemetry';

/** How often the ingest service reads its queue's depth and oldest message. Alerts look at 10-minute lag. */
export const BACKLOG_POLL_MS = 5_000;

export interface MeteredIngestQueue {
  queue: JobQueue;
  stop(): void;
}

/**
 * The ingest service's queue as it should be metered: each delivery in flight and timed (and handled in its batch's
 * scope, which labels document and chunk counts by index), and queue depth plus consumer lag polled in the
 * background. A queue with `backlog()` (JetStream) reports lag; one with only `pending()` (in memory) reports depth.
 */
export function meterIngestQueue(
  queue: JobQueue & { backlog?: () => Promise<QueueBacklog> },
  metrics: ServiceMetrics,
  options: { stream: string; clock: Clock; intervalMs?: number; onError?: (error: unknown) => void },
): MeteredIngestQueue {
  const read = queue.backlog ? () => queue.backlog!() : async () => ({ depth: await queue.pending() });
  const poller = pollQueueBacklog(read, metrics, {
    stream: options.stream,
    clock: options.clock,
    intervalMs: options.intervalMs ?? BACKLOG_POLL_MS,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  return { queue: new MeteredJobQueue(queue, metrics), stop: () => poller.stop() };
}

/**
 * Sets `ragops_circuit_breaker_state` to `closed` for each dependency the service calls. The model servers' breakers
 * (llm, embeddings, reranker; adapters.factory) report their own state from then on; for dependencies without a
 * breaker (the vector store, the cache, peers over NATS, or a model with BREAKER_THRESHOLD=0) closed is the true state,
 * and exporting it means the breaker panel and any alert on `state="open"` read 0 instead of nothing.
 */
export function markCircuitsClosed(metrics: Pick<ServiceMetrics, 'circuitBreakerState'>, dependencies: readonly Dependency[]): void {
  for (const dependency of dependencies) metrics.circuitBreakerState.set({ dependency }, 'closed');
}
