import type { ChunkHit, RequestContext } from '@ragops/contracts';

/**
 * Port for second-stage rerankers (a cross-encoder behind an HTTP rerank endpoint): scores each retrieved chunk
 * against the query and reorders them. Bounded by `ctx.deadline`; failures are AppErrors (UPSTREAM_FAILED for a
 * malformed answer, RATE_LIMITED, UNAVAILABLE, DEADLINE_EXCEEDED, …).
 */
export interface Reranker {
  readonly model: string;
  /**
   * The best `topN` of `hits` by the reranker's relevance, best first, each with `score` replaced by that relevance
   * (ties keep the incoming order). Returns at most `min(topN, hits.length)` hits; [] for no hits, without a call.
   */
  rerank(query: string, hits: readonly ChunkHit[], topN: number, ctx: RequestContext): Promise<ChunkHit[]>;
}
