import { AppError, systemClock, type RequestContext } from '@ragops/contracts';
import { type AnswerMetric, answerMetricNames, createDeterministicMetrics, createJudgeMetrics, groundTruthMetricNames } from '@ragops/evaluation';
import { OpenAIChatModel } from '@ragops/models';

/**
 * What `ragops eval run` needs from an answer-quality metric: the shape of @ragops/evaluation's `AnswerMetric`
 * (deterministic and LLM-judge implementations), kept structural here so the runner does not depend on which of
 * them exist. `value` null = the metric does not apply to this sample; the query is left out of its mean.
 */
export interface RunAnswerMetric {
  readonly name: string;
  readonly implementation: string;
  /** Version of the definition; with `implementation` it becomes the run's implementation id. */
  readonly version: string;
  /** True when the metric cannot score without the query's reference answer: the run refuses a dataset without one. */
  readonly needsGroundTruth?: boolean;
  /**
   * `groundTruth` and `referenceContexts` come from the dataset's QA rows (absent for queries without one). No
   * built-in metric reads `referenceContexts`; they are passed for metrics that do.
   */
  score(
    sample: { id?: string; question: string; answer: string; contexts: readonly string[]; groundTruth?: string; referenceContexts?: readonly string[] },
    ctx: RequestContext,
  ): Promise<{ value: number | null }>;
}

/** The metric's full id (for a judge it names the judge prompt version and model) is what a run records. */
const forRun = (metric: AnswerMetric): RunAnswerMetric => ({
  name: metric.name,
  implementation: metric.implementation,
  version: metric.id,
  needsGroundTruth: groundTruthMetricNames.includes(metric.name),
  // Only the fields AnswerSample defines: the metrics validate their input.
  score: ({ id, question, answer, contexts, groundTruth }, ctx) => metric.score({ id, question, answer, contexts, groundTruth }, ctx),
});

/**
 * Answer metrics selectable by name with `--answer-metrics`: `faithfulness`, `answer_relevancy`,
 * `context_precision`, `context_recall`, `answer_correctness` are the deterministic implementations (no model;
 * labelled so in every report); `judge:<name>` is the LLM-as-judge one, on the OpenAI-compatible model named by
 * JUDGE_MODEL, JUDGE_BASE_URL (default OpenAI) and JUDGE_API_KEY.
 */
export function answerMetricFactories(env: Record<string, string | undefined> = process.env): ReadonlyMap<string, () => RunAnswerMetric> {
  const factories = new Map<string, () => RunAnswerMetric>();
  let deterministic: ReturnType<typeof createDeterministicMetrics> | undefined;
  let judges: ReturnType<typeof createJudgeMetrics> | undefined;
  const judge = () => {
    if (!env.JUDGE_MODEL || !env.JUDGE_API_KEY) {
      throw new AppError('VALIDATION_FAILED', 'judge:* metrics need JUDGE_MODEL and JUDGE_API_KEY (and JUDGE_BASE_URL for servers other than OpenAI)');
    }
    const samples = Number(env.JUDGE_SAMPLES || 1);
    if (!Number.isInteger(samples) || samples < 1 || samples > 20) throw new AppError('VALIDATION_FAILED', `JUDGE_SAMPLES must be a whole number from 1 to 20, got ${env.JUDGE_SAMPLES}`);
    const model = new OpenAIChatModel({ baseURL: env.JUDGE_BASE_URL || 'https://api.openai.com/v1', apiKey: env.JUDGE_API_KEY, model: env.JUDGE_MODEL });
    return createJudgeMetrics({ model, clock: systemClock, samples });
  };
  for (const name of answerMetricNames) {
    factories.set(name, () => forRun((deterministic ??= createDeterministicMetrics())[name]));
    factories.set(`judge:${name}`, () => forRun((judges ??= judge())[name]));
  }
  return factories;
}

/** Resolves `--answer-metrics a,b`; an unknown name is bad input that lists what exists. */
export function resolveAnswerMetrics(names: readonly string[], factories: ReadonlyMap<string, () => RunAnswerMetric> = answerMetricFactories()): RunAnswerMetric[] {
  const unknown = names.filter((n) => !factories.has(n));
  if (unknown.length) {
    const known = [...factories.keys()];
    throw new AppError('VALIDATION_FAILED', `unknown answer metric${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (available: ${known.length ? known.join(', ') : 'none yet'})`);
  }
  return [...new Set(names)].map((n) => (factories.get(n) as () => RunAnswerMetric)());
}
