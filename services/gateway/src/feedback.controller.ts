import { Body, Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { AppError, FeedbackBody, parseOrThrow } from '@ragops/contracts';
import type { FeedbackService } from '@ragops/rag';
import type { FastifyRequest } from 'fastify';
import { FEEDBACK } from './gateway.tokens.js';
import { RequestContextFactory } from './request-context.factory.js';
import { TenantRateLimitGuard } from './tenant-rate-limit.guard.js';

export interface FeedbackReceipt {
  feedbackId: string;
  requestId: string;
}

/**
 * User feedback on an answer: `{ requestId, rating: up|down }` or `{ requestId, score: 0..1 }`, optionally with a
 * comment. Stored in the feedback stream (202) for the evaluation service, which counts it per variant.
 */
@Controller('v1')
export class FeedbackController {
  constructor(
    @Inject(FEEDBACK) private readonly feedback: FeedbackService | null,
    @Inject(RequestContextFactory) private readonly contexts: RequestContextFactory,
  ) {}

  @Post('feedback')
  @HttpCode(202)
  @UseGuards(TenantRateLimitGuard)
  async submit(@Req() req: FastifyRequest, @Body() body: unknown): Promise<FeedbackReceipt> {
    const input = parseOrThrow(FeedbackBody, body, 'feedback');
    const { tenant } = this.contexts.create(req);
    if (!this.feedback) throw new AppError('UNAVAILABLE', 'feedback is not recorded by this gateway (INTERACTIONS=off)');
    const record = await this.feedback.submit(input, tenant);
    return { feedbackId: record.feedbackId, requestId: record.requestId };
  }
}
