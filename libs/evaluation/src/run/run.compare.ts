import { pairedBootstrapCI } from '../metrics.aggregate.js';
import { mulberry32 } from '../seeded.random.js';
import { DEFAULT_BOOTSTRAP, seedFor } from './bootstrap.interval.js';
import type { BootstrapSettings, MetricDirection, MetricInfo, RunRecord } from './run.schema.js';

export type ChangeVerdict = 'improved' | 'regressed' | 'no significant change' | 'not comparable';

export interface MetricComparison {
  metric: string;
  direction: MetricDirection;
  comparable: boolean;
  /** Why the metric could not be compared (missing in a run, different implementation, no shared query). */
  reason?: string;
  /** Queries with a value in both runs: the pairs the bootstrap resamples. */
  n: number;
  /** Queries with a value in only one of the runs (left out of the comparison). */
  onlyBaseline: number;
  onlyCandidate: number;
  /** Means over the n shared queries, so delta = candidate − baseline exactly. */
  baseline: number | null;
  candidate: number | null;
  delta: number | null;
  /** Paired percentile bootstrap interval of the mean delta. */
  low: number | null;
  high: number | null;
  /** The interval excludes 0. */
  significant: boolean;
  change: ChangeVerdict;
}

export interface RunRef {
  id: string;
  variant: string;
  createdAt: string;
  revision: string;
  dataset: string;
  datasetVersion: string;
}

export interface RunComparison {
  baseline: RunRef;
  candidate: RunRef;
  /** Same dataset name and content hash. */
  sameDataset: boolean;
  bootstrap: BootstrapSettings;
  metrics: MetricComparison[];
}

export interface CompareOptions {
  bootstrap?: Partial<BootstrapSettings>;
  /** Metric keys to compare, in this order; default every metric of either run (candidate's order first). */
  metrics?: readonly string[];
}

export function runRef(run: RunRecord): RunRef {
  return { id: run.id, variant: run.variant, createdAt: run.createdAt, revision: run.git.revision, dataset: run.dataset.name, datasetVersion: run.dataset.version };
}

/**
 * Per-metric difference candidate − baseline over the queries both runs scored, with a paired bootstrap interval
 * (seeded per metric, so the same two runs always give the same answer). Shared queries are paired by id and taken
 * in id order, so neither run's query order matters.
 */
export function compareRuns(baseline: RunRecord, candidate: RunRecord, options: CompareOptions = {}): RunComparison {
  const bootstrap = { ...DEFAULT_BOOTSTRAP, ...options.bootstrap };
  const infoB = new Map(baseline.metrics.map((m) => [m.key, m]));
  const infoC = new Map(candidate.metrics.map((m) => [m.key, m]));
  const keys = options.metrics ?? [...new Set([...infoC.keys(), ...infoB.keys()])];
  return {
    baseline: runRef(baseline),
    candidate: runRef(candidate),
    sameDataset: baseline.dataset.name === candidate.dataset.name && baseline.dataset.version === candidate.dataset.version,
    bootstrap,
    metrics: keys.map((key) => compareMetric(key, baseline, candidate, infoB.get(key), infoC.get(key), bootstrap)),
  };
}

function compareMetric(key: string, baseline: RunRecord, candidate: RunRecord, b: MetricInfo | undefined, c: MetricInfo | undefined, bootstrap: BootstrapSettings): MetricComparison {
  const direction = c?.direction ?? b?.direction ?? 'higher';
  const empty = { metric: key, direction, comparable: false, n: 0, onlyBaseline: 0, onlyCandidate: 0, baseline: null, candidate: null, delta: null, low: null, high: null, significant: false, change: 'not comparable' as const };
  if (!b || !c) return { ...empty, reason: `not in the ${!b && !c ? 'baseline or the candidate' : !b ? 'baseline' : 'candidate'} run` };
  if (b.implementation !== c.implementation) {
    return { ...empty, reason: `scored by different implementations (baseline ${b.implementation}, candidate ${c.implementation}); re-run the baseline` };
  }
  if (b.direction !== c.direction) return { ...empty, reason: `the runs disagree on its direction (baseline ${b.direction}, candidate ${c.direction})` };

  const valuesB = valuesOf(baseline, key);
  const valuesC = valuesOf(candidate, key);
  const shared = [...valuesC.keys()].filter((id) => valuesB.has(id)).sort();
  const counts = { n: shared.length, onlyBaseline: valuesB.size - shared.length, onlyCandidate: valuesC.size - shared.length };
  if (!shared.length) return { ...empty, ...counts, reason: 'no query has a value in both runs' };

  const a = shared.map((id) => valuesB.get(id) as number);
  const x = shared.map((id) => valuesC.get(id) as number);
  const ci = pairedBootstrapCI(a, x, { samples: bootstrap.samples, confidence: bootstrap.confidence, random: mulberry32(seedFor(bootstrap.seed, key)) });
  const significant = ci.low > 0 || ci.high < 0;
  const better = direction === 'higher' ? ci.low > 0 : ci.high < 0;
  return {
    metric: key,
    direction,
    comparable: true,
    ...counts,
    baseline: mean(a),
    candidate: mean(x),
    delta: ci.meanDelta,
    low: ci.low,
    high: ci.high,
    significant,
    change: !significant ? 'no significant change' : better ? 'improved' : 'regressed',
  };
}

function valuesOf(run: RunRecord, key: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const q of run.queries) if (Object.hasOwn(q.metrics, key)) out.set(q.id, q.metrics[key]);
  return out;
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
