import { Inject, Injectable } from '@nestjs/common';
import { describeIssues, FeedbackRecord } from '@ragops/contracts';
import type { OnlineEvaluator } from '@ragops/evaluation';
import type { DeliveryOutcome } from '@ragops/rag';
import { EVALUATION_LOG, type EvaluationLog, ONLINE_EVALUATOR } from './evaluation.tokens.js';

/** One feedback record: validate, count it for its variant (or ask for redelivery until the variant is known). */
@Injectable()
export class FeedbackHandler {
  constructor(
    @Inject(ONLINE_EVALUATOR) private readonly evaluator: OnlineEvaluator,
    @Inject(EVALUATION_LOG) private readonly log: EvaluationLog,
  ) {}

  async handle(raw: unknown, attempt: number): Promise<DeliveryOutcome> {
    const parsed = FeedbackRecord.safeParse(raw);
    if (!parsed.success) {
      this.log.warn({ issues: describeIssues(parsed.error).slice(0, 5) }, 'skipped an invalid feedback record');
      return 'ack';
    }
    return this.evaluator.onFeedback(parsed.data, attempt);
  }
}
