import type { BatchResult, Clock } from '@ragops/contracts';
import { systemClock } from '@ragops/contracts';
import type { JobRecord, JobStore } from '@ragops/rag';
import { assertBatchNumber, assertJobId } from './job-id.js';

export interface MemoryJobStoreOptions {
  clock?: Clock;
  /** Each entry is forgotten this long after it was last written, like the KV bucket's TTL. Default 7 days. */
  ttlMs?: number;
}

interface Stamped<T> {
  value: T;
  writtenAt: number;
}

interface JobEntries {
  meta?: Stamped<JobRecord>;
  started: Map<number, Stamped<number>>;
  results: Map<number, Stamped<BatchResult>>;
}

/** JobStore for all-in-one mode, with the KV store's semantics: per-batch keys, per-entry TTL, copies in and out. */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, JobEntries>();
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryJobStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.ttlMs = options.ttlMs ?? 7 * 24 * 3600_000;
  }

  async create(job: JobRecord): Promise<void> {
    assertJobId(job.jobId);
    this.sweep();
    this.entries(job.jobId).meta = this.stamp(structuredClone(job));
  }

  async markStarted(jobId: string, batch: number, at: number): Promise<void> {
    assertJobId(jobId);
    assertBatchNumber(batch);
    this.entries(jobId).started.set(batch, this.stamp(at));
  }

  async recordBatch(jobId: string, result: BatchResult): Promise<void> {
    assertJobId(jobId);
    assertBatchNumber(result.batch);
    this.entries(jobId).results.set(result.batch, this.stamp(structuredClone(result)));
  }

  async get(jobId: string): Promise<{ job: JobRecord; started: number[]; results: BatchResult[] } | undefined> {
    assertJobId(jobId);
    const e = this.jobs.get(jobId);
    if (!e?.meta || !this.live(e.meta)) return undefined;
    const started = [...e.started].filter(([, s]) => this.live(s)).map(([batch]) => batch).sort((a, b) => a - b);
    const results = [...e.results.values()]
      .filter((s) => this.live(s))
      .map((s) => structuredClone(s.value))
      .sort((a, b) => a.batch - b.batch);
    return { job: structuredClone(e.meta.value), started, results };
  }

  private entries(jobId: string): JobEntries {
    let e = this.jobs.get(jobId);
    if (!e) this.jobs.set(jobId, (e = { started: new Map(), results: new Map() }));
    return e;
  }

  private stamp<T>(value: T): Stamped<T> {
    return { value, writtenAt: this.clock.now() };
  }

  private live(s: Stamped<unknown>): boolean {
    return this.clock.now() - s.writtenAt < this.ttlMs;
  }

  /** Drops jobs none of whose entries is alive any more; on create, at most once a minute. */
  private sweep(): void {
    const now = this.clock.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [jobId, e] of this.jobs) {
      const alive =
        (e.meta && this.live(e.meta)) || [...e.started.values()].some((s) => this.live(s)) || [...e.results.values()].some((s) => this.live(s));
      if (!alive) this.jobs.delete(jobId);
    }
  }
}
