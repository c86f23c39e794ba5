import { SpanKind } from '@opentelemetry/api';
import type { ChunkHit, RequestContext } from '@ragops/contracts';
import type { Reranker } from '@ragops/rag';
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_RAGOPS_RERANK_INPUT,
  ATTR_RAGOPS_RETRIEVAL_HITS,
  ATTR_RAGOPS_RETRIEVAL_TOP_K,
  ATTR_RAGOPS_RETRIEVAL_TOP_SCORE,
} from './tracing.attributes.js';
import { inSpan, tracingRecording } from './tracing.spans.js';

/** The cross-encoder call as a `rerank {model}` CLIENT span: candidates in, kept out, best relevance. */
export class TracedReranker implements Reranker {
  constructor(
    private readonly inner: Reranker,
    private readonly provider: string,
  ) {}

  get model(): string {
    return this.inner.model;
  }

  rerank(query: string, hits: readonly ChunkHit[], topN: number, ctx: RequestContext): Promise<ChunkHit[]> {
    if (!tracingRecording()) return this.inner.rerank(query, hits, topN, ctx);
    const attributes = {
      [ATTR_GEN_AI_PROVIDER_NAME]: this.provider,
      [ATTR_GEN_AI_REQUEST_MODEL]: this.inner.model,
      [ATTR_RAGOPS_RERANK_INPUT]: hits.length,
      [ATTR_RAGOPS_RETRIEVAL_TOP_K]: topN,
    };
    return inSpan(`rerank ${this.inner.model}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const out = await this.inner.rerank(query, hits, topN, ctx);
      span.setAttribute(ATTR_RAGOPS_RETRIEVAL_HITS, out.length);
      if (out[0]) span.setAttribute(ATTR_RAGOPS_RETRIEVAL_TOP_SCORE, out[0].score);
      return out;
    });
  }
}
