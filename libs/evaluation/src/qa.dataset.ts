import type { Qrels } from './ir.metrics.js';
import type { QaExample } from './qa.parser.js';

/**
 * Qrels from the QA rows' `relevant_doc_ids`, for a QA dataset whose rows are the queries. Rows without relevant
 * docs get no entry: they are unjudged, so retrieval metrics leave them out instead of scoring them 0.
 */
export function qrelsFromQa(examples: readonly QaExample[]): Map<string, Qrels> {
  const out = new Map<string, Qrels>();
  for (const ex of examples) if (ex.relevantDocs.size) out.set(ex.id, new Map(ex.relevantDocs));
  return out;
}

/**
 * Joins QA rows to the queries of a BEIR dataset by id: a row whose id is a query id gives that query its ground
 * truth. `unmatched` lists the rows' ids that name no query (in file order), for the caller to refuse.
 */
export function matchQaToQueries(examples: readonly QaExample[], queryIds: ReadonlySet<string>): { byId: Map<string, QaExample>; unmatched: string[] } {
  const byId = new Map<string, QaExample>();
  const unmatched: string[] = [];
  for (const ex of examples) {
    if (queryIds.has(ex.id)) byId.set(ex.id, ex);
    else unmatched.push(ex.id);
  }
  return { byId, unmatched };
}
