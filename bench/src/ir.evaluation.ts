import { mean, ndcgAtK, recallAtK, reciprocalRank, withoutQueryId, type Qrels } from '@ragops/evaluation';

/** Chunk hits → documents (best chunk's rank); shared with `ragops eval run`, which lives in @ragops/evaluation. */
export { collapseToDocuments } from '@ragops/evaluation';

export interface RetrievalScores {
  queries: number;
  ndcg10: number;
  recall100: number;
  mrr10: number;
}

/**
 * Mean nDCG@10, Recall@100 and MRR@10 over every query in `qrels` (a query with no run counts as retrieving
 * nothing). `ignoreIdentical` drops a retrieved document whose id equals the query id, as BEIR's evaluator does
 * by default (EvaluateRetrieval.evaluate, ignore_identical_ids=True).
 */
export function scoreRun(run: ReadonlyMap<string, readonly string[]>, qrels: ReadonlyMap<string, Qrels>, ignoreIdentical = true): RetrievalScores {
  const ndcg: number[] = [];
  const recall: number[] = [];
  const mrr: number[] = [];
  for (const [queryId, judged] of qrels) {
    let ranked = run.get(queryId) ?? [];
    if (ignoreIdentical) ranked = withoutQueryId(ranked, queryId);
    ndcg.push(ndcgAtK(ranked, judged, 10));
    recall.push(recallAtK(ranked, judged, 100));
    mrr.push(reciprocalRank(ranked, judged, 10));
  }
  return { queries: qrels.size, ndcg10: mean(ndcg), recall100: mean(recall), mrr10: mean(mrr) };
}
