import type { Clock } from '@ragops/contracts';
import type { ServiceMetrics } from './metrics.registry.js';

export interface QueueBacklog {
  /** Messages not yet acknowledged (waiting plus being handled). */
  depth: number;
  /** Publish time (epoch ms) of the oldest of them; undefined when there is none or the queue cannot tell. */
  oldestPublishedAt?: number;
}

export interface BacklogPollOptions {
  /** The `stream` label (the JetStream stream name). */
  stream: string;
  intervalMs: number;
  clock: Clock;
  /** A failed read keeps the last values; this hears about it (a log line). */
  onError?: (error: unknown) => void;
}

export interface BacklogPoller {
  /** Reads once now (also what the timer does). */
  poll(): Promise<void>;
  stop(): void;
}

/**
 * Keeps `ragops_ingest_queue_depth_messages` and `ragops_ingest_consumer_lag_seconds` current by reading the queue's
 * backlog every `intervalMs` (first read at once, so both series exist from the start). Lag is the age of the oldest
 * unacknowledged message, 0 for an empty queue; a queue that cannot date its messages gets a depth only. Polling
 * rather than reading at scrape time keeps a slow NATS from slowing every scrape.
 */
export function pollQueueBacklog(read: () => Promise<QueueBacklog>, metrics: Pick<ServiceMetrics, 'ingestQueueDepth' | 'ingestConsumerLag'>, options: BacklogPollOptions): BacklogPoller {
  const labels = { stream: options.stream };
  let running: Promise<void> | undefined;
  const poll = (): Promise<void> => {
    running ??= (async () => {
      try {
        const { depth, oldestPublishedAt } = await read();
        metrics.ingestQueueDepth.set(labels, depth);
        if (depth === 0) metrics.ingestConsumerLag.set(labels, 0);
        else if (oldestPublishedAt !== undefined) metrics.ingestConsumerLag.set(labels, Math.max(0, options.clock.now() - oldestPublishedAt) / 1000);
      } catch (error) {
        options.onError?.(error);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => void poll(), options.intervalMs);
  timer.unref();
  void poll();
  return { poll, stop: () => clearInterval(timer) };
}
