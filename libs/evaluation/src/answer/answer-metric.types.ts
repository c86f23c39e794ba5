import type { RequestContext } from '@ragops/contracts';

/** The answer-quality metrics. Definitions: libs/evaluation/README.md, "Answer metrics". */
export const answerMetricNames = ['faithfulness', 'answer_relevancy', 'context_precision', 'context_recall', 'answer_correctness'] as const;
export type AnswerMetricName = (typeof answerMetricNames)[number];

/**
 * Metrics that cannot score a sample without its reference answer (`groundTruth`), in both implementations: a
 * runner refuses to request them on a dataset that has none, rather than record a run of nulls.
 */
export const groundTruthMetricNames: readonly AnswerMetricName[] = ['context_recall', 'answer_correctness'];

/**
 * How a score was produced. Scores from different implementations are different measurements and are never
 * averaged or compared with each other; every result and summary carries this label.
 */
export type MetricImplementation = 'deterministic' | 'llm-judge';

/** One question answered by the system under test. */
export interface AnswerSample {
  /** Dataset id of the question, carried into results for per-question reports. */
  id?: string;
  question: string;
  /** The system's answer. */
  answer: string;
  /** Retrieved passages, best first: context precision depends on their order. */
  contexts: readonly string[];
  /** Reference answer. Needed by context recall and answer correctness; context precision falls back to the answer. */
  groundTruth?: string;
}

/**
 * Why a score is null. `missing-input`: the sample lacks what the metric needs (no ground truth, a question without
 * a single content word). `no-claims`: nothing to score (an answer that states nothing, for faithfulness).
 * `unparseable`: every judge output failed to parse, retries included. `judge-error`: the model call failed
 * (`judge.error` says how). `deadline-exceeded`: the request deadline passed before a judgment was
 * obtained.
 */
export type NullReason = 'missing-input' | 'no-claims' | 'unparseable' | 'judge-error' | 'deadline-exceeded';

/** Token usage summed over judge calls, as the ChatModel reported it. */
export interface JudgeUsage {
  promptTokens: number;
  completionTokens: number;
  /** True when any call's usage was counted by the adapter rather than reported by the server. */
  estimated: boolean;
}

/** What it took to get an LLM-judge score. */
export interface JudgeStats {
  /** Model name the server reported (the ChatModel's when no call completed). */
  model: string;
  /** Judgments wanted (the `samples` option): valid ones are averaged. */
  requested: number;
  /** Judgments that parsed and passed the schema. */
  parsed: number;
  /** Judge outputs that were not valid JSON or failed the schema, retried ones included. */
  unparseable: number;
  /** Model calls made (each may return several choices). */
  calls: number;
  /** The model error that ended this sample's judging, as `CODE: message` (a failed call is not retried). */
  error?: string;
  usage: JudgeUsage;
  /** Sum of the costs reported by the calls; undefined when no call reported a cost. */
  costUsd?: number;
  /** Calls that reported no cost (model missing from the price table). */
  unpricedCalls: number;
  /** The score of each valid judgment, in order (null: a valid judgment with nothing to score). */
  values: (number | null)[];
}

/** A claim (sentence) and how well a reference text covers it (deterministic implementations). */
export interface ClaimCheck {
  claim: string;
  /** Share of the claim's content terms found in the reference, in [0, 1]. */
  coverage: number;
  /** Numeric terms of the claim that the reference lacks (any one makes the claim unsupported). */
  missingNumbers: string[];
  supported: boolean;
}

/** Metric-specific evidence behind a deterministic score. */
export interface DeterministicDetails {
  /** Claims checked and their verdicts (faithfulness: answer claims; context recall: ground-truth claims). */
  claims?: ClaimCheck[];
  /** Context precision: whether each context (in rank order) supports a reference claim. */
  contextRelevant?: boolean[];
  /** Context precision: which text the contexts were judged against. */
  reference?: 'ground-truth' | 'answer';
  /** Answer correctness counts (TP/FP from answer claims, FN from ground-truth claims). */
  tp?: number;
  fp?: number;
  fn?: number;
  /** Answer correctness: ground-truth claims and whether the answer covers each. */
  groundTruthClaims?: ClaimCheck[];
  /** Answer relevancy: the question's content terms and those the answer contains. */
  questionTerms?: string[];
  coveredTerms?: string[];
}

/** One metric's score for one sample. */
export interface MetricResult {
  metric: AnswerMetricName;
  implementation: MetricImplementation;
  /**
   * Version of the definition that produced the value: `<metric>/deterministic@<n>` or, for the judge, the prompt
   * version (`faithfulness@1`). Compare only results with equal versions.
   */
  version: string;
  /** The judge prompt version (llm-judge only; equal to `version`). */
  judgePromptVersion?: string;
  sampleId?: string;
  /** In [0, 1]; null when not computable (see `nullReason`). Never NaN. */
  value: number | null;
  nullReason?: NullReason;
  /** Deterministic implementations: the evidence behind the value. */
  details?: DeterministicDetails;
  /** LLM-judge implementations: judgments, failures, usage and cost. */
  judge?: JudgeStats;
}

/**
 * An answer-quality metric. Both implementations of a metric share this interface, so a runner picks one by
 * configuration and treats them alike; `score` never throws for bad model output (it is counted in the result), only
 * for invalid arguments.
 */
export interface AnswerMetric {
  readonly name: AnswerMetricName;
  readonly implementation: MetricImplementation;
  /** See {@link MetricResult.version}. */
  readonly version: string;
  /** Judge prompt version, llm-judge only. */
  readonly judgePromptVersion?: string;
  /**
   * Stable id of everything that defines the measurement, for a run record to store and a comparison to match:
   * `faithfulness/deterministic@1`, or `faithfulness/llm-judge/faithfulness@1/<judge model>` (another judge model
   * is another measurement).
   */
  readonly id: string;
  /** Scores one sample. The deterministic implementations ignore `ctx`; the judge bounds its model calls by it. */
  score(sample: AnswerSample, ctx: RequestContext): Promise<MetricResult>;
}
