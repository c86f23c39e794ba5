import { AppError } from '@ragops/contracts';
import type { GatePolicy } from './gate.policy.js';
import { fmt, signed } from './number.format.js';
import { compareRuns, runRef, type MetricComparison, type RunComparison, type RunRef } from './run.compare.js';
import type { MetricDirection, RunRecord } from './run.schema.js';

export type GateCheckKind = 'min' | 'max' | 'regression';

export interface GateCheck {
  /** Human-readable and unique within a report, e.g. `ndcg@10 ≥ 0.8500`, `ndcg@10 regression ≤ 0.0200`. */
  name: string;
  metric: string;
  kind: GateCheckKind;
  passed: boolean;
  /** Why it passed or failed, with the numbers. */
  message: string;
  /** The run's mean (min/max) or the mean delta run − baseline (regression); null when it could not be computed. */
  value: number | null;
  threshold: number;
}

export interface GateReport {
  passed: boolean;
  run: RunRef;
  baseline: RunRef | null;
  /** The run's dataset differs from the baseline's and the caller allowed it. */
  datasetChanged: boolean;
  checks: GateCheck[];
  /** Comparison of the gated metrics (null without a baseline). */
  comparison: RunComparison | null;
  policy: GatePolicy;
}

export interface GateOptions {
  /** Compare runs made on different dataset versions (over their shared query ids) instead of refusing. */
  allowDatasetChange?: boolean;
}

/**
 * Evaluates a policy against a run and its baseline. Inputs that make the gate meaningless throw
 * VALIDATION_FAILED (a policy metric the run does not have, a regression check without a baseline or a baseline
 * without the metric, different datasets unless allowed); everything else becomes a passing or failing check.
 */
export function gateRun(run: RunRecord, baseline: RunRecord | null, policy: GatePolicy, options: GateOptions = {}): GateReport {
  const runMetrics = new Map(run.metrics.map((m) => [m.key, m]));
  const problems: string[] = [];
  policy.checks.forEach((c, i) => {
    if (!runMetrics.has(c.metric)) problems.push(`checks[${i}].metric "${c.metric}" is not in the run ${run.id} (it has: ${[...runMetrics.keys()].join(', ') || 'none'})`);
    if (c.maxRegression === undefined) return;
    if (!baseline) problems.push(`checks[${i}] (${c.metric}) sets maxRegression, which needs a baseline run`);
    else if (!baseline.metrics.some((m) => m.key === c.metric)) problems.push(`checks[${i}].metric "${c.metric}" is not in the baseline ${baseline.id}`);
  });
  const datasetChanged = !!baseline && (baseline.dataset.name !== run.dataset.name || baseline.dataset.version !== run.dataset.version);
  if (datasetChanged && !options.allowDatasetChange) {
    const d = (r: RunRecord) => `${r.dataset.name} ${r.dataset.version}`;
    problems.push(`the run's dataset (${d(run)}) differs from the baseline's (${d(baseline as RunRecord)}); re-run the baseline on this dataset, or allow a dataset change to compare the shared queries`);
  }
  if (problems.length) throw new AppError('VALIDATION_FAILED', problems.join('; '), { problems });

  // Every gated metric is compared (for the report); only maxRegression checks act on the comparison.
  const comparison = baseline ? compareRuns(baseline, run, { bootstrap: policy.bootstrap, metrics: policy.checks.map((c) => c.metric) }) : null;
  const byMetric = new Map(comparison?.metrics.map((m) => [m.metric, m]));
  const checks: GateCheck[] = [];
  for (const c of policy.checks) {
    const aggregate = run.aggregates[c.metric];
    const value = aggregate ? aggregate.mean : null;
    if (c.min !== undefined) checks.push(boundCheck(c.metric, 'min', value, c.min, aggregate?.n ?? 0));
    if (c.max !== undefined) checks.push(boundCheck(c.metric, 'max', value, c.max, aggregate?.n ?? 0));
    if (c.maxRegression !== undefined) {
      const direction = c.direction ?? runMetrics.get(c.metric)?.direction ?? 'higher';
      checks.push(regressionCheck(c.metric, byMetric.get(c.metric) as MetricComparison, c.maxRegression, direction, policy.bootstrap.confidence));
    }
  }
  return { passed: checks.every((c) => c.passed), run: runRef(run), baseline: baseline ? runRef(baseline) : null, datasetChanged, checks, comparison, policy };
}

function boundCheck(metric: string, kind: 'min' | 'max', value: number | null, threshold: number, n: number): GateCheck {
  const name = `${metric} ${kind === 'min' ? '≥' : '≤'} ${fmt(threshold)}`;
  if (value === null) return { name, metric, kind, passed: false, value, threshold, message: `${metric}: no query has a value, so the run cannot show ${kind === 'min' ? '≥' : '≤'} ${fmt(threshold)}` };
  const passed = kind === 'min' ? value >= threshold : value <= threshold;
  const message = passed
    ? `${metric} = ${fmt(value)} (n = ${n}) ${kind === 'min' ? '≥' : '≤'} ${fmt(threshold)}`
    : `${metric} = ${fmt(value)} (n = ${n}) is ${kind === 'min' ? 'below the floor' : 'above the ceiling'} ${fmt(threshold)}`;
  return { name, metric, kind, passed, value, threshold, message };
}

function regressionCheck(metric: string, cmp: MetricComparison, allowed: number, direction: MetricDirection, confidence: number): GateCheck {
  const name = `${metric} regression ≤ ${fmt(allowed)}`;
  const base = { name, metric, kind: 'regression' as const, threshold: allowed };
  if (!cmp.comparable || cmp.delta === null || cmp.low === null || cmp.high === null) {
    return { ...base, passed: false, value: null, message: `${metric} cannot be compared with the baseline: ${cmp.reason ?? 'unknown reason'}` };
  }
  // Regression in the metric's bad direction, as a positive number when the run is worse.
  const regression = direction === 'higher' ? -cmp.delta : cmp.delta;
  const worseForSure = direction === 'higher' ? cmp.high < 0 : cmp.low > 0;
  const ci = `${Math.round(confidence * 100)}% CI [${signed(cmp.low)}, ${signed(cmp.high)}], n = ${cmp.n}`;
  const delta = `Δ ${signed(cmp.delta)} vs baseline ${fmt(cmp.baseline as number)} (${ci})`;
  if (regression > allowed && worseForSure) {
    return { ...base, passed: false, value: cmp.delta, message: `${metric} regressed: ${delta}; the drop exceeds the allowed ${fmt(allowed)} and the interval excludes 0` };
  }
  const why =
    regression <= 0 ? 'no regression' : regression <= allowed ? `within the allowed ${fmt(allowed)}` : `larger than the allowed ${fmt(allowed)} but not significant (the interval includes 0)`;
  return { ...base, passed: true, value: cmp.delta, message: `${metric}: ${delta}; ${why}` };
}
