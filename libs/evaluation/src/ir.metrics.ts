import { AppError } from '@ragops/contracts';

/**
 * Per-query retrieval metrics with trec_eval's definitions (README.md lists the formulas).
 *
 * - `qrels` maps doc id → graded relevance. A grade > 0 is relevant; 0, negative or unjudged is not.
 *   R = the number of relevant docs in the qrels.
 * - `ranked` is the system's doc ids, best first. Duplicates: the first occurrence counts and later ones are
 *   dropped before ranks are assigned (so a doc ranks where its best chunk ranks, the usual max-passage collapse).
 * - `k` is a positive integer or `Infinity` (no cut); k beyond the list just means the whole list.
 * - A query with R = 0 scores 0 on every metric; `evaluateRanking` marks it `judged: false` so averages skip it.
 */
export type Qrels = ReadonlyMap<string, number>;

/** Metrics that take a rank cut-off, as they appear in `evaluateRanking` keys (`ndcg@10`). */
export type CutoffMetric = 'ndcg' | 'recall' | 'precision' | 'mrr' | 'hit';
export type MetricKey = `${CutoffMetric}@${number}` | 'map';

export interface QueryEvaluation {
  /** False when the qrels hold no relevant doc (R = 0): every metric is 0 and means should skip the query. */
  judged: boolean;
  /** Number of relevant docs in the qrels (R). */
  relevant: number;
  /** Keys `ndcg@k`, `recall@k`, `precision@k`, `mrr@k`, `hit@k` per requested k, in that order, then `map`. */
  metrics: Record<MetricKey, number>;
}

/**
 * nDCG@k with linear gains (trec_eval `ndcg_cut_k`):
 * DCG@k = Σ_{i=1..k} g_i / log2(i + 1), g_i the grade at rank i (0 if not relevant);
 * IDCG@k = the same over the qrels' positive grades sorted descending; nDCG@k = DCG@k / IDCG@k (0 when R = 0).
 */
export function ndcgAtK(ranked: readonly string[], qrels: Qrels, k: number): number {
  checkK(k, true);
  return ndcgOf(gradesOf(ranked, qrels, k), idealGrades(qrels), k);
}

/** Recall@k (trec_eval `recall_k`): relevant docs in the top k / R (0 when R = 0). */
export function recallAtK(ranked: readonly string[], qrels: Qrels, k: number): number {
  checkK(k, true);
  const relevant = relevantCount(qrels);
  return relevant === 0 ? 0 : relevantIn(gradesOf(ranked, qrels, k), k) / relevant;
}

/**
 * Precision@k (trec_eval `P_k`): relevant docs in the top k / k. The divisor stays k when fewer than k docs were
 * retrieved, so a short list is not rewarded for stopping early. k must be finite.
 */
export function precisionAtK(ranked: readonly string[], qrels: Qrels, k: number): number {
  checkK(k, false);
  return relevantIn(gradesOf(ranked, qrels, k), k) / k;
}

/** Reciprocal rank of the first relevant doc within the top k (trec_eval `recip_rank` when k = ∞), else 0. */
export function reciprocalRank(ranked: readonly string[], qrels: Qrels, k = Infinity): number {
  checkK(k, true);
  return reciprocalOf(gradesOf(ranked, qrels, k), k);
}

/**
 * Average precision (trec_eval `map`; `map_cut_k` for finite k): Σ over relevant docs at ranks r ≤ k of P@r,
 * divided by R, so relevant docs never retrieved count as precision 0. 0 when R = 0.
 */
export function averagePrecision(ranked: readonly string[], qrels: Qrels, k = Infinity): number {
  checkK(k, true);
  return averagePrecisionOf(gradesOf(ranked, qrels, k), relevantCount(qrels), k);
}

/** Hit@k: 1 when any relevant doc is in the top k, else 0 (its mean over queries is the hit rate). */
export function hitRateAtK(ranked: readonly string[], qrels: Qrels, k: number): number {
  checkK(k, true);
  return reciprocalOf(gradesOf(ranked, qrels, k), k) > 0 ? 1 : 0;
}

/**
 * Every metric for one query: for each k in `ks` (duplicates collapsed, order kept) `ndcg@k`, `recall@k`,
 * `precision@k`, `mrr@k`, `hit@k`, then `map` over the whole ranking. The ranking is collapsed and the qrels
 * summarised once, so this is cheaper than calling each metric.
 */
export function evaluateRanking(ranked: readonly string[], qrels: Qrels, ks: readonly number[]): QueryEvaluation {
  const cuts = [...new Set(ks)];
  for (const k of cuts) checkK(k, false);
  const grades = gradesOf(ranked, qrels, Infinity);
  const ideal = idealGrades(qrels);
  const relevant = ideal.length;
  const metrics = {} as Record<MetricKey, number>;
  for (const k of cuts) metrics[`ndcg@${k}`] = ndcgOf(grades, ideal, k);
  for (const k of cuts) metrics[`recall@${k}`] = relevant === 0 ? 0 : relevantIn(grades, k) / relevant;
  for (const k of cuts) metrics[`precision@${k}`] = relevantIn(grades, k) / k;
  for (const k of cuts) metrics[`mrr@${k}`] = reciprocalOf(grades, k);
  for (const k of cuts) metrics[`hit@${k}`] = reciprocalOf(grades, k) > 0 ? 1 : 0;
  metrics.map = averagePrecisionOf(grades, relevant, Infinity);
  return { judged: relevant > 0, relevant, metrics };
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

function checkK(k: number, allowInfinity: boolean): void {
  if ((Number.isInteger(k) && k >= 1) || (allowInfinity && k === Infinity)) return;
  const what = allowInfinity ? 'a positive integer or Infinity' : 'a positive integer';
  throw new AppError('VALIDATION_FAILED', `metric cut-off k must be ${what}, got ${k}`);
}

/** Grades (≤ 0 → 0) of the first `depth` distinct docs of `ranked`, in rank order. */
function gradesOf(ranked: readonly string[], qrels: Qrels, depth: number): number[] {
  const grades: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < ranked.length && grades.length < depth; i++) {
    const id = ranked[i];
    if (seen.has(id)) continue;
    seen.add(id);
    const g = qrels.get(id) ?? 0;
    grades.push(g > 0 ? g : 0);
  }
  return grades;
}

function idealGrades(qrels: Qrels): number[] {
  const ideal: number[] = [];
  for (const g of qrels.values()) if (g > 0) ideal.push(g);
  return ideal.sort((a, b) => b - a);
}

function relevantCount(qrels: Qrels): number {
  let n = 0;
  for (const g of qrels.values()) if (g > 0) n++;
  return n;
}

function ndcgOf(grades: readonly number[], ideal: readonly number[], k: number): number {
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i] / Math.log2(i + 2);
  if (idcg === 0) return 0;
  let dcg = 0;
  for (let i = 0; i < Math.min(k, grades.length); i++) if (grades[i] > 0) dcg += grades[i] / Math.log2(i + 2);
  return dcg / idcg;
}

function relevantIn(grades: readonly number[], k: number): number {
  let n = 0;
  for (let i = 0; i < Math.min(k, grades.length); i++) if (grades[i] > 0) n++;
  return n;
}

function reciprocalOf(grades: readonly number[], k: number): number {
  for (let i = 0; i < Math.min(k, grades.length); i++) if (grades[i] > 0) return 1 / (i + 1);
  return 0;
}

function averagePrecisionOf(grades: readonly number[], relevant: number, k: number): number {
  if (relevant === 0) return 0;
  let found = 0;
  let sum = 0;
  for (let i = 0; i < Math.min(k, grades.length); i++) {
    if (grades[i] > 0) sum += ++found / (i + 1);
  }
  return sum / relevant;
}
