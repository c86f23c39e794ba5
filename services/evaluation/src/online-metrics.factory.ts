import { type Clock, systemClock } from '@ragops/contracts';
import { type AnswerMetric, createDeterministicMetrics, createJudgeMetrics, type OnlineMetricName } from '@ragops/evaluation';
import { OpenAIChatModel } from '@ragops/models';
import type { ChatModel } from '@ragops/rag';
import type { EvaluationConfig } from './evaluation.config.js';

export interface OnlineMetricsDeps {
  clock?: Clock;
  /** The judge model to use instead of one built from JUDGE_* (tests). */
  judge?: ChatModel;
}

/**
 * The metric implementations online evaluation scores with, by name: the deterministic ones (no model) unless
 * JUDGE_MODEL names an OpenAI-compatible judge, then the LLM-judge ones on it — the same implementations
 * `ragops eval run --answer-metrics` uses, so online and offline scores of one implementation are comparable.
 */
export function createOnlineMetrics(config: EvaluationConfig, deps: OnlineMetricsDeps = {}): Partial<Record<OnlineMetricName, AnswerMetric>> {
  const clock = deps.clock ?? systemClock;
  const judge =
    deps.judge ??
    (config.JUDGE_MODEL
      ? new OpenAIChatModel({ baseURL: config.JUDGE_BASE_URL, apiKey: config.JUDGE_API_KEY ?? '', model: config.JUDGE_MODEL, clock })
      : undefined);
  const all = judge ? createJudgeMetrics({ model: judge, clock, samples: config.JUDGE_SAMPLES }) : createDeterministicMetrics();
  return Object.fromEntries(config.EVAL_METRICS.map((name) => [name, all[name]]));
}
