import type { ChunkRecord, VectorStore } from '@ragops/rag';
import { ingestBook } from './metered.ingest-book.js';
import { isDeadlineExceeded, monotonicNow, type Now } from './metered.support.js';
import type { ServiceMetrics } from './metrics.registry.js';

/**
 * The store's writes as the `upsert` stage (and `upsert` timeouts), and the size of every chunk written as
 * `ragops_chunk_size_tokens{index}` (token counts the MeteredChunker noted); every other method passes through
 * untouched. A Proxy, like tracedVectorStore, so the wrapper keeps up with the port as it grows. Searches are timed by
 * the retrieval service from the Retriever's own timings (MeteredSearcher), not here.
 */
export function meteredVectorStore<S extends VectorStore>(
  store: S,
  metrics: Pick<ServiceMetrics, 'registry' | 'stageDuration' | 'timeouts' | 'chunkSize'>,
  now: Now = monotonicNow,
): S {
  const book = ingestBook(metrics);
  const upsert = async (index: string, chunks: ChunkRecord[]): Promise<void> => {
    const started = now();
    try {
      await store.upsert(index, chunks);
    } catch (error) {
      // Not written: forget their sizes (a retry chunks them again).
      for (const c of chunks) book.take(c.text);
      if (isDeadlineExceeded(error)) metrics.timeouts.inc({ stage: 'upsert' });
      throw error;
    } finally {
      metrics.stageDuration.observe({ stage: 'upsert' }, (now() - started) / 1000);
    }
    for (const c of chunks) {
      const tokens = book.take(c.text);
      if (tokens !== undefined) metrics.chunkSize.observe({ index }, tokens);
    }
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'upsert') return upsert;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
