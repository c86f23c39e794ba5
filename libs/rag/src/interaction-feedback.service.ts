import {
  AppError,
  type Clock,
  FEEDBACK_SCHEMA_VERSION,
  type FeedbackBody,
  type FeedbackRecord,
  type InteractionContentMode,
  InteractionLimits,
} from '@ragops/contracts';
import { type Redactor, storeText } from './interaction.builder.js';
import type { FeedbackSink } from './interaction.ports.js';

export interface FeedbackServiceOptions {
  sink: FeedbackSink;
  /** INTERACTION_CONTENT, applied to the comment as to queries and answers. */
  content: InteractionContentMode;
  redact: Redactor;
  clock: Clock;
  newId: () => string;
  /** The variant that served a request, when this process remembers it (InteractionRecorder.variantOf). */
  variantOf?: (tenant: string, requestId: string) => string | undefined;
}

/**
 * Takes user feedback on an answer (POST /v1/feedback) and stores it as a FeedbackRecord: a thumbs up is score 1, a
 * thumbs down 0; the comment is stored as the content setting allows. Unlike interaction records, feedback is stored
 * before the client is answered — it is not on the query path, and a client should learn when it was not kept.
 * The request id is not checked against served requests: the answer may have come from another gateway replica;
 * the evaluation service joins feedback to interactions.
 */
export class FeedbackService {
  constructor(private readonly options: FeedbackServiceOptions) {}

  async submit(body: FeedbackBody, tenant: string): Promise<FeedbackRecord> {
    const { content, redact, clock, newId, variantOf, sink } = this.options;
    const record: FeedbackRecord = {
      schemaVersion: FEEDBACK_SCHEMA_VERSION,
      feedbackId: newId(),
      requestId: body.requestId,
      tenant,
      timestamp: clock.now(),
      score: body.score ?? (body.rating === 'up' ? 1 : 0),
      content,
    };
    if (body.rating !== undefined) record.rating = body.rating;
    const variant = variantOf?.(tenant, body.requestId);
    if (variant !== undefined) record.variant = variant;
    if (body.comment !== undefined && body.comment.length > 0) record.comment = storeText(body.comment, content, redact, InteractionLimits.maxCommentChars);
    try {
      await sink.publish(record);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('UNAVAILABLE', 'feedback could not be stored; retry later', undefined, { cause: err });
    }
    return record;
  }
}
