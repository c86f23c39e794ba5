import type { BatchResult } from '@ragops/contracts';

export interface JobRecord {
  jobId: string;
  tenant: string;
  index: string;
  createdAt: number;
  totalDocuments: number;
  batches: number;
}

/**
 * Job bookkeeping (NATS KV in distributed mode, in-memory all-in-one). Results are stored per batch, keyed by
 * batch number, so a redelivered batch overwrites its own result instead of counting twice.
 */
export interface JobStore {
  create(job: JobRecord): Promise<void>;
  /** Marks that a consumer started on a batch (drives queued → running). */
  markStarted(jobId: string, batch: number, at: number): Promise<void>;
  recordBatch(jobId: string, result: BatchResult): Promise<void>;
  get(jobId: string): Promise<{ job: JobRecord; started: number[]; results: BatchResult[] } | undefined>;
}
