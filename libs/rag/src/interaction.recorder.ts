import { AppError, type Clock, type InteractionContentMode } from '@ragops/contracts';
import { buildInteractionRecord, type InteractionMaterial, type Redactor } from './interaction.builder.js';
import type { InteractionSink } from './interaction.ports.js';

/** What became of one query's record: stored by the sink, dropped (queue full or closed), or failed in the sink. */
export type InteractionOutcome = 'published' | 'dropped' | 'failed';

export interface InteractionRecorderOptions {
  sink: InteractionSink;
  /** INTERACTION_CONTENT: how query, answer, passages and prompt are stored. */
  content: InteractionContentMode;
  /** PII masking for `redacted` content. */
  redact: Redactor;
  clock: Clock;
  /** The active trace id when a query starts (tracing lives outside this lib); undefined when untraced. */
  traceId?: () => string | undefined;
  /** Records waiting to be built and published; beyond it the oldest waiting one is dropped. Default 1000. */
  queueSize?: number;
  /** Records being published at once. Default 4. */
  concurrency?: number;
  /** Told about every record's fate (the `ragops_interaction_records_total` counter, a log line on failure). */
  onOutcome?: (outcome: InteractionOutcome, error?: unknown) => void;
  /** Recently served requests whose variant is remembered for feedback attribution. Default 10,000. */
  recentCapacity?: number;
}

/** The part of a record known when the query starts. */
export interface InteractionStart {
  startedAt: number;
  traceId?: string;
}

/**
 * Emits one interaction record per query without costing the query time: `record()` only queues references to what
 * the query produced, and the record is built (redaction, hashing) and published after the current turn of the event
 * loop, i.e. after the response has been written. The queue is bounded (oldest dropped first) and publishing is
 * bounded in concurrency, so a sink outage costs memory up to `queueSize` records and counted drops or failures —
 * never a failed or slowed request.
 */
export class InteractionRecorder {
  readonly content: InteractionContentMode;
  private readonly queue: InteractionMaterial[] = [];
  private readonly queueSize: number;
  private readonly concurrency: number;
  private readonly recent: RecentVariants;
  private inFlight = 0;
  private scheduled = false;
  private closed = false;
  private idle: (() => void)[] = [];

  constructor(private readonly options: InteractionRecorderOptions) {
    this.content = options.content;
    this.queueSize = options.queueSize ?? 1000;
    this.concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(this.queueSize) || this.queueSize < 1) throw new AppError('VALIDATION_FAILED', `queueSize must be a positive integer, got ${this.queueSize}`);
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new AppError('VALIDATION_FAILED', `concurrency must be a positive integer, got ${this.concurrency}`);
    this.recent = new RecentVariants(options.recentCapacity ?? 10_000);
  }

  /** Call when a query starts: its start time and trace id. */
  start(): InteractionStart {
    const traceId = this.options.traceId?.();
    return traceId ? { startedAt: this.options.clock.now(), traceId } : { startedAt: this.options.clock.now() };
  }

  /** Queues the query's record; returns at once. */
  record(material: InteractionMaterial): void {
    this.recent.remember(material.ctx.tenant, material.ctx.requestId, material.ctx.variant.id);
    if (this.closed) return this.outcome('dropped');
    if (this.queue.length >= this.queueSize) {
      this.queue.shift();
      this.outcome('dropped');
    }
    this.queue.push(material);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  /** The variant id that served `requestId` of `tenant`, if this process served it recently. */
  variantOf(tenant: string, requestId: string): string | undefined {
    return this.recent.get(tenant, requestId);
  }

  /** Resolves once every queued record has been published (or has failed). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Publishes what is queued, then drops whatever is recorded later. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /** Records waiting or being published. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const material = this.queue.shift() as InteractionMaterial;
      this.inFlight++;
      void this.publish(material).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    if (this.queue.length === 0 && this.inFlight === 0 && !this.scheduled) for (const resolve of this.idle.splice(0)) resolve();
  }

  private async publish(material: InteractionMaterial): Promise<void> {
    try {
      const record = buildInteractionRecord(material, this.content, this.options.redact);
      await this.options.sink.publish(record);
      this.outcome('published');
    } catch (err) {
      this.outcome('failed', err);
    }
  }

  private outcome(outcome: InteractionOutcome, error?: unknown): void {
    try {
      this.options.onOutcome?.(outcome, error);
    } catch {
      // An observer's bug must not break recording.
    }
  }
}

/** A bounded map (tenant, requestId) → variant id; the least recently added entry goes first. */
class RecentVariants {
  private readonly map = new Map<string, string>();
  constructor(private readonly capacity: number) {}

  remember(tenant: string, requestId: string, variant: string): void {
    const key = `${tenant}\u0000${requestId}`;
    this.map.delete(key);
    this.map.set(key, variant);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  get(tenant: string, requestId: string): string | undefined {
    return this.map.get(`${tenant}\u0000${requestId}`);
  }
}

/** Convenience for callers: the query's outcome as recorded, from a thrown error. */
export function errorCodeOf(err: unknown): string {
  return err instanceof AppError ? err.code : 'INTERNAL';
}
