import { type DynamicModule, Module } from '@nestjs/common';
import { DocumentSubmissionService, QueryService } from '@ragops/rag';
import { DocumentsController } from './documents.controller.js';
import type { GatewayConfig } from './gateway.config.js';
import type { ResolvedGatewayDeps } from './gateway.deps.js';
import { CLOCK, FEEDBACK, GATEWAY_CONFIG, INTERACTION_FEED, LOGGER, METRICS, READINESS, TENANT_RATE_LIMIT } from './gateway.tokens.js';
import { FeedbackController } from './feedback.controller.js';
import { HealthController } from './health.controller.js';
import { InteractionsController } from './interactions.controller.js';
import { buildInteractionParts, INTERACTION_RECORDER, InteractionRecorderShutdown } from './interaction.wiring.js';
import { MetricsController } from './metrics.controller.js';
import { QueryController } from './query.controller.js';
import { RequestContextFactory } from './request-context.factory.js';
import { buildTenantRateLimit } from './tenant-rate-limit.guard.js';

/**
 * The HTTP edge. The domain services are built here from the ports (they are plain classes, not Nest
 * providers), so the same use cases run under any transport.
 */
@Module({})
export class GatewayModule {
  static register(deps: ResolvedGatewayDeps, config: GatewayConfig): DynamicModule {
    const interactions = buildInteractionParts(deps, config);
    return {
      module: GatewayModule,
      controllers: [DocumentsController, QueryController, HealthController, MetricsController, FeedbackController, ...(deps.interactionFeed ? [InteractionsController] : [])],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: CLOCK, useValue: deps.clock },
        { provide: METRICS, useValue: deps.metrics },
        { provide: LOGGER, useValue: deps.logger },
        { provide: READINESS, useValue: deps.readiness },
        { provide: QueryService, useValue: new QueryService(deps.searcher, deps.generator, deps.clock, interactions.recorder) },
        // null, not undefined: Nest does not take an undefined useValue as a value provider.
        { provide: INTERACTION_RECORDER, useValue: interactions.recorder ?? null },
        { provide: FEEDBACK, useValue: interactions.feedback ?? null },
        { provide: INTERACTION_FEED, useValue: deps.interactionFeed ?? null },
        { provide: TENANT_RATE_LIMIT, useValue: buildTenantRateLimit(deps, config) ?? null },
        InteractionRecorderShutdown,
        {
          provide: DocumentSubmissionService,
          useValue: new DocumentSubmissionService(deps.queue, deps.jobs, deps.clock, deps.newId),
        },
        RequestContextFactory,
      ],
    };
  }
}
