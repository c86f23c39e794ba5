import { Inject, Injectable } from '@nestjs/common';
import { describeIssues, InteractionRecord } from '@ragops/contracts';
import type { OnlineEvaluator } from '@ragops/evaluation';
import { readInteractionHeaders } from '@ragops/messaging';
import type { DeliveryOutcome } from '@ragops/rag';
import { EVALUATION_LOG, type EvaluationLog, ONLINE_EVALUATOR } from './evaluation.tokens.js';

/** One interaction record from the stream: validate, hand it to the online evaluator, acknowledge. */
@Injectable()
export class InteractionHandler {
  constructor(
    @Inject(ONLINE_EVALUATOR) private readonly evaluator: OnlineEvaluator,
    @Inject(EVALUATION_LOG) private readonly log: EvaluationLog,
  ) {}

  /**
   * Settles a record from its message headers when they decide it — outside the sample (nine in ten at the default
   * rate), a failed query, a re-delivery — counted as if read, acknowledged, never decoded or validated (so a record
   * with good headers and a malformed body is counted, not logged as invalid). Records without those headers (older
   * publishers) and sampled ones go on to handle().
   */
  preview(headers: Readonly<Record<string, string>>): DeliveryOutcome | undefined {
    const summary = readInteractionHeaders(headers);
    if (!summary) return undefined;
    return this.evaluator.previewInteraction(summary) === undefined ? undefined : 'ack';
  }

  async handle(raw: unknown): Promise<DeliveryOutcome> {
    const parsed = InteractionRecord.safeParse(raw);
    if (!parsed.success) {
      // It will never become valid: acknowledge it rather than have it redelivered.
      this.log.warn({ issues: describeIssues(parsed.error).slice(0, 5) }, 'skipped an invalid interaction record');
      return 'ack';
    }
    await this.evaluator.onInteraction(parsed.data);
    return 'ack';
  }
}
