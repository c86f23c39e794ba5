import { StorageType } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { AppError, type BatchResult, Streams } from '@ragops/contracts';
import type { JobRecord, JobStore } from '@ragops/rag';
import { assertBatchNumber, assertJobId } from './job-id.js';

export interface KvJobStoreOptions {
  nc: NatsConnection;
  /** Default Streams.jobsBucket. */
  bucket?: string;
  /** The server drops each key this long after its last write. Default 7 days. */
  ttlMs?: number;
  /** Stream replicas of the bucket (1, 3 or 5). Default 1. */
  replicas?: number;
}

const DAY_MS = 24 * 3600_000;

/**
 * JobStore on a NATS KV bucket. One key per fact — `<jobId>.meta`, `<jobId>.started.<batch>`,
 * `<jobId>.result.<batch>` — so concurrent consumers never read-modify-write a shared record, and a
 * redelivered batch overwrites its own result instead of counting twice.
 */
export class KvJobStore implements JobStore {
  private constructor(
    private readonly kv: KV,
    readonly bucket: string,
  ) {}

  /** Creates the bucket (file storage, history 1, TTL) if missing and opens it. */
  static async open(options: KvJobStoreOptions): Promise<KvJobStore> {
    const bucket = options.bucket ?? Streams.jobsBucket;
    try {
      const kv = await new Kvm(options.nc).create(bucket, {
        history: 1,
        ttl: options.ttlMs ?? 7 * DAY_MS,
        storage: StorageType.File,
        replicas: options.replicas ?? 1,
      });
      return new KvJobStore(kv, bucket);
    } catch (err) {
      throw unavailable(`cannot open the job store bucket ${bucket}`, err);
    }
  }

  async create(job: JobRecord): Promise<void> {
    assertJobId(job.jobId);
    await this.put(`${job.jobId}.meta`, JSON.stringify(job));
  }

  async markStarted(jobId: string, batch: number, at: number): Promise<void> {
    assertJobId(jobId);
    assertBatchNumber(batch);
    await this.put(`${jobId}.started.${batch}`, String(at));
  }

  async recordBatch(jobId: string, result: BatchResult): Promise<void> {
    assertJobId(jobId);
    assertBatchNumber(result.batch);
    await this.put(`${jobId}.result.${result.batch}`, JSON.stringify(result));
  }

  async get(jobId: string): Promise<{ job: JobRecord; started: number[]; results: BatchResult[] } | undefined> {
    assertJobId(jobId);
    try {
      const keys: string[] = [];
      for await (const key of await this.kv.keys(`${jobId}.>`)) keys.push(key);
      if (!keys.includes(`${jobId}.meta`)) return undefined;
      const entries = await Promise.all(keys.map((key) => this.kv.get(key)));
      let job: JobRecord | undefined;
      const started: number[] = [];
      const results: BatchResult[] = [];
      for (const entry of entries) {
        // A key deleted or expired between listing and reading is simply gone.
        if (!entry || entry.operation !== 'PUT') continue;
        const [, kind, batch] = entry.key.split('.');
        if (kind === 'meta') job = entry.json<JobRecord>();
        else if (kind === 'started') started.push(Number(batch));
        else if (kind === 'result') results.push(entry.json<BatchResult>());
      }
      if (!job) return undefined;
      started.sort((a, b) => a - b);
      results.sort((a, b) => a.batch - b.batch);
      return { job, started, results };
    } catch (err) {
      throw unavailable(`cannot read job ${jobId} from ${this.bucket}`, err);
    }
  }

  private async put(key: string, value: string): Promise<void> {
    try {
      await this.kv.put(key, value);
    } catch (err) {
      throw unavailable(`cannot write ${key} to ${this.bucket}`, err);
    }
  }
}

function unavailable(what: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('UNAVAILABLE', `${what}: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
}
