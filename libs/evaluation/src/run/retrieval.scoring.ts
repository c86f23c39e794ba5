import { evaluateRanking, type Qrels } from '../ir.metrics.js';
import type { MetricInfo } from './run.schema.js';

/**
 * Chunk hits, best first, to document ids, best first: a document ranks where its best chunk ranks (first
 * occurrence), the usual max-passage aggregation for scoring a chunked index against document-level qrels.
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

/**
 * BEIR's evaluator drops a retrieved document whose id equals the query id by default
 * (EvaluateRetrieval.evaluate, ignore_identical_ids=True): in some datasets queries are also corpus documents.
 */
export function withoutQueryId(ranked: readonly string[], queryId: string): string[] {
  return ranked.filter((d) => d !== queryId);
}

/**
 * Ids of the retrieval metrics' implementations, recorded in every run. They name the definitions in
 * libs/evaluation/README.md; bump the suffix when a definition changes so old and new runs are not compared.
 */
const IMPLEMENTATIONS = {
  ndcg: 'ragops.ir.ndcg_cut.linear@1',
  recall: 'ragops.ir.recall@1',
  precision: 'ragops.ir.precision@1',
  mrr: 'ragops.ir.recip_rank_cut@1',
  hit: 'ragops.ir.hit@1',
  map: 'ragops.ir.map@1',
} as const;

/** The metrics `scoreRetrieval` produces for these cut-offs, in its key order. */
export function retrievalMetricInfo(ks: readonly number[]): MetricInfo[] {
  const cuts = [...new Set(ks)];
  const out: MetricInfo[] = [];
  for (const name of ['ndcg', 'recall', 'precision', 'mrr', 'hit'] as const) {
    for (const k of cuts) out.push({ key: `${name}@${k}`, kind: 'retrieval', implementation: IMPLEMENTATIONS[name], direction: 'higher' });
  }
  out.push({ key: 'map', kind: 'retrieval', implementation: IMPLEMENTATIONS.map, direction: 'higher' });
  return out;
}

export interface RetrievalScore {
  judged: boolean;
  relevant: number;
  /** Empty when the query is unjudged: zeros there would drag every mean down for a query nothing can answer. */
  metrics: Record<string, number>;
  /** The scored ranking (identical ids dropped when asked). */
  ranked: string[];
}

/** One query's retrieval metrics from its collapsed document ranking. */
export function scoreRetrieval(queryId: string, ranked: readonly string[], qrels: Qrels, ks: readonly number[], ignoreIdenticalIds: boolean): RetrievalScore {
  const docs = ignoreIdenticalIds ? withoutQueryId(ranked, queryId) : [...ranked];
  const evaluation = evaluateRanking(docs, qrels, ks);
  return {
    judged: evaluation.judged,
    relevant: evaluation.relevant,
    metrics: evaluation.judged ? { ...evaluation.metrics } : {},
    ranked: docs,
  };
}
