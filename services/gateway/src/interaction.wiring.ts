import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { FeedbackService, InteractionRecorder } from '@ragops/rag';
import { redactPii } from '@ragops/telemetry';
import type { GatewayConfig } from './gateway.config.js';
import type { ResolvedGatewayDeps } from './gateway.deps.js';

/** A failed publish is logged at most this often (with the count since the last line); the counter has them all. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

export interface InteractionParts {
  recorder?: InteractionRecorder;
  feedback?: FeedbackService;
}

/**
 * The gateway's interaction recorder and feedback service, from its sinks and INTERACTION* configuration: records
 * are built with the telemetry lib's PII redaction, carry the active trace id, and their fates are counted in
 * `ragops_interaction_records_total`. Nothing when INTERACTIONS=off or no sink was given.
 */
export function buildInteractionParts(deps: ResolvedGatewayDeps, config: GatewayConfig): InteractionParts {
  const c = config.interactions;
  if (c.INTERACTIONS === 'off') return {};
  const parts: InteractionParts = {};
  if (deps.interactions) {
    const counter = deps.metrics.interactionRecords;
    let failures = 0;
    let lastLog = Number.NEGATIVE_INFINITY;
    parts.recorder = new InteractionRecorder({
      sink: deps.interactions,
      content: c.INTERACTION_CONTENT,
      redact: redactPii,
      clock: deps.clock,
      traceId: () => trace.getActiveSpan()?.spanContext().traceId,
      queueSize: c.INTERACTIONS_QUEUE_SIZE,
      onOutcome: (outcome, err) => {
        counter.inc({ outcome });
        if (outcome !== 'failed') return;
        failures++;
        const now = deps.clock.now();
        if (now - lastLog < FAILURE_LOG_INTERVAL_MS) return;
        deps.logger.warn({ err, failures }, 'interaction records could not be published (queries are unaffected)');
        lastLog = now;
        failures = 0;
      },
    });
  }
  if (deps.feedback) {
    const recorder = parts.recorder;
    parts.feedback = new FeedbackService({
      sink: deps.feedback,
      content: c.INTERACTION_CONTENT,
      redact: redactPii,
      clock: deps.clock,
      newId: randomUUID,
      ...(recorder ? { variantOf: (tenant: string, requestId: string) => recorder.variantOf(tenant, requestId) } : {}),
    });
  }
  return parts;
}

export const INTERACTION_RECORDER = Symbol('INTERACTION_RECORDER');

/** Publishes the records still queued when the gateway shuts down (after the last request has been answered). */
@Injectable()
export class InteractionRecorderShutdown implements BeforeApplicationShutdown {
  constructor(@Inject(INTERACTION_RECORDER) private readonly recorder: InteractionRecorder | null) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.recorder?.close();
  }
}
