import { type Clock, systemClock } from '@ragops/contracts';
import { OnlineEvaluator } from '@ragops/evaluation';
import type { ChatModel } from '@ragops/rag';
import { createMetrics, type ServiceMetrics } from '@ragops/telemetry';
import type { EvaluationConfig } from './evaluation.config.js';
import { metricsObserver } from './evaluation.metrics.js';
import { createOnlineMetrics } from './online-metrics.factory.js';

export interface OnlineEvaluationDeps {
  clock?: Clock;
  /** Default: a fresh `createMetrics('evaluation')`. */
  metrics?: ServiceMetrics;
  /** A judge model instead of one from JUDGE_* (tests). */
  judge?: ChatModel;
}

/** The online evaluator from configuration, reporting to a Prometheus registry. */
export function createOnlineEvaluation(config: EvaluationConfig, deps: OnlineEvaluationDeps = {}): { evaluator: OnlineEvaluator; metrics: ServiceMetrics } {
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? createMetrics('evaluation');
  const scorers = createOnlineMetrics(config, { clock, ...(deps.judge ? { judge: deps.judge } : {}) });
  const implementation = Object.values(scorers)[0]?.implementation ?? 'deterministic';
  const evaluator = new OnlineEvaluator({
    metrics: scorers,
    sampleRate: config.EVAL_SAMPLE_RATE,
    clock,
    observer: metricsObserver(metrics, implementation),
    timeoutMs: config.EVAL_TIMEOUT_MS,
    joinCapacity: config.EVAL_JOIN_CAPACITY,
    feedbackJoinAttempts: config.EVAL_FEEDBACK_JOIN_ATTEMPTS,
  });
  return { evaluator, metrics };
}

/** Durable-consumer settings of the two streams for this configuration. */
export function consumerOptions(config: EvaluationConfig, durable: string) {
  return {
    interactions: { durable, concurrency: config.EVAL_CONCURRENCY, ackWaitMs: config.EVAL_TIMEOUT_MS + 30_000 },
    // Redeliveries are how feedback waits for its interaction; a few more than the join attempts.
    feedback: { durable, concurrency: 4, ackWaitMs: 30_000, maxDeliver: config.EVAL_FEEDBACK_JOIN_ATTEMPTS + 5 },
  };
}
