import type { BatchResult, ErrorCode, IngestBatch, RequestContext } from '@ragops/contracts';
import { Indexer, type IndexerDeps } from '@ragops/rag';
import { errorCodeOf } from './metered.support.js';
import type { ServiceMetrics } from './metrics.registry.js';

/**
 * The indexer with `ragops_ingest_failures_total{code}`: one per failed attempt at a batch (it throws; the queue
 * redelivers, and the retry counts again) and one per document the batch reports as failed. A subclass, because the
 * ingest runner takes the Indexer class itself.
 */
export class MeteredIndexer extends Indexer {
  constructor(
    deps: IndexerDeps,
    private readonly metrics: Pick<ServiceMetrics, 'ingestFailures'>,
  ) {
    super(deps);
  }

  override async indexBatch(batch: IngestBatch, ctx: RequestContext): Promise<BatchResult> {
    let result: BatchResult;
    try {
      result = await super.indexBatch(batch, ctx);
    } catch (error) {
      this.metrics.ingestFailures.inc({ code: errorCodeOf(error) });
      throw error;
    }
    // Document errors carry their code as a plain string; the label guard records anything unexpected as `invalid`.
    for (const e of result.errors) this.metrics.ingestFailures.inc({ code: e.code as ErrorCode });
    return result;
  }
}
