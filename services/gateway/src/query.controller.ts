import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { parseOrThrow } from '@ragops/contracts';
import { QueryService, type QueryResult, type TimedSearchReply } from '@ragops/rag';
import type { ServiceMetrics } from '@ragops/telemetry';
import type { FastifyRequest } from 'fastify';
import { METRICS } from './gateway.tokens.js';
import { QueryBody } from './http.schemas.js';
import { RequestContextFactory } from './request-context.factory.js';

/** Retrieval-only search and full RAG answers, both under the request's one deadline. */
@Controller('v1')
export class QueryController {
  constructor(
    @Inject(QueryService) private readonly queries: QueryService,
    @Inject(RequestContextFactory) private readonly contexts: RequestContextFactory,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
  ) {}

  @Post('search')
  @HttpCode(200)
  async search(@Req() req: FastifyRequest, @Body() body: unknown): Promise<TimedSearchReply> {
    const input = parseOrThrow(QueryBody, body, 'search request');
    const reply = await this.queries.search(input, this.contexts.create(req, input.topK));
    this.metrics.stageDuration.observe({ stage: 'retrieval' }, reply.timings.totalMs / 1000);
    return reply;
  }

  @Post('query')
  @HttpCode(200)
  async query(@Req() req: FastifyRequest, @Body() body: unknown): Promise<QueryResult & { requestId: string }> {
    const input = parseOrThrow(QueryBody, body, 'query request');
    const ctx = this.contexts.create(req, input.topK);
    const result = await this.queries.query(input, ctx);
    this.metrics.stageDuration.observe({ stage: 'retrieval' }, result.timings.retrievalMs / 1000);
    this.metrics.stageDuration.observe({ stage: 'generation' }, result.timings.generationMs / 1000);
    return { requestId: ctx.requestId, ...result };
  }
}
