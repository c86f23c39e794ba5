/** A ranked list from one retriever: ids best first. */
export type Ranking = readonly string[];

export interface Fused {
  id: string;
  score: number;
}

/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): score(d) = Σ_lists w / (k + rank(d)), rank
 * 1-based. Scale-free, so dense cosine and BM25 scores need no normalisation. Ties keep first-seen order.
 */
export function reciprocalRankFusion(rankings: readonly Ranking[], k = 60, weights?: readonly number[]): Fused[] {
  const scores = new Map<string, number>();
  rankings.forEach((ranking, list) => {
    const w = weights?.[list] ?? 1;
    ranking.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + w / (k + i + 1)));
  });
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
