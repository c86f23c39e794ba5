import { AppError } from '@ragops/contracts';
import type { AnswerMetricName, JudgeUsage, MetricImplementation, MetricResult, NullReason } from './answer-metric.types.js';

/** LLM-judge totals over a run. */
export interface JudgeTotals {
  /** Judgments wanted over all samples that were sent to the judge. */
  requested: number;
  parsed: number;
  /** Judge outputs that did not parse or fit the schema (retried ones included). */
  unparseable: number;
  calls: number;
  /** Samples whose judging ended with a model error. */
  failedSamples: number;
  usage: JudgeUsage;
  /** Sum of reported costs; undefined when no call reported one. */
  costUsd?: number;
  unpricedCalls: number;
  /** Model names the server reported, sorted. */
  models: string[];
}

/** One metric over a run: what a report prints and a gate compares. */
export interface AnswerMetricSummary {
  metric: AnswerMetricName;
  implementation: MetricImplementation;
  version: string;
  judgePromptVersion?: string;
  /** Samples scored (results summarised). */
  count: number;
  /** Samples with a value. */
  scored: number;
  /** Mean of the values; null when no sample has one. Null values are left out, and counted below. */
  mean: number | null;
  /** Samples without a value. */
  nulls: number;
  nullReasons: Partial<Record<NullReason, number>>;
  /** LLM-judge implementations only. */
  judge?: JudgeTotals;
}

const keyOf = (r: MetricResult) => `${r.metric}\u0000${r.implementation}\u0000${r.version}`;

/**
 * Summary of one metric's results over a run. All results must come from one metric, implementation and version:
 * averaging a judge score with a deterministic one (or two prompt versions) would mix measurements.
 */
export function summarizeAnswerMetric(results: readonly MetricResult[]): AnswerMetricSummary {
  if (results.length === 0) throw new AppError('VALIDATION_FAILED', 'cannot summarise zero results: the metric and implementation are unknown');
  const first = results[0];
  const summary: AnswerMetricSummary = {
    metric: first.metric,
    implementation: first.implementation,
    version: first.version,
    count: results.length,
    scored: 0,
    mean: null,
    nulls: 0,
    nullReasons: {},
  };
  if (first.judgePromptVersion !== undefined) summary.judgePromptVersion = first.judgePromptVersion;
  const judge: JudgeTotals | undefined =
    first.implementation === 'llm-judge'
      ? { requested: 0, parsed: 0, unparseable: 0, calls: 0, failedSamples: 0, usage: { promptTokens: 0, completionTokens: 0, estimated: false }, unpricedCalls: 0, models: [] }
      : undefined;
  const models = new Set<string>();
  let sum = 0;
  results.forEach((r, i) => {
    if (keyOf(r) !== keyOf(first)) {
      throw new AppError('VALIDATION_FAILED', `result ${i} is ${r.metric} (${r.implementation}, ${r.version}); result 0 is ${first.metric} (${first.implementation}, ${first.version}): summarise each separately`);
    }
    if (r.value === null) {
      summary.nulls++;
      const reason = r.nullReason ?? 'missing-input';
      summary.nullReasons[reason] = (summary.nullReasons[reason] ?? 0) + 1;
    } else {
      if (!(r.value >= 0 && r.value <= 1)) throw new AppError('VALIDATION_FAILED', `result ${i} (${r.metric}) has value ${r.value}; values are in [0, 1] or null`);
      summary.scored++;
      sum += r.value;
    }
    if (judge && r.judge) {
      const j = r.judge;
      // Samples decided without a call (missing input, no contexts) asked for nothing.
      if (j.calls > 0) judge.requested += j.requested;
      judge.parsed += j.parsed;
      judge.unparseable += j.unparseable;
      judge.calls += j.calls;
      if (j.error !== undefined) judge.failedSamples++;
      judge.usage.promptTokens += j.usage.promptTokens;
      judge.usage.completionTokens += j.usage.completionTokens;
      judge.usage.estimated ||= j.usage.estimated;
      if (j.costUsd !== undefined) judge.costUsd = (judge.costUsd ?? 0) + j.costUsd;
      judge.unpricedCalls += j.unpricedCalls;
      if (j.calls > 0) models.add(j.model);
    }
  });
  if (summary.scored > 0) summary.mean = sum / summary.scored;
  if (judge) {
    judge.models = [...models].sort();
    summary.judge = judge;
  }
  return summary;
}

/** Summaries of a mixed list of results, one per (metric, implementation, version), in order of first appearance. */
export function summarizeAnswerResults(results: readonly MetricResult[]): AnswerMetricSummary[] {
  const groups = new Map<string, MetricResult[]>();
  for (const r of results) {
    const key = keyOf(r);
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map(summarizeAnswerMetric);
}

/** Per-sample values of a baseline and a candidate run, paired by sample id, for `pairedBootstrapCI`. */
export interface PairedScores {
  /** Sample ids kept, in the baseline's order. */
  ids: string[];
  baseline: number[];
  candidate: number[];
  /** Samples left out because either run has no value for them (or the candidate lacks the sample). */
  dropped: string[];
}

/**
 * Pairs two runs of one metric by `sampleId`. Both runs must use the same metric, implementation and version, and
 * every result must carry a unique sample id. Samples null in either run are dropped and listed, so a comparison
 * states how many samples it rests on.
 */
export function pairAnswerScores(baseline: readonly MetricResult[], candidate: readonly MetricResult[]): PairedScores {
  const check = (rs: readonly MetricResult[], run: string) => {
    const byId = new Map<string, MetricResult>();
    rs.forEach((r, i) => {
      if (r.sampleId === undefined) throw new AppError('VALIDATION_FAILED', `${run} result ${i} has no sampleId; pairing needs one per sample`);
      if (byId.has(r.sampleId)) throw new AppError('VALIDATION_FAILED', `${run} has sample ${r.sampleId} twice`);
      byId.set(r.sampleId, r);
    });
    return byId;
  };
  const a = check(baseline, 'baseline');
  const b = check(candidate, 'candidate');
  const all = [...baseline, ...candidate];
  if (all.length > 0 && all.some((r) => keyOf(r) !== keyOf(all[0]))) {
    throw new AppError('VALIDATION_FAILED', 'paired runs must score one metric with one implementation and version');
  }
  const out: PairedScores = { ids: [], baseline: [], candidate: [], dropped: [] };
  for (const [id, ra] of a) {
    const rb = b.get(id);
    if (ra.value === null || rb === undefined || rb.value === null) out.dropped.push(id);
    else {
      out.ids.push(id);
      out.baseline.push(ra.value);
      out.candidate.push(rb.value);
    }
  }
  for (const id of b.keys()) if (!a.has(id)) out.dropped.push(id);
  return out;
}
