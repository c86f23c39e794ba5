import { AppError } from '@ragops/contracts';
import type { AnswerMetric, AnswerMetricName, AnswerSample, ClaimCheck, MetricResult } from './answer-metric.types.js';
import { ClaimMatcher, type ClaimMatcherOptions } from './claim.matcher.js';

/**
 * Deterministic approximations of the answer metrics: no model, only sentence splitting and stemmed term overlap
 * (ClaimMatcher). Exact definitions in README.md ("Answer metrics"); bump the version when one changes, so old and
 * new scores are never compared.
 */
export const DETERMINISTIC_METRIC_VERSION = 1;

const versionOf = (metric: AnswerMetricName) => `${metric}/deterministic@${DETERMINISTIC_METRIC_VERSION}`;

function result(metric: AnswerMetricName, sample: AnswerSample, value: number | null, rest: Partial<MetricResult> = {}): MetricResult {
  const out: MetricResult = { metric, implementation: 'deterministic', version: versionOf(metric), value, ...rest };
  if (sample.id !== undefined) out.sampleId = sample.id;
  return out;
}

const hasText = (s: string | undefined): s is string => typeof s === 'string' && s.trim().length > 0;

/** Union of the contexts' terms: a claim may combine facts from two passages. */
function contextTerms(matcher: ClaimMatcher, contexts: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const c of contexts) for (const t of matcher.terms(c)) out.add(t);
  return out;
}

/** Share of the answer's claims that the contexts (together) support. Null when the answer has no claim. */
export function deterministicFaithfulness(sample: AnswerSample, matcher: ClaimMatcher): MetricResult {
  const claims = matcher.claims(sample.answer);
  if (claims.length === 0) return result('faithfulness', sample, null, { nullReason: 'no-claims', details: { claims: [] } });
  const reference = contextTerms(matcher, sample.contexts);
  const checks = claims.map((c) => matcher.check(c, reference));
  return result('faithfulness', sample, share(checks), { details: { claims: checks } });
}

/**
 * Share of the question's content terms that the answer contains: does the answer talk about what was asked.
 * Null when the question has no content term.
 */
export function deterministicAnswerRelevancy(sample: AnswerSample, matcher: ClaimMatcher): MetricResult {
  const questionTerms = [...matcher.terms(sample.question)];
  if (questionTerms.length === 0) return result('answer_relevancy', sample, null, { nullReason: 'missing-input', details: { questionTerms, coveredTerms: [] } });
  const answerTerms = matcher.terms(sample.answer);
  const coveredTerms = questionTerms.filter((t) => answerTerms.has(t));
  return result('answer_relevancy', sample, coveredTerms.length / questionTerms.length, { details: { questionTerms, coveredTerms } });
}

/**
 * Average precision of the context ranking, where a context is relevant when it alone supports at least one claim
 * of the ground truth (or, without one, of the answer). 0 when no context is relevant or none was retrieved.
 */
export function deterministicContextPrecision(sample: AnswerSample, matcher: ClaimMatcher): MetricResult {
  const reference = hasText(sample.groundTruth) ? 'ground-truth' : 'answer';
  const claims = matcher.claims(reference === 'ground-truth' ? (sample.groundTruth as string) : sample.answer);
  if (claims.length === 0) return result('context_precision', sample, null, { nullReason: 'missing-input', details: { reference, contextRelevant: [] } });
  const contextRelevant = sample.contexts.map((context) => {
    const terms = matcher.terms(context);
    return claims.some((c) => matcher.check(c, terms).supported);
  });
  return result('context_precision', sample, averagePrecisionOf(contextRelevant), { details: { reference, contextRelevant } });
}

/** Share of the ground truth's claims that the contexts (together) support. Null without a ground truth. */
export function deterministicContextRecall(sample: AnswerSample, matcher: ClaimMatcher): MetricResult {
  if (!hasText(sample.groundTruth)) return result('context_recall', sample, null, { nullReason: 'missing-input' });
  const claims = matcher.claims(sample.groundTruth);
  if (claims.length === 0) return result('context_recall', sample, null, { nullReason: 'no-claims', details: { claims: [] } });
  const reference = contextTerms(matcher, sample.contexts);
  const checks = claims.map((c) => matcher.check(c, reference));
  return result('context_recall', sample, share(checks), { details: { claims: checks } });
}

/**
 * F-score over claims, as Ragas counts them: TP = answer claims the ground truth supports, FP = the other answer
 * claims, FN = ground-truth claims the answer does not support; value = TP / (TP + (FP + FN) / 2).
 * Null without a ground truth, or when neither text has a claim.
 */
export function deterministicAnswerCorrectness(sample: AnswerSample, matcher: ClaimMatcher): MetricResult {
  if (!hasText(sample.groundTruth)) return result('answer_correctness', sample, null, { nullReason: 'missing-input' });
  const answerClaims = matcher.claims(sample.answer);
  const truthClaims = matcher.claims(sample.groundTruth);
  if (answerClaims.length === 0 && truthClaims.length === 0) {
    return result('answer_correctness', sample, null, { nullReason: 'no-claims', details: { claims: [], groundTruthClaims: [], tp: 0, fp: 0, fn: 0 } });
  }
  const truthTerms = matcher.terms(sample.groundTruth);
  const answerTerms = matcher.terms(sample.answer);
  const claims = answerClaims.map((c) => matcher.check(c, truthTerms));
  const groundTruthClaims = truthClaims.map((c) => matcher.check(c, answerTerms));
  const tp = claims.filter((c) => c.supported).length;
  const fp = claims.length - tp;
  const fn = groundTruthClaims.filter((c) => !c.supported).length;
  // The denominator is positive: some claim exists, and each one lands in TP, FP or FN.
  return result('answer_correctness', sample, tp / (tp + 0.5 * (fp + fn)), { details: { claims, groundTruthClaims, tp, fp, fn } });
}

/** (1/Σ v_k) Σ_k v_k · P@k over the ranked relevance flags; 0 when nothing is relevant. */
export function averagePrecisionOf(relevant: readonly boolean[]): number {
  let hits = 0;
  let sum = 0;
  relevant.forEach((r, i) => {
    if (!r) return;
    hits++;
    sum += hits / (i + 1);
  });
  return hits === 0 ? 0 : sum / hits;
}

function share(checks: readonly ClaimCheck[]): number {
  return checks.filter((c) => c.supported).length / checks.length;
}

/** Rejects samples a runner built wrongly (bad types), so a metric never scores garbage. */
export function assertAnswerSample(sample: AnswerSample): void {
  const bad = (what: string) => new AppError('VALIDATION_FAILED', `answer sample${sample?.id === undefined ? '' : ` ${sample.id}`}: ${what}`);
  if (!sample || typeof sample !== 'object') throw bad('expected an object');
  if (typeof sample.question !== 'string') throw bad('question must be a string');
  if (typeof sample.answer !== 'string') throw bad('answer must be a string');
  if (!Array.isArray(sample.contexts) || !sample.contexts.every((c) => typeof c === 'string')) throw bad('contexts must be an array of strings');
  if (sample.groundTruth !== undefined && typeof sample.groundTruth !== 'string') throw bad('groundTruth must be a string when given');
}

const scorers: Record<AnswerMetricName, (sample: AnswerSample, matcher: ClaimMatcher) => MetricResult> = {
  faithfulness: deterministicFaithfulness,
  answer_relevancy: deterministicAnswerRelevancy,
  context_precision: deterministicContextPrecision,
  context_recall: deterministicContextRecall,
  answer_correctness: deterministicAnswerCorrectness,
};

/** The five metrics' deterministic implementations, sharing one analyzer and threshold. */
export function createDeterministicMetrics(options: ClaimMatcherOptions = {}): Record<AnswerMetricName, AnswerMetric> {
  const matcher = new ClaimMatcher(options);
  const make = (name: AnswerMetricName): AnswerMetric => ({
    name,
    implementation: 'deterministic',
    version: versionOf(name),
    id: versionOf(name),
    score: async (sample) => {
      assertAnswerSample(sample);
      return scorers[name](sample, matcher);
    },
  });
  return {
    faithfulness: make('faithfulness'),
    answer_relevancy: make('answer_relevancy'),
    context_precision: make('context_precision'),
    context_recall: make('context_recall'),
    answer_correctness: make('answer_correctness'),
  };
}
