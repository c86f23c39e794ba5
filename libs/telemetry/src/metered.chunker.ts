import type { DocumentChunker } from '@ragops/rag';
import { ingestBook } from './metered.ingest-book.js';
import { monotonicNow, type Now } from './metered.support.js';
import type { ServiceMetrics } from './metrics.registry.js';

/** A chunker whose chunks know their size (@ragops/text's does: exact cl100k tokens). */
export interface SizedChunker {
  chunk(input: Parameters<DocumentChunker['chunk']>[0]): { index: number; text: string; tokens: number }[];
}

/**
 * The `chunking` stage per document, and each chunk's token count (the chunker's own, no second tokenisation) noted
 * in the service's ingest book, so that meteredVectorStore records `ragops_chunk_size_tokens{index}` for the chunks
 * actually written, under the index they are written to.
 */
export class MeteredChunker implements DocumentChunker {
  constructor(
    private readonly inner: SizedChunker,
    private readonly metrics: Pick<ServiceMetrics, 'registry' | 'stageDuration'>,
    private readonly now: Now = monotonicNow,
  ) {}

  chunk(input: Parameters<DocumentChunker['chunk']>[0]): { index: number; text: string; tokens: number }[] {
    const started = this.now();
    const chunks = this.inner.chunk(input);
    this.metrics.stageDuration.observe({ stage: 'chunking' }, (this.now() - started) / 1000);
    const book = ingestBook(this.metrics);
    for (const c of chunks) book.chunked(c.text, c.tokens);
    return chunks;
  }
}
