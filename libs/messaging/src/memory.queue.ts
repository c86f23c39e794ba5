import { Logger, type LoggerService } from '@nestjs/common';
import { type Clock, type IngestBatch, Subjects, systemClock } from '@ragops/contracts';
import type { ConsumerHandle, DeliveryOutcome, JobQueue } from '@ragops/rag';
import { assertJobId } from './job-id.js';
import { IN_PROCESS_MESSAGING_SYSTEM, tracedConsume, tracedPublish } from './messaging.tracing.js';
import { messageId, retryDelay } from './queue.policy.js';

export interface MemoryJobQueueOptions {
  /** Handlers running at once per consume() call. Default 4. */
  concurrency?: number;
  /** Deliveries of one message before it is given up (logged, dropped). Default 5. */
  maxDeliver?: number;
  /** First redelivery delay after 'retry' or a throw; doubles per attempt up to 30 s. Default 1 s. */
  retryDelayMs?: number;
  /** A batch enqueued again within this window is ignored (JetStream's duplicate window). Default 2 min. */
  duplicateWindowMs?: number;
  clock?: Clock;
  logger?: Pick<LoggerService, 'error' | 'warn'>;
  /** Names the queue in traces (messaging.destination.name); default Subjects.ingestBatch, as on JetStream. */
  subject?: string;
}

interface Message {
  id: string;
  /** JSON, as on the wire: each delivery decodes a fresh copy, so a handler's mutations never leak into a retry. */
  body: string;
  deliveries: number;
  /** The enqueuing request's trace context, as JetStream carries it in message headers. */
  headers?: Record<string, string>;
}

type Handler = (batch: IngestBatch, attempt: number) => Promise<DeliveryOutcome>;

interface Consumer {
  handler: Handler;
  running: Set<Promise<void>>;
  stopping: boolean;
}

/**
 * JobQueue for all-in-one mode with the JetStream queue's semantics: at-least-once, redelivery after 'retry'
 * or a throw with growing delay, a give-up after maxDeliver, msgID dedup within a window, bounded concurrency,
 * and stop() that waits for in-flight handlers. Messages live only as long as the process.
 */
export class MemoryJobQueue implements JobQueue {
  private ready: Message[] = [];
  private readonly delayed = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private readonly seen = new Map<string, number>();
  private readonly consumers = new Set<Consumer>();
  private readonly concurrency: number;
  private readonly maxDeliver: number;
  private readonly retryDelayMs: number;
  private readonly duplicateWindowMs: number;
  private readonly clock: Clock;
  private readonly logger: Pick<LoggerService, 'error' | 'warn'>;
  private readonly subject: string;

  constructor(options: MemoryJobQueueOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.maxDeliver = Math.max(1, options.maxDeliver ?? 5);
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.duplicateWindowMs = options.duplicateWindowMs ?? 120_000;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? new Logger(MemoryJobQueue.name);
    this.subject = options.subject ?? Subjects.ingestBatch;
  }

  async enqueue(batches: IngestBatch[]): Promise<void> {
    for (const batch of batches) assertJobId(batch.jobId);
    const now = this.clock.now();
    for (const [id, until] of this.seen) if (until <= now) this.seen.delete(id);
    const published: Promise<void>[] = [];
    for (const batch of batches) {
      const id = messageId(batch);
      if (this.seen.has(id)) continue;
      this.seen.set(id, now + this.duplicateWindowMs);
      const info = { system: IN_PROCESS_MESSAGING_SYSTEM, subject: this.subject, messageId: id, batch };
      // The callback runs synchronously, so messages keep their order.
      published.push(
        tracedPublish(info, async (headers) => {
          this.ready.push({ id, body: JSON.stringify(batch), deliveries: 0, ...(headers ? { headers } : {}) });
        }),
      );
    }
    await Promise.all(published);
    this.dispatchAll();
  }

  async consume(handler: Handler): Promise<ConsumerHandle> {
    const consumer: Consumer = { handler, running: new Set(), stopping: false };
    this.consumers.add(consumer);
    this.dispatch(consumer);
    return {
      stop: async () => {
        consumer.stopping = true;
        this.consumers.delete(consumer);
        while (consumer.running.size) await Promise.all(consumer.running);
      },
    };
  }

  async pending(): Promise<number> {
    return this.ready.length + this.inFlight + this.delayed.size;
  }

  /** Cancels scheduled redeliveries (their messages are lost, as everything in this queue is on exit). */
  close(): void {
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
  }

  private dispatchAll(): void {
    for (const c of this.consumers) this.dispatch(c);
  }

  private dispatch(consumer: Consumer): void {
    while (!consumer.stopping && consumer.running.size < this.concurrency && this.ready.length) {
      const message = this.ready.shift()!;
      const run = this.deliver(consumer, message).finally(() => {
        consumer.running.delete(run);
        this.dispatch(consumer);
      });
      consumer.running.add(run);
    }
  }

  private async deliver(consumer: Consumer, message: Message): Promise<void> {
    this.inFlight++;
    message.deliveries++;
    let outcome: DeliveryOutcome;
    try {
      const batch = JSON.parse(message.body) as IngestBatch;
      const info = { system: IN_PROCESS_MESSAGING_SYSTEM, subject: this.subject, messageId: message.id, batch, consumerGroup: 'in-process', attempt: message.deliveries };
      outcome = await tracedConsume(info, message.headers, () => consumer.handler(batch, message.deliveries));
    } catch (err) {
      this.logger.error(`ingest handler failed on ${message.id} (attempt ${message.deliveries}); will retry`, err instanceof Error ? err.stack : err);
      outcome = 'retry';
    } finally {
      this.inFlight--;
    }
    if (outcome === 'ack') return;
    if (message.deliveries >= this.maxDeliver) {
      this.logger.error(`giving up on ${message.id} after ${message.deliveries} deliveries`);
      return;
    }
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.ready.push(message);
      this.dispatchAll();
    }, retryDelay(this.retryDelayMs, message.deliveries));
    // A pending retry must not keep a finished process alive; the queue is in-memory anyway.
    timer.unref();
    this.delayed.add(timer);
  }
}
