import type { InteractionDecision, OnlineEvalObserver, OnlineMetricName } from '@ragops/evaluation';
import {
  type CounterAccessor,
  createAccessor,
  EVAL_METRICS,
  type HistogramAccessor,
  type MetricDef,
  oneOf,
  type ServiceMetrics,
  STAGE_BUCKETS,
  VARIANT_LABEL,
} from '@ragops/telemetry';

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

const DECISIONS = ['sampled', 'not_sampled', 'error', 'no_content', 'no_answer', 'duplicate'] as const satisfies readonly InteractionDecision[];

/**
 * Online-evaluation metrics that libs/telemetry's METRIC_CATALOGUE does not define (yet): in the catalogue's shape,
 * registered on the service's registry with the same guarded accessors. Scores, judged counts and feedback use the
 * catalogue's own `ragops_online_eval_score`, `ragops_online_eval_judged_total` and `ragops_feedback_total`.
 */
export const ONLINE_EVAL_EXTRA_METRICS = {
  interactions: {
    name: 'ragops_online_eval_interactions_total',
    type: 'counter',
    group: 'quality',
    help: 'Interaction records read by online evaluation, by decision: sampled (scored), not_sampled, or skipped (error, no_content, no_answer, duplicate).',
    labels: { variant: VARIANT_LABEL, decision: oneOf(DECISIONS, 'sampling decision or skip reason') },
    emittedBy: ['evaluation'],
  },
  unparseable: {
    name: 'ragops_online_eval_unparseable_total',
    type: 'counter',
    group: 'quality',
    help: 'LLM-judge outputs that were not valid JSON or failed the verdict schema (retries included).',
    labels: { variant: VARIANT_LABEL, eval_metric: oneOf(EVAL_METRICS, 'which judgement') },
    emittedBy: ['evaluation'],
  },
  scoringDuration: {
    name: 'ragops_online_eval_duration_seconds',
    type: 'histogram',
    group: 'quality',
    help: 'Time to score one sampled interaction with every configured metric.',
    labels: { implementation: oneOf(['deterministic', 'llm-judge'] as const, 'how scores are produced') },
    buckets: STAGE_BUCKETS,
    emittedBy: ['evaluation'],
  },
} as const satisfies Record<string, MetricDef>;

type Variant = { variant: string };

/** The evaluator's observations as Prometheus metrics on the service's registry. */
export function metricsObserver(metrics: ServiceMetrics, implementation: 'deterministic' | 'llm-judge'): OnlineEvalObserver {
  const overflow = (metric: string, label: string, replacement: string) =>
    metrics.labelOverflow.inc({ metric, label, replacement: replacement as 'other' | 'invalid' });
  const x = ONLINE_EVAL_EXTRA_METRICS;
  const interactions = createAccessor(x.interactions, metrics.registry, overflow) as CounterAccessor<Variant & { decision: InteractionDecision }>;
  const unparseable = createAccessor(x.unparseable, metrics.registry, overflow) as CounterAccessor<Variant & { eval_metric: (typeof EVAL_METRICS)[number] }>;
  const duration = createAccessor(x.scoringDuration, metrics.registry, overflow) as HistogramAccessor<{ implementation: 'deterministic' | 'llm-judge' }>;
  return {
    interaction: (variant, decision) => interactions.inc({ variant, decision }),
    score: (variant, metric, value) => metrics.onlineEvalScore.observe({ variant, eval_metric: EVAL_METRIC_LABEL[metric] }, value),
    judged: (variant, outcome) => metrics.onlineEvalJudged.inc({ variant, outcome }),
    unparseable: (variant, metric, count) => unparseable.inc({ variant, eval_metric: EVAL_METRIC_LABEL[metric] }, count),
    feedback: (variant, rating) => metrics.feedback.inc({ variant, rating }),
    scoringSeconds: (seconds) => duration.observe({ implementation }, seconds),
  };
}
