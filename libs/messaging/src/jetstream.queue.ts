import { Logger, type LoggerService } from '@nestjs/common';
import {
  type Consumer,
  type ConsumerMessages,
  DiscardPolicy,
  type JetStreamClient,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  type JsMsg,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { AppError, IngestBatch, parseOrThrow } from '@ragops/contracts';
import type { ConsumerHandle, DeliveryOutcome, JobQueue } from '@ragops/rag';
import { assertJobId } from './job-id.js';
import { tracedConsume, tracedPublish } from './messaging.tracing.js';
import { asAppError, sleep, toNatsHeaders, upsertDurableConsumer } from './jetstream.support.js';
import { messageId, retryDelay } from './queue.policy.js';

export interface JetStreamJobQueueOptions {
  nc: NatsConnection;
  /** Stream name (Streams.ingest). */
  stream: string;
  /** The one subject the stream captures (Subjects.ingestBatch). */
  subject: string;
  /** Durable pull consumer shared by all ingest replicas (Streams.ingestConsumer). */
  durable: string;
  /** Without an ack or a `working()` heartbeat for this long, the server redelivers. Default 30 s. */
  ackWaitMs?: number;
  /** Deliveries of one message before it is terminated (and logged). Default 5. */
  maxDeliver?: number;
  /** Handlers running at once per consume() call. Default 4. */
  concurrency?: number;
  /** First redelivery delay after 'retry' or a throw (nak delay); doubles per attempt up to 30 s. Default 1 s. */
  retryDelayMs?: number;
  /** A batch published again with the same msgID within this window is dropped by the server. Default 2 min. */
  duplicateWindowMs?: number;
  /** Unconsumed messages older than this are discarded. Default 7 days. */
  maxAgeMs?: number;
  /** How long one pull waits for messages (≥ 1 s). Default 5 s. */
  fetchExpiresMs?: number;
  /** Stream replicas (1, 3 or 5 in a NATS cluster). Default 1. */
  replicas?: number;
  logger?: Pick<LoggerService, 'error' | 'warn'>;
}

type Handler = (batch: IngestBatch, attempt: number) => Promise<DeliveryOutcome>;

interface PullState {
  stopping: boolean;
  stopped: Promise<void>;
  signalStop: () => void;
  fetch?: ConsumerMessages;
  running: Set<Promise<void>>;
}

const encoder = new TextEncoder();
/** Room for the headers (Nats-Msg-Id, traceparent, a tracestate of up to 512 bytes) and framing next to the payload. */
const HEADER_ALLOWANCE_BYTES = 1024;

/**
 * The ingest JobQueue on JetStream: a file-storage work-queue stream and one durable pull consumer with
 * explicit acks. At-least-once: a message is acked only after its handler resolves 'ack'; 'retry' or a throw
 * naks it with a growing delay; a crash redelivers it after ack_wait; after maxDeliver deliveries it is
 * terminated and logged. Long handlers keep their message with `working()` heartbeats.
 */
export class JetStreamJobQueue implements JobQueue {
  private readonly concurrency: number;
  private readonly retryDelayMs: number;
  private readonly fetchExpiresMs: number;
  private readonly heartbeatMs: number;
  private readonly logger: Pick<LoggerService, 'error' | 'warn'>;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly o: Required<Pick<JetStreamJobQueueOptions, 'stream' | 'subject' | 'durable' | 'ackWaitMs' | 'maxDeliver'>>,
    options: JetStreamJobQueueOptions,
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.fetchExpiresMs = Math.max(1000, options.fetchExpiresMs ?? 5000);
    this.heartbeatMs = Math.max(100, Math.floor(o.ackWaitMs / 3));
    this.logger = options.logger ?? new Logger(JetStreamJobQueue.name);
  }

  /** Creates or updates the stream and the durable consumer, then returns the queue. */
  static async open(options: JetStreamJobQueueOptions): Promise<JetStreamJobQueue> {
    const o = {
      stream: options.stream,
      subject: options.subject,
      durable: options.durable,
      ackWaitMs: options.ackWaitMs ?? 30_000,
      maxDeliver: Math.max(1, options.maxDeliver ?? 5),
    };
    try {
      const jsm = await jetstreamManager(options.nc);
      await ensureStream(jsm, options);
      await ensureConsumer(jsm, o);
      return new JetStreamJobQueue(options.nc, jsm, jsm.jetstream(), o, options);
    } catch (err) {
      throw asAppError(`cannot set up JetStream stream ${o.stream} / consumer ${o.durable}`, err);
    }
  }

  /** Publishes every batch with msgID `<jobId>:<batch>` and resolves once the stream has stored them all. */
  async enqueue(batches: IngestBatch[]): Promise<void> {
    const maxPayload = this.nc.info?.max_payload ?? Number.POSITIVE_INFINITY;
    const payloads = batches.map((batch) => {
      assertJobId(batch.jobId);
      const data = encoder.encode(JSON.stringify(batch));
      if (data.length + HEADER_ALLOWANCE_BYTES > maxPayload) {
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          `batch ${batch.batch} of job ${batch.jobId} is ${data.length} bytes, over NATS' max_payload of ${maxPayload}: split the documents into smaller batches`,
          { jobId: batch.jobId, batch: batch.batch, bytes: data.length, maxPayload },
        );
      }
      return { id: messageId(batch), data, batch };
    });
    await Promise.all(
      payloads.map(({ id, data, batch }) =>
        tracedPublish({ system: 'nats', subject: this.o.subject, messageId: id, batch }, async (trace) => {
          try {
            await this.js.publish(this.o.subject, data, { msgID: id, ...(trace ? { headers: toNatsHeaders(trace) } : {}) });
          } catch (err) {
            throw asAppError(`cannot store ingest batch ${id} in stream ${this.o.stream}`, err);
          }
        }),
      ),
    );
  }

  async consume(handler: Handler): Promise<ConsumerHandle> {
    let consumer: Consumer;
    try {
      consumer = await this.js.consumers.get(this.o.stream, this.o.durable);
    } catch (err) {
      throw asAppError(`cannot bind to consumer ${this.o.durable} of stream ${this.o.stream}`, err);
    }
    let signalStop!: () => void;
    const stopped = new Promise<void>((resolve) => (signalStop = resolve));
    const state: PullState = { stopping: false, stopped, signalStop, running: new Set() };
    const loop = this.pull(consumer, handler, state);
    return {
      stop: async () => {
        state.stopping = true;
        state.signalStop();
        await state.fetch?.close();
        await loop;
        while (state.running.size) await Promise.all(state.running);
      },
    };
  }

  /** Queue depth: messages not yet delivered plus those delivered and not yet acked. */
  async pending(): Promise<number> {
    try {
      const info = await this.jsm.consumers.info(this.o.stream, this.o.durable);
      return info.num_pending + info.num_ack_pending;
    } catch (err) {
      throw asAppError(`cannot read consumer ${this.o.durable} of stream ${this.o.stream}`, err);
    }
  }

  /**
   * Queue depth and the publish time of the oldest unacknowledged batch (for consumer lag). A work-queue stream deletes
   * a message once it is acked (or terminated), so the stream's first message is the oldest one still owed.
   */
  async backlog(): Promise<{ depth: number; oldestPublishedAt?: number }> {
    try {
      const [consumer, stream] = await Promise.all([this.jsm.consumers.info(this.o.stream, this.o.durable), this.jsm.streams.info(this.o.stream)]);
      const depth = consumer.num_pending + consumer.num_ack_pending;
      const first = stream.state.messages > 0 ? Date.parse(stream.state.first_ts) : Number.NaN;
      return Number.isFinite(first) ? { depth, oldestPublishedAt: first } : { depth };
    } catch (err) {
      throw asAppError(`cannot read the backlog of ${this.o.stream}/${this.o.durable}`, err);
    }
  }

  /**
   * Pulls only as many messages as there are free handler slots, so no message waits in a client buffer
   * while its ack timer runs, and stop() leaves nothing behind but what is in flight.
   */
  private async pull(consumer: Consumer, handler: Handler, state: PullState): Promise<void> {
    let failures = 0;
    while (!state.stopping) {
      if (this.nc.isClosed()) {
        // Nothing can be pulled or acked any more; unacked messages go to other consumers after ack_wait.
        this.logger.error(`stopped pulling from ${this.o.stream}/${this.o.durable}: the NATS connection is closed`);
        return;
      }
      const free = this.concurrency - state.running.size;
      if (free <= 0) {
        await Promise.race([...state.running, state.stopped]);
        continue;
      }
      try {
        const messages = await consumer.fetch({ max_messages: free, expires: this.fetchExpiresMs });
        state.fetch = messages;
        if (state.stopping) await messages.close();
        for await (const m of messages) {
          // Delivered after stop() began: hand it straight back instead of waiting for ack_wait.
          if (state.stopping) {
            m.nak();
            continue;
          }
          const run = this.process(m, handler).finally(() => state.running.delete(run));
          state.running.add(run);
        }
        failures = 0;
      } catch (err) {
        if (state.stopping || this.nc.isClosed()) continue;
        failures++;
        this.logger.error(`pulling from ${this.o.stream}/${this.o.durable} failed (${failures} in a row); retrying`, err);
        await Promise.race([sleep(Math.min(30_000, 250 * 2 ** failures)), state.stopped]);
      } finally {
        state.fetch = undefined;
      }
    }
  }

  private async process(m: JsMsg, handler: Handler): Promise<void> {
    const attempt = m.info.deliveryCount;
    let batch: IngestBatch;
    try {
      batch = parseOrThrow(IngestBatch, m.json(), 'ingest batch');
    } catch (err) {
      // It can never succeed: terminate it instead of redelivering it maxDeliver times.
      this.logger.error(`terminating message ${m.seq} of ${this.o.stream}: ${err instanceof Error ? err.message : String(err)}`);
      // No reason text: nats-server before 2.10 ignores "+TERM <reason>" and would redeliver the message.
      m.term();
      return;
    }
    const id = messageId(batch);
    const info = { system: 'nats', subject: this.o.subject, messageId: id, batch, consumerGroup: this.o.durable, attempt };
    // The headers carry the trace context of the request that enqueued the batch (tracedPublish).
    await tracedConsume(info, m.headers, () => this.handleDelivery(m, batch, id, attempt, handler));
  }

  private async handleDelivery(m: JsMsg, batch: IngestBatch, id: string, attempt: number, handler: Handler): Promise<void> {
    const heartbeat = setInterval(() => {
      try {
        m.working();
      } catch {
        // The connection is gone; the server redelivers after ack_wait, so there is nothing left to keep.
        clearInterval(heartbeat);
      }
    }, this.heartbeatMs);
    heartbeat.unref();
    let outcome: DeliveryOutcome;
    try {
      outcome = await handler(batch, attempt);
    } catch (err) {
      this.logger.error(`ingest handler failed on ${id} (attempt ${attempt}); will retry`, err instanceof Error ? err.stack : err);
      outcome = 'retry';
    } finally {
      clearInterval(heartbeat);
    }
    try {
      if (outcome === 'ack') {
        // Wait for the server to confirm, so stop() resolving means the acks really landed.
        if (!(await m.ackAck())) this.logger.warn(`ack of ${id} was not confirmed; it may be redelivered`);
      } else if (attempt >= this.o.maxDeliver) {
        this.logger.error(`giving up on ${id} after ${attempt} deliveries`);
        m.term();
      } else {
        m.nak(retryDelay(this.retryDelayMs, attempt));
      }
    } catch (err) {
      this.logger.error(`could not settle ${id} (${outcome}); the server will redeliver it after ack_wait`, err);
    }
  }
}

async function ensureStream(jsm: JetStreamManager, o: JetStreamJobQueueOptions): Promise<void> {
  const limits = {
    subjects: [o.subject],
    duplicate_window: nanos(o.duplicateWindowMs ?? 120_000),
    max_age: nanos(o.maxAgeMs ?? 7 * 24 * 3600_000),
    discard: DiscardPolicy.Old,
  };
  try {
    const info = await jsm.streams.info(o.stream);
    if (info.config.retention !== RetentionPolicy.Workqueue) {
      throw new AppError(
        'INTERNAL',
        `stream ${o.stream} exists with ${info.config.retention} retention; the ingest queue needs a work queue: delete the stream or use another name`,
      );
    }
    await jsm.streams.update(o.stream, limits);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
    await jsm.streams.add({
      name: o.stream,
      ...limits,
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: o.replicas ?? 1,
    });
  }
}

async function ensureConsumer(
  jsm: JetStreamManager,
  o: { stream: string; subject: string; durable: string; ackWaitMs: number; maxDeliver: number },
): Promise<void> {
  // Redeliveries after a missed ack wait longer each time; the first wait is ack_wait (the server uses
  // backoff[0] in its place) and the server requires max_deliver > backoff.length.
  const backoff = [1, 2, 4].slice(0, o.maxDeliver - 1).map((f) => nanos(o.ackWaitMs * f));
  await upsertDurableConsumer(jsm, o.stream, o.durable, o.subject, { ack_wait: nanos(o.ackWaitMs), max_deliver: o.maxDeliver, ...(backoff.length > 0 && { backoff }) });
}
