import { Logger, type LoggerService } from '@nestjs/common';
import {
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  type JsMsg,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AppError,
  type FeedbackRecord,
  type InteractionRecord,
  Streams,
  Subjects,
} from '@ragops/contracts';
import {
  type ConsumerHandle,
  type DeliveryOutcome,
  type FeedbackSink,
  type InteractionIndex,
  type InteractionIndexEntry,
  type InteractionSink,
  type RecordConsumeOptions,
  type RecordHandler,
  type RecordPreview,
  type RecordSource,
  shrinkToFit,
} from '@ragops/rag';
import { INTERACTION_HEADERS, interactionHeaders } from './interaction.headers.js';
import { asAppError, headerRecord, sleep, toNatsHeaders, upsertDurableConsumer } from './jetstream.support.js';
import { retryDelay } from './queue.policy.js';

export interface RecordStreamLimits {
  maxBytes: number;
  maxAgeMs: number;
  /** -1 (default): no count limit. */
  maxMsgs?: number;
  /** 1, 3 or 5. Default 1. */
  replicas?: number;
  /** Re-publishing the same record id within this window is dropped by the server. Default 2 min. */
  duplicateWindowMs?: number;
}

export interface JetStreamRecordLogOptions {
  nc: NatsConnection;
  stream: string;
  /** The subjects the stream captures (`ragops.v1.interactions.>`). */
  subjects: string;
  limits: RecordStreamLimits;
  /**
   * `update` (the publisher, which owns the limits): create the stream or bring its limits to `limits`. `create` (a
   * reader): create it with `limits` only when missing, never change an existing one — so starting a consumer first
   * does not fight the publisher's configuration.
   */
  manage: 'update' | 'create';
  logger?: Pick<LoggerService, 'error' | 'warn'>;
}

export interface RecordConsumerOptions {
  /** Durable consumer name shared by the reading service's replicas. */
  durable: string;
  /** Handlers running at once. Default 4. */
  concurrency?: number;
  /** Unacked for this long → redelivered. Default 60 s (LLM judging is slow). */
  ackWaitMs?: number;
  /** Deliveries of one record before it is given up. Default 10. */
  maxDeliver?: number;
  /** First redelivery delay after `retry`; doubles per attempt up to 30 s. Default 1 s. */
  retryDelayMs?: number;
  /** How long one pull waits for records (≥ 1 s). Default 5 s. */
  fetchExpiresMs?: number;
}

const encoder = new TextEncoder();
/** nats-server JetStream API error codes (server/errors.json): JSStreamNameExistErr, JSStreamSubjectOverlapErr. */
const STREAM_NAME_IN_USE = 10058;
const SUBJECT_OVERLAP = 10065;
/** Headers (Nats-Msg-Id) and protocol framing next to the payload. */
const HEADER_ALLOWANCE_BYTES = 1024;

/**
 * A JetStream stream of JSON records (interaction records, feedback): file storage, limits retention with size, age
 * and count caps, discard-old — the newest records always fit and the oldest go — and a duplicate window keyed by
 * record id, so a re-published record is stored once. Publishing waits for the server's ack; reading is a durable
 * pull consumer with explicit acks (at-least-once), bounded concurrency and delayed redelivery on `retry`.
 */
export class JetStreamRecordLog {
  private readonly logger: Pick<LoggerService, 'error' | 'warn'>;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    readonly stream: string,
    readonly subjects: string,
    logger?: Pick<LoggerService, 'error' | 'warn'>,
  ) {
    this.logger = logger ?? new Logger(JetStreamRecordLog.name);
  }

  static async open(options: JetStreamRecordLogOptions): Promise<JetStreamRecordLog> {
    try {
      const jsm = await jetstreamManager(options.nc);
      await ensureStream(jsm, options);
      return new JetStreamRecordLog(options.nc, jsm, jsm.jetstream(), options.stream, options.subjects, options.logger);
    } catch (err) {
      throw asAppError(`cannot set up JetStream stream ${options.stream}`, err);
    }
  }

  /** Largest record payload the server accepts, with room for headers. */
  get maxRecordBytes(): number {
    return (this.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ALLOWANCE_BYTES;
  }

  /** Stores one record on `subject` with message id `id` (and `headers`); resolves once the stream has it. */
  async publish(subject: string, id: string, record: unknown, headers?: Record<string, string>): Promise<void> {
    const data = encoder.encode(JSON.stringify(record));
    if (data.length > this.maxRecordBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `record ${id} is ${data.length} bytes, over NATS' max_payload`, { bytes: data.length });
    }
    try {
      await this.js.publish(subject, data, { msgID: id, ...(headers ? { headers: toNatsHeaders(headers) } : {}) });
    } catch (err) {
      throw asAppError(`cannot store record ${id} in stream ${this.stream}`, err);
    }
  }

  /** The stream's state (messages, bytes, first/last sequence) and configuration. */
  async info(): Promise<StreamInfo> {
    try {
      return await this.jsm.streams.info(this.stream);
    } catch (err) {
      throw asAppError(`cannot read stream ${this.stream}`, err);
    }
  }

  /**
   * Follows the headers of every stored and new record with an ordered, headers-only consumer (no payloads cross the
   * wire, no acks, nothing shared with other readers) — `sinceMs` back from now, default from the first record.
   */
  async followHeaders(onHeaders: (headers: Record<string, string>) => void, options: { sinceMs?: number } = {}): Promise<ConsumerHandle> {
    let messages: ConsumerMessages;
    try {
      const consumer = await this.js.consumers.get(this.stream, {
        filter_subjects: this.subjects,
        headers_only: true,
        ...(options.sinceMs !== undefined ? { opt_start_time: new Date(Date.now() - options.sinceMs).toISOString() } : { deliver_policy: DeliverPolicy.All }),
      });
      messages = await consumer.consume();
    } catch (err) {
      throw asAppError(`cannot follow stream ${this.stream}`, err);
    }
    const loop = (async () => {
      for await (const m of messages) {
        const out = headerRecord(m.headers);
        try {
          onHeaders(out);
        } catch (err) {
          this.logger.warn(`a header follower of ${this.stream} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return {
      stop: async () => {
        await messages.close();
        await loop.catch(() => undefined);
      },
    };
  }

  /**
   * A durable reader of this stream (created when missing: from the first stored record, explicit acks). A `preview`
   * given to `consume` sees each message's headers first; a record it settles is acknowledged (or redelivered) without
   * its payload being decoded.
   */
  async source(options: RecordConsumerOptions): Promise<RecordSource> {
    const o = {
      durable: options.durable,
      concurrency: Math.max(1, options.concurrency ?? 4),
      ackWaitMs: options.ackWaitMs ?? 60_000,
      maxDeliver: Math.max(1, options.maxDeliver ?? 10),
      retryDelayMs: options.retryDelayMs ?? 1000,
      fetchExpiresMs: Math.max(1000, options.fetchExpiresMs ?? 5000),
    };
    try {
      await ensureConsumer(this.jsm, this.stream, this.subjects, o);
    } catch (err) {
      throw asAppError(`cannot set up consumer ${o.durable} of stream ${this.stream}`, err);
    }
    return { consume: (handler, consumeOptions) => this.consume(o, handler, consumeOptions) };
  }

  private async consume(o: Required<RecordConsumerOptions>, handler: RecordHandler, consumeOptions: RecordConsumeOptions = {}): Promise<ConsumerHandle> {
    let consumer: Consumer;
    try {
      consumer = await this.js.consumers.get(this.stream, o.durable);
    } catch (err) {
      throw asAppError(`cannot bind to consumer ${o.durable} of stream ${this.stream}`, err);
    }
    const state: PullState = { stopping: false, running: new Set(), stopped: undefined as unknown as Promise<void>, signalStop: () => undefined };
    state.stopped = new Promise<void>((resolve) => (state.signalStop = resolve));
    const loop = this.pull(consumer, o, handler, consumeOptions.preview, state);
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

  /** Pulls only as many records as there are free handler slots, so none waits in a buffer while its ack timer runs. */
  private async pull(consumer: Consumer, o: Required<RecordConsumerOptions>, handler: RecordHandler, preview: RecordPreview | undefined, state: PullState): Promise<void> {
    let failures = 0;
    while (!state.stopping) {
      if (this.nc.isClosed()) return;
      const free = o.concurrency - state.running.size;
      if (free <= 0) {
        await Promise.race([...state.running, state.stopped]);
        continue;
      }
      try {
        const messages = await consumer.fetch({ max_messages: free, expires: o.fetchExpiresMs });
        state.fetch = messages;
        if (state.stopping) await messages.close();
        for await (const m of messages) {
          if (state.stopping) {
            m.nak();
            continue;
          }
          const run = this.deliver(m, o, handler, preview).finally(() => state.running.delete(run));
          state.running.add(run);
        }
        failures = 0;
      } catch (err) {
        if (state.stopping || this.nc.isClosed()) continue;
        failures++;
        this.logger.error(`pulling from ${this.stream}/${o.durable} failed (${failures} in a row); retrying`, err);
        await Promise.race([sleep(Math.min(30_000, 250 * 2 ** failures)), state.stopped]);
      } finally {
        state.fetch = undefined;
      }
    }
  }

  private async deliver(m: JsMsg, o: Required<RecordConsumerOptions>, handler: RecordHandler, preview: RecordPreview | undefined): Promise<void> {
    const attempt = m.info.deliveryCount;
    let outcome: DeliveryOutcome | undefined;
    try {
      // Settled from the headers alone: the payload is never decoded (nor checked to be JSON).
      outcome = preview?.(headerRecord(m.headers));
    } catch (err) {
      this.logger.error(`preview failed on message ${m.seq} of ${this.stream} (attempt ${attempt}); will retry`, err instanceof Error ? err.stack : err);
      outcome = 'retry';
    }
    if (outcome === undefined) {
      let raw: unknown;
      try {
        raw = m.json();
      } catch {
        // Never decodable: terminate instead of redelivering it maxDeliver times.
        this.logger.error(`terminating message ${m.seq} of ${this.stream}: not JSON`);
        m.term();
        return;
      }
      try {
        outcome = await handler(raw, attempt);
      } catch (err) {
        this.logger.error(`handler failed on message ${m.seq} of ${this.stream} (attempt ${attempt}); will retry`, err instanceof Error ? err.stack : err);
        outcome = 'retry';
      }
    }
    try {
      if (outcome === 'ack') m.ack();
      else if (attempt >= o.maxDeliver) {
        this.logger.error(`giving up on message ${m.seq} of ${this.stream} after ${attempt} deliveries`);
        m.term();
      } else m.nak(retryDelay(o.retryDelayMs, attempt));
    } catch (err) {
      this.logger.error(`could not settle message ${m.seq} of ${this.stream}; the server will redeliver it`, err);
    }
  }
}

interface PullState {
  stopping: boolean;
  stopped: Promise<void>;
  signalStop: () => void;
  fetch?: ConsumerMessages;
  running: Set<Promise<void>>;
}

/** Interaction records on `ragops.v1.interactions.<tenant>`, id `<tenant>:<requestId>:<timestamp>`. */
export class JetStreamInteractionSink implements InteractionSink {
  constructor(private readonly log: JetStreamRecordLog) {}

  async publish(record: InteractionRecord): Promise<void> {
    // A record over max_payload (huge passages, a full prompt) loses texts, never the whole record.
    const fitted = shrinkToFit(record, this.log.maxRecordBytes);
    if (!fitted) throw new AppError('PAYLOAD_TOO_LARGE', `interaction record ${record.requestId} does not fit NATS' max_payload`);
    await this.log.publish(Subjects.interactions(record.tenant), `${record.tenant}:${record.requestId}:${record.timestamp}`, fitted, interactionHeaders(record));
  }
}

/**
 * The interaction index from the records' headers (an ordered headers-only consumer per reader), `windowMs` back from
 * now at start: every evaluation replica sees every request's variant, whichever replica scores the record.
 */
export class JetStreamInteractionIndex implements InteractionIndex {
  constructor(
    private readonly log: JetStreamRecordLog,
    private readonly windowMs?: number,
  ) {}

  follow(onEntry: (entry: InteractionIndexEntry) => void): Promise<ConsumerHandle> {
    return this.log.followHeaders(
      (h) => {
        const tenant = h[INTERACTION_HEADERS.tenant];
        const requestId = h[INTERACTION_HEADERS.requestId];
        const variant = h[INTERACTION_HEADERS.variant];
        if (tenant && requestId && variant) onEntry({ tenant, requestId, variant });
      },
      this.windowMs !== undefined ? { sinceMs: this.windowMs } : {},
    );
  }
}

/** Feedback records on `ragops.v1.feedback.<tenant>`, id = feedback id. */
export class JetStreamFeedbackSink implements FeedbackSink {
  constructor(private readonly log: JetStreamRecordLog) {}

  publish(record: FeedbackRecord): Promise<void> {
    return this.log.publish(Subjects.feedback(record.tenant), record.feedbackId, record);
  }
}

/** RAGOPS_INTERACTIONS with the given limits (see JetStreamRecordLogOptions.manage). */
export function openInteractionLog(nc: NatsConnection, limits: RecordStreamLimits, manage: 'update' | 'create', stream: string = Streams.interactions): Promise<JetStreamRecordLog> {
  return JetStreamRecordLog.open({ nc, stream, subjects: Subjects.interactionsAll, limits, manage });
}

/** RAGOPS_FEEDBACK with the given limits. */
export function openFeedbackLog(nc: NatsConnection, limits: RecordStreamLimits, manage: 'update' | 'create', stream: string = Streams.feedback): Promise<JetStreamRecordLog> {
  return JetStreamRecordLog.open({ nc, stream, subjects: Subjects.feedbackAll, limits, manage });
}

async function ensureStream(jsm: JetStreamManager, o: JetStreamRecordLogOptions): Promise<void> {
  const limits = {
    subjects: [o.subjects],
    max_bytes: o.limits.maxBytes,
    max_age: nanos(o.limits.maxAgeMs),
    max_msgs: o.limits.maxMsgs ?? -1,
    duplicate_window: nanos(Math.min(o.limits.duplicateWindowMs ?? 120_000, o.limits.maxAgeMs)),
    discard: DiscardPolicy.Old,
  };
  let exists = true;
  try {
    const info = await jsm.streams.info(o.stream);
    if (info.config.retention !== RetentionPolicy.Limits) {
      throw new AppError('INTERNAL', `stream ${o.stream} exists with ${info.config.retention} retention; records need limits retention: delete the stream or use another name`);
    }
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
    exists = false;
  }
  if (!exists) {
    try {
      await jsm.streams.add({ name: o.stream, ...limits, retention: RetentionPolicy.Limits, storage: StorageType.File, num_replicas: o.limits.replicas ?? 1 });
      return;
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === SUBJECT_OVERLAP) {
        throw new AppError('INTERNAL', `stream ${o.stream} cannot capture ${o.subjects}: another stream already captures those subjects`, undefined, { cause: err });
      }
      // Another process created it in the meantime: go on to the update (publisher) or leave it (reader).
      if (!(err instanceof JetStreamApiError && err.code === STREAM_NAME_IN_USE)) throw err;
    }
  }
  if (o.manage === 'update') await jsm.streams.update(o.stream, limits);
}

async function ensureConsumer(jsm: JetStreamManager, stream: string, subjects: string, o: Required<RecordConsumerOptions>): Promise<void> {
  // From the first stored record: records published before the reader's first start are evaluated too.
  await upsertDurableConsumer(jsm, stream, o.durable, subjects, { ack_wait: nanos(o.ackWaitMs), max_deliver: o.maxDeliver, max_ack_pending: Math.max(o.concurrency * 4, 64) });
}
