import { Logger, type LoggerService } from '@nestjs/common';
import type { FeedbackRecord, InteractionRecord } from '@ragops/contracts';
import type { ConsumerHandle, FeedbackSink, FeedOptions, InteractionSink, RecordConsumeOptions, RecordFeed, RecordHandler, RecordPreview, RecordSource } from '@ragops/rag';
import { interactionHeaders } from './interaction.headers.js';
import { retryDelay } from './queue.policy.js';

export interface MemoryRecordLogOptions {
  /** Records kept for `subscribe({ since })`; the oldest go first. Default 1000. */
  capacity?: number;
  /** Handlers running at once per consumer. Default 4. */
  concurrency?: number;
  /** Records waiting per consumer; beyond it the oldest waiting one is dropped (and logged). Default 10,000. */
  backlog?: number;
  /** Deliveries of one record before it is given up. Default 10. */
  maxDeliver?: number;
  /** First redelivery delay after `retry`; doubles per attempt. Default 200 ms. */
  retryDelayMs?: number;
  logger?: Pick<LoggerService, 'error' | 'warn'>;
}

interface Stored {
  tenant: string;
  timestamp: number;
  /** JSON, as on the wire: every reader decodes its own copy. */
  json: string;
  /** What the JetStream publisher would send as message headers (empty when the log has none for its records). */
  headers: Readonly<Record<string, string>>;
}

interface Delivery {
  json: string;
  headers: Readonly<Record<string, string>>;
  attempt: number;
}

interface ConsumerState {
  handler: RecordHandler;
  preview?: RecordPreview;
  waiting: Delivery[];
  running: Set<Promise<void>>;
  timers: Set<NodeJS.Timeout>;
  stopping: boolean;
}

/**
 * The all-in-one mode's record stream: a ring buffer of the latest records, a live fan-out to subscribers (what
 * `ragops interactions tail` reads through the gateway) and to consumers (the in-process evaluation service) with
 * the JetStream reader's semantics — bounded concurrency, `retry` redelivered later, a give-up after maxDeliver, a
 * preview that settles a record from its headers without decoding it.
 * Nothing survives the process; consumers see records published after they started.
 */
export class MemoryRecordLog<T extends { tenant: string; timestamp: number }> implements RecordFeed<T>, RecordSource {
  private readonly ring: Stored[] = [];
  private readonly listeners = new Set<{ listener: (record: T) => void; tenant?: string }>();
  private readonly consumers = new Set<ConsumerState>();
  private readonly capacity: number;
  private readonly concurrency: number;
  private readonly backlog: number;
  private readonly maxDeliver: number;
  private readonly retryDelayMs: number;
  private readonly logger: Pick<LoggerService, 'error' | 'warn'>;
  /** Records dropped because a consumer's backlog was full. */
  dropped = 0;

  /** `headersOf`: the headers a consumer's preview sees for a record, as its JetStream publisher sends them. */
  constructor(
    options: MemoryRecordLogOptions = {},
    private readonly headersOf?: (record: T) => Record<string, string>,
  ) {
    this.capacity = Math.max(1, options.capacity ?? 1000);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.backlog = Math.max(1, options.backlog ?? 10_000);
    this.maxDeliver = Math.max(1, options.maxDeliver ?? 10);
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.logger = options.logger ?? new Logger(MemoryRecordLog.name);
  }

  async publish(record: T): Promise<void> {
    const stored: Stored = { tenant: record.tenant, timestamp: record.timestamp, json: JSON.stringify(record), headers: this.headers(record) };
    this.ring.push(stored);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const l of this.listeners) if (!l.tenant || l.tenant === stored.tenant) this.notify(l.listener, stored.json);
    for (const c of this.consumers) this.enqueue(c, { json: stored.json, headers: stored.headers, attempt: 1 });
  }

  /** Buffered records (oldest first), decoded. */
  recent(): T[] {
    return this.ring.map((s) => JSON.parse(s.json) as T);
  }

  subscribe(listener: (record: T) => void, options: FeedOptions = {}): () => void {
    if (options.since !== undefined) {
      for (const s of this.ring) if (s.timestamp >= options.since && (!options.tenant || options.tenant === s.tenant)) this.notify(listener, s.json);
    }
    const entry = { listener, ...(options.tenant ? { tenant: options.tenant } : {}) };
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  async consume(handler: RecordHandler, options: RecordConsumeOptions = {}): Promise<ConsumerHandle> {
    const state: ConsumerState = { handler, ...(options.preview ? { preview: options.preview } : {}), waiting: [], running: new Set(), timers: new Set(), stopping: false };
    this.consumers.add(state);
    return {
      stop: async () => {
        state.stopping = true;
        this.consumers.delete(state);
        for (const t of state.timers) clearTimeout(t);
        state.timers.clear();
        state.waiting.length = 0;
        while (state.running.size) await Promise.all(state.running);
      },
    };
  }

  private headers(record: T): Record<string, string> {
    try {
      return this.headersOf?.(record) ?? {};
    } catch {
      // A record too malformed to take its headers from goes without: its reader then decodes and validates it.
      return {};
    }
  }

  private notify(listener: (record: T) => void, json: string): void {
    try {
      listener(JSON.parse(json) as T);
    } catch (err) {
      this.logger.warn(`a record subscriber failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private enqueue(c: ConsumerState, d: Delivery): void {
    if (c.stopping) return;
    if (c.waiting.length >= this.backlog) {
      c.waiting.shift();
      this.dropped++;
      this.logger.warn('a record consumer is behind; dropped its oldest waiting record');
    }
    c.waiting.push(d);
    this.pump(c);
  }

  private pump(c: ConsumerState): void {
    while (!c.stopping && c.running.size < this.concurrency && c.waiting.length > 0) {
      const d = c.waiting.shift() as Delivery;
      const run = this.deliver(c, d).finally(() => {
        c.running.delete(run);
        this.pump(c);
      });
      c.running.add(run);
    }
  }

  private async deliver(c: ConsumerState, d: Delivery): Promise<void> {
    let outcome: 'ack' | 'retry';
    try {
      // As on JetStream: a record the preview settles from its headers is never decoded.
      outcome = c.preview?.(d.headers) ?? (await c.handler(JSON.parse(d.json), d.attempt));
    } catch (err) {
      this.logger.error(`record handler failed (attempt ${d.attempt}); will retry`, err instanceof Error ? err.stack : err);
      outcome = 'retry';
    }
    if (outcome === 'ack' || c.stopping) return;
    if (d.attempt >= this.maxDeliver) {
      this.logger.error(`giving up on a record after ${d.attempt} deliveries`);
      return;
    }
    const timer = setTimeout(() => {
      c.timers.delete(timer);
      this.enqueue(c, { ...d, attempt: d.attempt + 1 });
    }, retryDelay(this.retryDelayMs, d.attempt));
    timer.unref();
    c.timers.add(timer);
  }
}

/** The all-in-one interaction stream, with the headers JetStreamInteractionSink publishes (for consumers' previews). */
export class MemoryInteractionLog extends MemoryRecordLog<InteractionRecord> implements InteractionSink {
  constructor(options: MemoryRecordLogOptions = {}) {
    super(options, interactionHeaders);
  }
}

/** The all-in-one feedback stream. */
export class MemoryFeedbackLog extends MemoryRecordLog<FeedbackRecord> implements FeedbackSink {}
