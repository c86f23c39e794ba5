import { mean, ndcgAtK, recallAtK, reciprocalRank, type Qrels } from '@ragops/evaluation';

/**
 * Chunk hits, best first, to document ids, best first: a document ranks where its best chunk ranks (first
 * occurrence), the usual max-passage aggregation for evaluating a chunked index against document-level qrels.
 */
export function collapseToDocuments(hits: readonly { docId: string }[]): string[] {
  const seen = new Set<string>();
  const docs: string[] = [];
  for (const h of hits) {
    if (seen.has(h.docId)) continue;
    seen.add(h.docId);
    docs.push(h.docId);
  }
  return docs;
}

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
    if (ignoreIdentical) ranked = ranked.filter((d) => d !== queryId);
    ndcg.push(ndcgAtK(ranked, judged, 10));
    recall.push(recallAtK(ranked, judged, 100));
    mrr.push(reciprocalRank(ranked, judged, 10));
  }
  return { queries: qrels.size, ndcg10: mean(ndcg), recall100: mean(recall), mrr10: mean(mrr) };
}
