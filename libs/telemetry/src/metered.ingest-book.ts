import type { Registry } from 'prom-client';

/**
 * What the ingest instruments tell each other, so counts can carry the `index` label of calls that do not take an
 * index (the job store's result, the chunker) without an AsyncLocalStorage: another store would make every promise
 * in the process pay for propagating it. One book per registry (per service).
 */
export class IngestBook {
  private readonly jobs = new Map<string, { index: string; deliveries: number }>();
  private readonly sizes = new Map<string, number[]>();

  /** A delivery of a batch of `jobId` into `index` started (MeteredJobQueue). */
  begin(jobId: string, index: string): void {
    const entry = this.jobs.get(jobId);
    if (entry) entry.deliveries++;
    else this.jobs.set(jobId, { index, deliveries: 1 });
  }

  /** That delivery ended, however. */
  end(jobId: string): void {
    const entry = this.jobs.get(jobId);
    if (entry && --entry.deliveries <= 0) this.jobs.delete(jobId);
  }

  /** The index of a job with a delivery in progress; `unknown` for any other. */
  indexOf(jobId: string): string {
    return this.jobs.get(jobId)?.index ?? 'unknown';
  }

  /** The chunker made a chunk of `tokens` tokens with this text (MeteredChunker). */
  chunked(text: string, tokens: number): void {
    const pending = this.sizes.get(text);
    if (pending) pending.push(tokens);
    else this.sizes.set(text, [tokens]);
    // Chunks of a batch that failed before its write are never taken; the oldest go first.
    if (this.sizes.size > MAX_PENDING_TEXTS) this.sizes.delete(this.sizes.keys().next().value!);
  }

  /** The token count of a chunk about to be written with this text, if the chunker made it (meteredVectorStore). */
  take(text: string): number | undefined {
    const pending = this.sizes.get(text);
    if (!pending) return undefined;
    const tokens = pending.shift();
    if (pending.length === 0) this.sizes.delete(text);
    return tokens;
  }
}

/** Chunks awaiting their write: a few concurrent batches' worth is plenty (ingest batches hold up to 32 documents). */
const MAX_PENDING_TEXTS = 50_000;

const books = new WeakMap<Registry, IngestBook>();

/** The ingest book of the service whose registry this is. */
export function ingestBook(metrics: { registry: Registry }): IngestBook {
  let book = books.get(metrics.registry);
  if (!book) books.set(metrics.registry, (book = new IngestBook()));
  return book;
}
