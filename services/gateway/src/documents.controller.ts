import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { type JobView, parseOrThrow } from '@ragops/contracts';
import { DocumentSubmissionService, type SubmissionReceipt } from '@ragops/rag';
import type { FastifyRequest } from 'fastify';
import { JobId, parseDocumentsBody } from './http.schemas.js';
import { RequestContextFactory } from './request-context.factory.js';
import { TenantRateLimitGuard } from './tenant-rate-limit.guard.js';

/** Document intake: accepted here, indexed asynchronously by the ingest service; progress under /v1/jobs. */
@Controller('v1')
export class DocumentsController {
  constructor(
    @Inject(DocumentSubmissionService) private readonly submissions: DocumentSubmissionService,
    @Inject(RequestContextFactory) private readonly contexts: RequestContextFactory,
  ) {}

  /** 202: the documents are queued, not yet searchable; poll GET /v1/jobs/:jobId. */
  @Post('documents')
  @HttpCode(202)
  @UseGuards(TenantRateLimitGuard)
  submit(@Req() req: FastifyRequest, @Body() body: unknown): Promise<SubmissionReceipt> {
    const ctx = this.contexts.create(req);
    return this.submissions.submit(parseDocumentsBody(body), ctx);
  }

  @Get('jobs/:id')
  job(@Req() req: FastifyRequest, @Param('id') id: string): Promise<JobView> {
    const ctx = this.contexts.create(req);
    return this.submissions.getJob(parseOrThrow(JobId, id, 'job id'), ctx);
  }
}
