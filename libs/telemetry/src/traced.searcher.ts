import { SpanKind } from '@opentelemetry/api';
import type { RequestContext, SearchReply, SearchRequest } from '@ragops/contracts';
import type { Searcher } from '@ragops/rag';
import {
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_RAGOPS_INDEX,
  ATTR_RAGOPS_RETRIEVAL_CANDIDATES,
  ATTR_RAGOPS_RETRIEVAL_FILTERED,
  ATTR_RAGOPS_RETRIEVAL_HITS,
  ATTR_RAGOPS_RETRIEVAL_MODE,
  ATTR_RAGOPS_RETRIEVAL_RERANK,
  ATTR_RAGOPS_RETRIEVAL_TOP_K,
  ATTR_RAGOPS_RETRIEVAL_TOP_SCORE,
  GEN_AI_OPERATION_RETRIEVAL,
} from './tracing.attributes.js';
import { inStage, tracingRecording } from './tracing.spans.js';

/**
 * The retrieval stage with GenAI `retrieval` attributes: which index version, top-K, mode, rerank and candidates the
 * variant asked for, and how many hits came back with what top score — on the retrieval service's SERVER span, or a
 * `retrieval {index}` span of its own outside one (inStage). Never the query text.
 */
export class TracedSearcher implements Searcher {
  constructor(private readonly inner: Searcher) {}

  search(request: SearchRequest, ctx: RequestContext): Promise<SearchReply> {
    if (!tracingRecording()) return this.inner.search(request, ctx);
    const r = ctx.variant.retrieval;
    const attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_RETRIEVAL,
      [ATTR_GEN_AI_DATA_SOURCE_ID]: ctx.variant.index,
      [ATTR_RAGOPS_INDEX]: ctx.variant.index,
      [ATTR_RAGOPS_RETRIEVAL_TOP_K]: request.topK ?? r.topK,
      [ATTR_RAGOPS_RETRIEVAL_MODE]: r.mode,
      [ATTR_RAGOPS_RETRIEVAL_RERANK]: r.rerank,
      [ATTR_RAGOPS_RETRIEVAL_CANDIDATES]: r.candidates,
      [ATTR_RAGOPS_RETRIEVAL_FILTERED]: request.filter !== undefined && Object.keys(request.filter).length > 0,
    };
    return inStage(`${GEN_AI_OPERATION_RETRIEVAL} ${ctx.variant.index}`, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
      const reply = await this.inner.search(request, ctx);
      span.setAttribute(ATTR_RAGOPS_RETRIEVAL_HITS, reply.hits.length);
      if (reply.hits[0]) span.setAttribute(ATTR_RAGOPS_RETRIEVAL_TOP_SCORE, reply.hits[0].score);
      if (reply.index !== ctx.variant.index) span.setAttribute(ATTR_RAGOPS_INDEX, reply.index);
      return reply;
    });
  }
}
