import { randomBytes } from 'node:crypto';
import {
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AppError, systemClock, type ChunkHit, type Clock } from '@ragops/contracts';
import { assertIndexName, type ChunkRecord, type HybridQuery, type IndexInfo, type IndexSpec, type IndexStats, type VectorStore } from '@ragops/rag';
import { MemoryVectorStore } from './memory.store.js';
import { decodeOp, encodeOp, encodeUpserts, OP_VERSION, type ReplicatedOp } from './replication.codec.js';

export interface ReplicatedVectorStoreOptions {
  nc: NatsConnection;
  /** JetStream stream holding the op log; created (file storage) if missing. */
  stream: string;
  /** Ops are published on `<subjectPrefix>.ops`. */
  subjectPrefix: string;
  clock?: Clock;
  /** How old the stream's last sequence may be when a read uses it (see the class comment). Default 50 ms. */
  maxStalenessMs?: number;
  /** How long a call waits for the local copy to catch up, or for its own write to apply. Default 30 s. */
  syncTimeoutMs?: number;
}

/** Headroom below max_payload for headers and the op envelope. */
const PAYLOAD_HEADROOM = 16 * 1024;
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Bounds the work of applying one op, so reads queued behind it wait a bounded time. */
const MAX_CHUNKS_PER_OP = 1000;
/** Ops buffered per pull: at most PULL_BATCH × max_payload bytes (8 MiB at NATS' default 1 MiB) in memory; a larger batch made one replica decode tens of MiB in one go and starve its own publish acks. */
const PULL_BATCH = 8;
/**
 * Wait for a write's ack (and for JetStream API answers such as the stream's state). Longer than the connection's 5 s default: an op is up to max_payload and JetStream persists
 * it before acking, which on a busy disk or a loaded 2-core machine has taken over 5 s for a 1 MiB op. A store that
 * cannot ack within this is reported UNAVAILABLE (the write may still land; writes are idempotent).
 */
const PUBLISH_ACK_TIMEOUT_MS = 30_000;
/** Upsert parts awaiting their publish ack at once: enough to keep the pipe busy, few enough to ack in time. */
const PUBLISH_WINDOW = 4;

interface Settle<T> {
  resolve: (value: T) => void;
  reject: (error: AppError) => void;
}

/**
 * A VectorStore shared by several processes without a vector database: an op log in JetStream plus a
 * MemoryVectorStore per process.
 *
 * Writes (ensureIndex, upsert, deleteDocument) are published to `<subjectPrefix>.ops` and awaited until the stream
 * has acknowledged them (durable) and this process has applied them; the caller gets the result of that apply, so
 * an error found at apply time (a dimension conflict with a concurrent ensureIndex) reaches the writer. Every
 * process applies every op in stream order through an ordered consumer started at the stream's first message, so
 * all copies go through the same states, and a process started late replays the log and catches up.
 *
 * Consistency model:
 * - Writes are totally ordered by stream sequence; copies converge to the same state (apply is deterministic).
 * - Read-your-writes and monotonic reads within a process: a read waits until the local copy has applied this
 *   process's last acknowledged write.
 * - Across processes, bounded staleness: a read also waits for the stream's last sequence as of a stream-info
 *   request started at most `maxStalenessMs` (50 ms) before the read, so it sees every write acknowledged before
 *   that request. The cache keeps reads from asking the server every time.
 * - An upsert larger than one message is split into several ops (each under max_payload); it is not atomic: a
 *   concurrent reader may see part of it, and a writer that dies midway leaves a prefix. Re-running an upsert is
 *   safe (idempotent by chunkId).
 * - A publish that is not acknowledged has an unknown outcome (UNAVAILABLE); retrying is safe for the same reason.
 *
 * Aliases and dropIndex go through the log like every write, so every copy switches an alias at the same point in
 * the op order, and an op naming an alias acts on the index the alias points at when the op is applied.
 *
 * The log is never compacted: a new process replays every op ever written, including those of dropped indexes
 * (dropIndex frees the memory, not the log), until the stream is dropped.
 */
export class ReplicatedVectorStore implements VectorStore {
  private readonly local = new MemoryVectorStore();
  private readonly origin = randomBytes(8).toString('hex');
  private readonly subject: string;
  private readonly clock: Clock;
  private readonly maxStalenessMs: number;
  private readonly syncTimeoutMs: number;
  private nextOpId = 1;
  /** Highest stream sequence applied to `local`. */
  private applied = 0;
  /** Highest sequence of an acknowledged write of this process. */
  private lastOwnSeq = 0;
  private lastSeqCache: { seq: number; at: number } | undefined;
  private lastSeqRequest: Promise<number> | undefined;
  /** Own ops published and not yet applied, by op id. */
  private readonly pending = new Map<number, Settle<unknown>>();
  /** Reads waiting for `applied` to reach a sequence. */
  private waiters: { seq: number; settle: Settle<void> }[] = [];
  private failure: AppError | undefined;
  private closed = false;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly messages: ConsumerMessages,
    private readonly maxPayload: number,
    opts: ReplicatedVectorStoreOptions,
  ) {
    this.subject = `${opts.subjectPrefix}.ops`;
    this.clock = opts.clock ?? systemClock;
    this.maxStalenessMs = opts.maxStalenessMs ?? 50;
    this.syncTimeoutMs = opts.syncTimeoutMs ?? 30_000;
    this.loop = this.applyLoop();
  }

  /** Creates the stream if missing and starts replaying it into the local copy. */
  static async open(opts: ReplicatedVectorStoreOptions): Promise<ReplicatedVectorStore> {
    const subject = `${opts.subjectPrefix}.ops`;
    try {
      const jsm = await jetstreamManager(opts.nc, { timeout: PUBLISH_ACK_TIMEOUT_MS });
      await ensureStream(jsm, opts.stream, subject);
      const js = jetstream(opts.nc, { timeout: PUBLISH_ACK_TIMEOUT_MS });
      const consumer = await js.consumers.get(opts.stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
      // Bounded by message count, not bytes: a pull whose byte budget has shrunk below the size of the next op
      // (upsert ops are close to max_payload) is not served, and the replica stalls until the pull expires.
      const messages = await consumer.consume({ max_messages: PULL_BATCH });
      const maxPayload = opts.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
      return new ReplicatedVectorStore(js, jsm, opts.stream, messages, maxPayload, opts);
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw new AppError('UNAVAILABLE', `cannot open the replicated vector store on stream ${opts.stream}: ${(e as Error).message}`, { stream: opts.stream }, { cause: e });
    }
  }

  async ensureIndex(index: string, spec: IndexSpec): Promise<void> {
    // Indexes can be dropped and re-created (and aliases moved) by other processes, so look at a caught-up copy.
    await this.catchUp();
    if (await this.local.hasIndex(index)) return this.local.ensureIndex(index, spec);
    // Check the arguments on a scratch store rather than publish an op every replica would reject.
    await new MemoryVectorStore().ensureIndex(index, spec);
    const id = this.nextOpId++;
    await this.publishAndApply(id, encodeOp({ v: OP_VERSION, origin: this.origin, id, op: 'ensureIndex', index, dimensions: spec.dimensions }));
  }

  async hasIndex(index: string): Promise<boolean> {
    await this.catchUp();
    return this.local.hasIndex(index);
  }

  async upsert(index: string, chunks: ChunkRecord[]): Promise<void> {
    await this.requireIndex(index);
    this.local.validateUpsert(index, chunks);
    if (chunks.length === 0) return;
    const limits = { maxBytes: this.maxPayload - PAYLOAD_HEADROOM, maxChunks: MAX_CHUNKS_PER_OP };
    const ops = encodeUpserts(index, chunks, limits, this.origin, () => this.nextOpId++);
    // A few parts in flight at once (one connection keeps their order); then every part's apply is awaited.
    const inFlight: Promise<{ applied: Promise<unknown> }>[] = [];
    const applied: Promise<unknown>[] = [];
    try {
      for (const op of ops) {
        if (inFlight.length === PUBLISH_WINDOW) applied.push((await inFlight.shift()!).applied);
        inFlight.push(this.publish(op.id, op.data));
      }
      for (const p of inFlight.splice(0)) applied.push((await p).applied);
    } catch (e) {
      // Nothing may reject unobserved once we give up on this upsert.
      for (const p of inFlight) p.then((r) => r.applied.catch(() => undefined), () => undefined);
      for (const p of applied) p.catch(() => undefined);
      throw e;
    }
    await Promise.all(applied);
  }

  async deleteDocument(index: string, tenant: string, docId: string, opts?: { exceptHash?: string }): Promise<number> {
    await this.requireIndex(index);
    const id = this.nextOpId++;
    const exceptHash = opts?.exceptHash;
    const op = encodeOp({ v: OP_VERSION, origin: this.origin, id, op: 'delete', index, tenant, docId, ...(exceptHash !== undefined && { exceptHash }) });
    return (await this.publishAndApply(id, op)) as number;
  }

  async documentHash(index: string, tenant: string, docId: string): Promise<string | undefined> {
    await this.catchUp();
    return this.local.documentHash(index, tenant, docId);
  }

  async search(index: string, query: HybridQuery): Promise<ChunkHit[]> {
    await this.catchUp();
    return this.local.search(index, query);
  }

  async stats(index: string): Promise<IndexStats> {
    await this.catchUp();
    return this.local.stats(index);
  }

  async switchAlias(alias: string, index: string): Promise<void> {
    this.assertUsable();
    // Name errors are the caller's: refuse them here rather than publish an op every replica rejects. Whether the
    // index exists is decided when the op is applied, in log order.
    assertIndexName(alias, 'alias');
    assertIndexName(index, 'index');
    const id = this.nextOpId++;
    await this.publishAndApply(id, encodeOp({ v: OP_VERSION, origin: this.origin, id, op: 'switchAlias', alias, index }));
  }

  async deleteAlias(alias: string): Promise<boolean> {
    this.assertUsable();
    const id = this.nextOpId++;
    return (await this.publishAndApply(id, encodeOp({ v: OP_VERSION, origin: this.origin, id, op: 'deleteAlias', alias }))) as boolean;
  }

  async resolveAlias(alias: string): Promise<string | undefined> {
    await this.catchUp();
    return this.local.resolveAlias(alias);
  }

  async listIndexes(): Promise<IndexInfo[]> {
    await this.catchUp();
    return this.local.listIndexes();
  }

  async dropIndex(index: string): Promise<boolean> {
    this.assertUsable();
    const id = this.nextOpId++;
    return (await this.publishAndApply(id, encodeOp({ v: OP_VERSION, origin: this.origin, id, op: 'dropIndex', index }))) as boolean;
  }

  /** Stops the consumer and the local copy; the NATS connection stays open (the caller owns it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.messages.close();
    await this.loop;
    this.failAll(new AppError('UNAVAILABLE', 'the replicated vector store has been closed'));
    await this.local.close();
  }

  /** Waits until the local copy includes this process's writes and (within maxStalenessMs) everyone else's. */
  private async catchUp(): Promise<void> {
    this.assertUsable();
    const target = Math.max(this.lastOwnSeq, await this.streamLastSeq());
    if (this.applied >= target) return;
    await this.wait<void>(
      (settle) => this.waiters.push({ seq: target, settle }),
      (settle) => (this.waiters = this.waiters.filter((w) => w.settle !== settle)),
      () => `the local copy has applied up to stream sequence ${this.applied} of ${target}`,
    );
  }

  private async streamLastSeq(): Promise<number> {
    const now = this.clock.now();
    if (this.lastSeqCache && now - this.lastSeqCache.at < this.maxStalenessMs) return this.lastSeqCache.seq;
    // Concurrent reads share one request; the cache is stamped with the time the request started.
    this.lastSeqRequest ??= this.jsm.streams
      .info(this.stream)
      .then((info) => {
        this.lastSeqCache = { seq: info.state.last_seq, at: now };
        return info.state.last_seq;
      })
      .catch((e: unknown) => {
        throw new AppError('UNAVAILABLE', `cannot read the state of stream ${this.stream}: ${(e as Error).message}`, { stream: this.stream }, { cause: e });
      })
      .finally(() => (this.lastSeqRequest = undefined));
    return this.lastSeqRequest;
  }

  private async requireIndex(index: string): Promise<void> {
    this.assertUsable();
    if (await this.local.hasIndex(index)) return;
    await this.catchUp();
    // Throws UNKNOWN_INDEX if it is still missing once caught up.
    await this.local.stats(index);
  }

  /** Publishes one op and resolves with the result of applying it locally. */
  private async publishAndApply(id: number, data: Buffer): Promise<unknown> {
    return (await this.publish(id, data)).applied;
  }

  /** Resolves once the stream has acknowledged the op, with a promise of its local apply (boxed, not chained). */
  private async publish(id: number, data: Buffer): Promise<{ applied: Promise<unknown> }> {
    this.assertUsable();
    const applied = this.wait<unknown>(
      (settle) => this.pending.set(id, settle),
      () => this.pending.delete(id),
      () => `op ${id} is not applied locally yet`,
    );
    try {
      const ack = await this.js.publish(this.subject, data, { msgID: `${this.origin}-${id}`, timeout: PUBLISH_ACK_TIMEOUT_MS });
      this.lastOwnSeq = Math.max(this.lastOwnSeq, ack.seq);
    } catch (e) {
      this.pending.delete(id);
      applied.catch(() => undefined);
      throw new AppError(
        'UNAVAILABLE',
        `the write to stream ${this.stream} was not acknowledged (${(e as Error).message}); it may or may not have been applied — retry it, writes are idempotent`,
        { stream: this.stream },
        { cause: e },
      );
    }
    return { applied };
  }

  private async applyLoop(): Promise<void> {
    try {
      for await (const m of this.messages) {
        let op: ReplicatedOp | undefined;
        let result: unknown;
        let error: AppError | undefined;
        try {
          op = decodeOp(m.data);
          result = await this.apply(op);
        } catch (e) {
          // Deterministic: every copy rejects the same op the same way, so they stay identical; the writer is told.
          error = e instanceof AppError ? e : new AppError('INTERNAL', `cannot apply replicated op: ${(e as Error)?.message}`, undefined, { cause: e });
        }
        this.applied = m.seq;
        if (op?.origin === this.origin) {
          const settle = this.pending.get(op.id);
          this.pending.delete(op.id);
          if (error) settle?.reject(error);
          else settle?.resolve(result);
        }
        this.wake();
      }
      if (!this.closed) throw new Error('the consumer ended');
    } catch (e) {
      this.failure = new AppError('UNAVAILABLE', `replication from stream ${this.stream} stopped: ${(e as Error).message}`, { stream: this.stream }, { cause: e });
      this.failAll(this.failure);
    }
  }

  private apply(op: ReplicatedOp): Promise<unknown> {
    switch (op.op) {
      case 'ensureIndex':
        return this.local.ensureIndex(op.index, { dimensions: op.dimensions });
      case 'upsert':
        return this.local.upsert(op.index, op.chunks);
      case 'delete':
        return this.local.deleteDocument(op.index, op.tenant, op.docId, op.exceptHash === undefined ? undefined : { exceptHash: op.exceptHash });
      case 'switchAlias':
        return this.local.switchAlias(op.alias, op.index);
      case 'deleteAlias':
        return this.local.deleteAlias(op.alias);
      case 'dropIndex':
        return this.local.dropIndex(op.index);
    }
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.seq <= this.applied) w.settle.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** A promise settled through `register`ed callbacks, or rejected UNAVAILABLE after syncTimeoutMs. */
  private wait<T>(register: (settle: Settle<T>) => void, unregister: (settle: Settle<T>) => void, what: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle: Settle<T> = {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        unregister(settle);
        reject(new AppError('UNAVAILABLE', `replicated vector store still behind after ${this.syncTimeoutMs} ms: ${what()}`, { stream: this.stream }));
      }, this.syncTimeoutMs);
      register(settle);
    });
  }

  private failAll(error: AppError): void {
    for (const w of this.waiters) w.settle.reject(error);
    this.waiters = [];
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private assertUsable(): void {
    if (this.closed) throw new AppError('UNAVAILABLE', 'the replicated vector store has been closed');
    if (this.failure) throw this.failure;
  }
}

async function ensureStream(jsm: JetStreamManager, stream: string, subject: string): Promise<void> {
  try {
    const info = await jsm.streams.info(stream);
    const subjects = info.config.subjects ?? [];
    if (subjects.length !== 1 || subjects[0] !== subject) {
      throw new AppError(
        'VALIDATION_FAILED',
        `stream ${stream} holds subjects [${subjects.join(', ')}], expected only ${subject}; give the vector store its own stream`,
        { stream, subjects },
      );
    }
    return;
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound)) throw e;
  }
  try {
    await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File, retention: RetentionPolicy.Limits });
  } catch (e) {
    // Another process created it first: fine if it is ours to share.
    if (!(e instanceof JetStreamApiError)) throw e;
    await ensureStream(jsm, stream, subject);
  }
}
