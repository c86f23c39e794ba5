import { Body, Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { parseOrThrow, type RequestContext } from '@ragops/contracts';
import { QueryService, type QueryInput, type QueryResult, type TimedSearchReply } from '@ragops/rag';
import {
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_RAGOPS_ANSWER,
  ATTR_RAGOPS_COST_USD,
  ATTR_RAGOPS_INDEX,
  ATTR_RAGOPS_PROMPT,
  ATTR_RAGOPS_QUERY,
  ATTR_RAGOPS_RETRIEVAL_HITS,
  ATTR_RAGOPS_RETRIEVAL_MODE,
  ATTR_RAGOPS_RETRIEVAL_RERANK,
  ATTR_RAGOPS_RETRIEVAL_TOP_K,
  ATTR_RAGOPS_RETRIEVAL_TOP_SCORE,
  ContentPolicy,
  inStage,
  type Logger,
  type ServiceMetrics,
  setDefined,
  tracingRecording,
} from '@ragops/telemetry';
import type { FastifyRequest } from 'fastify';
import type { GatewayConfig } from './gateway.config.js';
import { GATEWAY_CONFIG, LOGGER, METRICS } from './gateway.tokens.js';
import { QueryBody } from './http.schemas.js';
import { RequestContextFactory } from './request-context.factory.js';
import { TenantRateLimitGuard } from './tenant-rate-limit.guard.js';

/**
 * Retrieval-only search and full RAG answers, both under the request's one deadline. Each request's HTTP span carries
 * the gateway's stage (variant, index, top-K, hits, model, tokens) and each writes one log line; the query and answer
 * text appear in either only as LOG_CONTENT allows (never raw; by default not at all).
 */
@Controller('v1')
export class QueryController {
  private readonly content: ContentPolicy;

  constructor(
    @Inject(QueryService) private readonly queries: QueryService,
    @Inject(RequestContextFactory) private readonly contexts: RequestContextFactory,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.content = new ContentPolicy(config.logContent);
  }

  @Post('search')
  @HttpCode(200)
  @UseGuards(TenantRateLimitGuard)
  async search(@Req() req: FastifyRequest, @Body() body: unknown): Promise<TimedSearchReply> {
    const input = parseOrThrow(QueryBody, body, 'search request');
    const ctx = this.contexts.create(req, input.topK);
    const reply = await this.stage('rag.search', input, ctx, () => this.queries.search(input, ctx), (r) => ({
      [ATTR_RAGOPS_RETRIEVAL_HITS]: r.hits.length,
      [ATTR_RAGOPS_RETRIEVAL_TOP_SCORE]: r.hits[0]?.score,
    }));
    this.metrics.stageDuration.observe({ stage: 'retrieval' }, reply.timings.totalMs / 1000);
    this.logger.info({ route: 'search', hits: reply.hits.length, index: reply.index, timings: reply.timings, ...this.rendered(input.query) }, 'search served');
    return reply;
  }

  @Post('query')
  @HttpCode(200)
  @UseGuards(TenantRateLimitGuard)
  async query(@Req() req: FastifyRequest, @Body() body: unknown): Promise<QueryResult & { requestId: string }> {
    const input = parseOrThrow(QueryBody, body, 'query request');
    const ctx = this.contexts.create(req, input.topK);
    const result = await this.stage('rag.query', input, ctx, () => this.queries.query(input, ctx), (r) => ({
      [ATTR_RAGOPS_RETRIEVAL_HITS]: r.hits,
      [ATTR_GEN_AI_RESPONSE_MODEL]: r.model,
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: r.usage.promptTokens,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: r.usage.completionTokens,
      [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: [r.finishReason],
      [ATTR_RAGOPS_COST_USD]: r.costUsd,
      [ATTR_RAGOPS_ANSWER]: this.content.render(r.answer),
    }));
    this.metrics.stageDuration.observe({ stage: 'retrieval' }, result.timings.retrievalMs / 1000);
    this.metrics.stageDuration.observe({ stage: 'generation' }, result.timings.generationMs / 1000);
    this.logger.info(
      {
        route: 'query',
        hits: result.hits,
        model: result.model,
        finishReason: result.finishReason,
        usage: result.usage,
        ...(result.costUsd !== undefined ? { costUsd: result.costUsd } : {}),
        timings: result.timings,
        ...this.rendered(input.query, result.answer),
      },
      'query answered',
    );
    return { requestId: ctx.requestId, ...result };
  }

  /** The gateway's stage, on the HTTP SERVER span (inStage); untraced calls go straight through. */
  private stage<T>(
    name: string,
    input: QueryInput,
    ctx: RequestContext,
    run: () => Promise<T>,
    outcome: (result: T) => Record<string, string | number | boolean | string[] | undefined>,
  ): Promise<T> {
    if (!tracingRecording()) return run(); // tracing off, or a trace the sampler dropped: no span to describe
    const v = ctx.variant;
    // The variant id is on the HTTP span already.
    const attributes = {
      [ATTR_RAGOPS_PROMPT]: v.prompt,
      [ATTR_RAGOPS_INDEX]: v.index,
      [ATTR_GEN_AI_REQUEST_MODEL]: v.model,
      [ATTR_RAGOPS_RETRIEVAL_TOP_K]: input.topK ?? v.retrieval.topK,
      [ATTR_RAGOPS_RETRIEVAL_MODE]: v.retrieval.mode,
      [ATTR_RAGOPS_RETRIEVAL_RERANK]: v.retrieval.rerank,
    };
    return inStage(name, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
      const query = this.content.render(input.query);
      if (query !== undefined) span.setAttribute(ATTR_RAGOPS_QUERY, query);
      const result = await run();
      setDefined(span, outcome(result));
      return result;
    });
  }

  /** `query` / `answer` fields for a log line, as the content policy allows; none at all by default. */
  private rendered(query: string, answer?: string): { query?: string; answer?: string } {
    const q = this.content.render(query);
    const a = this.content.render(answer);
    return { ...(q !== undefined ? { query: q } : {}), ...(a !== undefined ? { answer: a } : {}) };
  }
}
