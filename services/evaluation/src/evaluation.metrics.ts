import type { OnlineEvalObserver, OnlineMetricName } from '@ragops/evaluation';
import type { EVAL_METRICS, ServiceMetrics } from '@ragops/telemetry';

/**
 * The catalogue's `eval_metric` value for each online metric (libs/telemetry EVAL_METRICS): faithfulness is itself;
 * answer relevancy is `answer_relevance`; context precision — passages judged relevant, weighted by rank — is the
 * catalogue's `context_relevance`.
 */
export const EVAL_METRIC_LABEL: Record<OnlineMetricName, (typeof EVAL_METRICS)[number]> = {
  faithfulness: 'faithfulness',
  answer_relevancy: 'answer_relevance',
  context_precision: 'context_relevance',
};

/**
 * The evaluator's observations as Prometheus metrics (libs/telemetry's catalogue) on the service's registry. The
 * accessors' label types make the compiler check that every decision libs/evaluation can report is a catalogue value.
 */
export function metricsObserver(metrics: ServiceMetrics, implementation: 'deterministic' | 'llm-judge'): OnlineEvalObserver {
  // A variant's unparseable counters start at 0 when it is first seen, so "no judge output was unparseable" is a 0
  // on the dashboard rather than no data (the variant label is open-ended, so they cannot be created at start).
  const seen = new Set<string>();
  return {
    interaction: (variant, decision) => {
      metrics.onlineEvalInteractions.inc({ variant, decision });
      if (seen.has(variant)) return;
      seen.add(variant);
      for (const eval_metric of Object.values(EVAL_METRIC_LABEL)) metrics.onlineEvalUnparseable.inc({ variant, eval_metric }, 0);
    },
    score: (variant, metric, value) => metrics.onlineEvalScore.observe({ variant, eval_metric: EVAL_METRIC_LABEL[metric] }, value),
    judged: (variant, outcome) => metrics.onlineEvalJudged.inc({ variant, outcome }),
    unparseable: (variant, metric, count) => metrics.onlineEvalUnparseable.inc({ variant, eval_metric: EVAL_METRIC_LABEL[metric] }, count),
    feedback: (variant, rating) => metrics.feedback.inc({ variant, rating }),
    scoringSeconds: (seconds) => metrics.onlineEvalDuration.observe({ implementation }, seconds),
  };
}
