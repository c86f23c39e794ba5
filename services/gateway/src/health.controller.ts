import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { GatewayConfig } from './gateway.config.js';
import { GATEWAY_CONFIG, READINESS } from './gateway.tokens.js';
import { probeReadiness, type ReadinessReport } from './readiness.js';

/** Kubernetes probes: liveness says the process serves HTTP; readiness asks the dependencies. */
@Controller()
export class HealthController {
  constructor(
    @Inject(READINESS) private readonly readiness: () => Promise<ReadinessReport>,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Deliberately checks nothing else: a dependency outage must not get the gateway restarted. */
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const report = await probeReadiness(this.readiness, this.config.readinessTimeoutMs);
    if (!report.ready) reply.status(503);
    return report;
  }
}
