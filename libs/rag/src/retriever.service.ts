import { type Clock, type RequestContext, type SearchReply, type SearchRequest } from '@ragops/contracts';
import type { Embedder } from './ports/embedder.port.js';
import type { Searcher } from './ports/search.port.js';
import type { SparseEncoder } from './ports/sparse-encoder.port.js';
import type { VectorStore } from './ports/vector-store.port.js';

/**
 * Hybrid retrieval for one request: embed the query (dense leg) and encode it lexically (sparse leg) as the
 * variant's mode asks, then let the store fuse both with RRF — the same shape as Qdrant's Query API, so the
 * in-memory and Qdrant stores answer the same call.
 */
export class Retriever implements Searcher {
  constructor(
    private readonly store: VectorStore,
    private readonly embedder: Embedder,
    private readonly sparse: SparseEncoder,
    private readonly clock: Clock,
  ) {}

  async search(request: SearchRequest, ctx: RequestContext): Promise<SearchReply> {
    const params = ctx.variant.retrieval;
    const topK = request.topK ?? params.topK;
    const t0 = this.clock.now();
    const dense = params.mode === 'sparse' ? undefined : (await this.embedder.embed([request.query], 'query', ctx))[0];
    const t1 = this.clock.now();
    const encoded = params.mode === 'dense' ? undefined : this.sparse.encodeQuery(request.query);
    // A query of only stop words has no lexical terms; the dense leg alone answers it (or nothing does).
    const sparse = encoded && encoded.indices.length > 0 ? encoded : undefined;
    if (!dense && !sparse) return { index: ctx.variant.index, hits: [], timings: { embedMs: t1 - t0, searchMs: 0 } };
    const hits = await this.store.search(ctx.variant.index, {
      tenant: ctx.tenant,
      dense,
      sparse,
      topK,
      candidates: Math.max(params.candidates, topK),
      rrfK: params.rrfK,
      filter: request.filter,
    });
    const t2 = this.clock.now();
    return { index: ctx.variant.index, hits, timings: { embedMs: t1 - t0, searchMs: t2 - t1 } };
  }
}
