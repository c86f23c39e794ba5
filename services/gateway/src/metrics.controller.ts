import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { ServiceMetrics } from '@ragops/telemetry';
import type { FastifyReply } from 'fastify';
import { METRICS } from './gateway.tokens.js';

/** Prometheus text exposition of this process's registry. */
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: ServiceMetrics) {}

  @Get('metrics')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
