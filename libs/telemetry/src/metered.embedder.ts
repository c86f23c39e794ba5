import type { AppError, RequestContext } from '@ragops/contracts';
import type { EmbedKind, Embedder } from '@ragops/rag';
import { isDeadlineExceeded, monotonicNow, type Now } from './metered.support.js';
import type { ServiceMetrics } from './metrics.registry.js';

/**
 * The embedding model call as the `embedding` stage: its duration (failed calls too) and, when the deadline ran out,
 * a `ragops_timeouts_total{stage="embedding"}`. Built inside the embedding cache, so a cache hit is no model call.
 */
export class MeteredEmbedder implements Embedder {
  constructor(
    private readonly inner: Embedder,
    private readonly metrics: Pick<ServiceMetrics, 'stageDuration' | 'timeouts'>,
    private readonly now: Now = monotonicNow,
  ) {}

  get model(): string {
    return this.inner.model;
  }

  get dimensions(): number {
    return this.inner.dimensions;
  }

  async embed(texts: string[], kind: EmbedKind, ctx: RequestContext): Promise<number[][]> {
    const started = this.now();
    try {
      return await this.inner.embed(texts, kind, ctx);
    } catch (error) {
      if (isDeadlineExceeded(error)) this.metrics.timeouts.inc({ stage: 'embedding' });
      throw error;
    } finally {
      this.metrics.stageDuration.observe({ stage: 'embedding' }, (this.now() - started) / 1000);
    }
  }
}

export type CacheName = 'embedding' | 'retrieval' | 'answer' | 'semantic';

/**
 * `ragops_cache_requests_total{cache}` as the hooks a cache wrapper calls (CachedEmbedder's onLookup and onCacheError):
 * one count per text looked up, and one `error` each time the cache could not be reached (the wrapper failed open).
 */
export function cacheLookupCounter(metrics: Pick<ServiceMetrics, 'cacheRequests'>, cache: CacheName) {
  return {
    onLookup: (outcome: 'hit' | 'miss', count: number) => metrics.cacheRequests.inc({ cache, result: outcome }, count),
    onCacheError: (_error: AppError) => metrics.cacheRequests.inc({ cache, result: 'error' }),
  };
}
