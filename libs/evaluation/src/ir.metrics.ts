/**
 * Retrieval metrics with trec_eval's definitions. `qrels` maps doc id → graded relevance (> 0 relevant);
 * `ranked` is the system's doc ids, best first, without duplicates.
 */
export type Qrels = ReadonlyMap<string, number>;

/** nDCG@k with linear gains (trec_eval `ndcg_cut`): DCG = Σ rel_i / log2(i + 1), i 1-based; IDCG from the qrels. */
export function ndcgAtK(ranked: readonly string[], qrels: Qrels, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    const rel = qrels.get(ranked[i]) ?? 0;
    if (rel > 0) dcg += rel / Math.log2(i + 2);
  }
  const ideal = [...qrels.values()].filter((r) => r > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i] / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Share of the relevant documents found in the top k. */
export function recallAtK(ranked: readonly string[], qrels: Qrels, k: number): number {
  const relevant = [...qrels.values()].filter((r) => r > 0).length;
  if (relevant === 0) return 0;
  let found = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if ((qrels.get(ranked[i]) ?? 0) > 0) found++;
  return found / relevant;
}

/** Reciprocal rank of the first relevant document (0 when none is retrieved within k). */
export function reciprocalRank(ranked: readonly string[], qrels: Qrels, k = Infinity): number {
  for (let i = 0; i < Math.min(k, ranked.length); i++) if ((qrels.get(ranked[i]) ?? 0) > 0) return 1 / (i + 1);
  return 0;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
