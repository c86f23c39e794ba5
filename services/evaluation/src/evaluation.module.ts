import { type DynamicModule, Module } from '@nestjs/common';
import type { OnlineEvaluator } from '@ragops/evaluation';
import { healthHandler } from '@ragops/messaging';
import type { InteractionIndex, RecordSource } from '@ragops/rag';
import { EVALUATION_LOG, type EvaluationLog, FEEDBACK_SOURCE, INTERACTION_INDEX, INTERACTION_SOURCE, ONLINE_EVALUATOR } from './evaluation.tokens.js';
import { FeedbackHandler } from './feedback.handler.js';
import { InteractionHandler } from './interaction.handler.js';
import { OnlineEvaluationWorker } from './online-evaluation.worker.js';

export interface EvaluationDeps {
  /** The interaction stream (durable JetStream consumer, or the all-in-one's memory log). */
  interactions: RecordSource;
  feedback: RecordSource;
  /** Which variant served each request, read by every replica (distributed mode); the all-in-one needs none. */
  index?: InteractionIndex;
  evaluator: OnlineEvaluator;
  log?: EvaluationLog;
  /** Extra readiness detail for the health probe. */
  health?: () => Promise<Record<string, unknown>>;
}

const silent: EvaluationLog = { warn: () => undefined, error: () => undefined };

/** Online evaluation: scores sampled live interactions and counts feedback, per variant. */
@Module({})
export class EvaluationModule {
  static register(deps: EvaluationDeps): DynamicModule {
    return {
      module: EvaluationModule,
      controllers: [healthHandler('evaluation', deps.health ?? (async () => ({ implementation: deps.evaluator.implementation })))],
      providers: [
        { provide: INTERACTION_SOURCE, useValue: deps.interactions },
        { provide: FEEDBACK_SOURCE, useValue: deps.feedback },
        { provide: INTERACTION_INDEX, useValue: deps.index ?? null },
        { provide: ONLINE_EVALUATOR, useValue: deps.evaluator },
        { provide: EVALUATION_LOG, useValue: deps.log ?? silent },
        InteractionHandler,
        FeedbackHandler,
        OnlineEvaluationWorker,
      ],
    };
  }
}
