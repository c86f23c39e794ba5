import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { OnlineEvaluator } from '@ragops/evaluation';
import type { ConsumerHandle, InteractionIndex, RecordSource } from '@ragops/rag';
import { FEEDBACK_SOURCE, INTERACTION_INDEX, INTERACTION_SOURCE, ONLINE_EVALUATOR } from './evaluation.tokens.js';
import { FeedbackHandler } from './feedback.handler.js';
import { InteractionHandler } from './interaction.handler.js';

/**
 * Binds the two record streams to their handlers (and the interaction index to the evaluator) for the application's
 * lifetime. Shutdown drains: interactions being
 * scored finish and are acknowledged; the rest stay in the stream for another replica or the next start.
 */
@Injectable()
export class OnlineEvaluationWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private handles: ConsumerHandle[] = [];

  constructor(
    @Inject(INTERACTION_SOURCE) private readonly interactions: RecordSource,
    @Inject(FEEDBACK_SOURCE) private readonly feedback: RecordSource,
    @Inject(InteractionHandler) private readonly interactionHandler: InteractionHandler,
    @Inject(FeedbackHandler) private readonly feedbackHandler: FeedbackHandler,
    @Inject(INTERACTION_INDEX) private readonly index: InteractionIndex | null,
    @Inject(ONLINE_EVALUATOR) private readonly evaluator: OnlineEvaluator,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The index first, so feedback read next can already be attributed to requests recorded before this start.
    if (this.index) this.handles.push(await this.index.follow((e) => this.evaluator.rememberVariant(e.tenant, e.requestId, e.variant)));
    this.handles.push(await this.interactions.consume((raw) => this.interactionHandler.handle(raw), { preview: (headers) => this.interactionHandler.preview(headers) }));
    this.handles.push(await this.feedback.consume((raw, attempt) => this.feedbackHandler.handle(raw, attempt)));
  }

  async beforeApplicationShutdown(): Promise<void> {
    const handles = this.handles.splice(0);
    await Promise.all(handles.map((h) => h.stop()));
  }
}
