import { AppError, type DocumentMetadata, type SearchFilter } from '@ragops/contracts';

/** The payload fields a filter can test. */
export interface FilterablePayload {
  docId: string;
  source?: string;
  metadata?: DocumentMetadata;
}

export type PayloadPredicate = (payload: FilterablePayload) => boolean;

type Scalar = string | number | boolean;

/** The keys a SearchFilter may use (as the contracts schema says); adapters check them the same way. */
export const FILTER_KEY = /^(docId|source|metadata\.[a-zA-Z0-9_.-]{1,64})$/;

/**
 * Compiles a SearchFilter once per query into a predicate: every key must match (AND); an array filter value
 * matches any of its elements (OR); a metadata array field matches if any of its elements does. Values compare
 * strictly by type (the number 1 never matches the string "1"), as Qdrant's keyword and integer matches do.
 * Returns undefined for an empty filter, so callers can skip the call entirely.
 */
export function compileFilter(filter: SearchFilter | undefined): PayloadPredicate | undefined {
  if (!filter) return undefined;
  const tests: PayloadPredicate[] = [];
  for (const [key, raw] of Object.entries(filter)) {
    if (!FILTER_KEY.test(key)) {
      throw new AppError('VALIDATION_FAILED', `filter key '${key}' is not docId, source or metadata.<key>`, { key });
    }
    const wanted = new Set<Scalar>(Array.isArray(raw) ? raw : [raw]);
    if (key === 'docId') tests.push((p) => wanted.has(p.docId));
    else if (key === 'source') tests.push((p) => p.source !== undefined && wanted.has(p.source));
    else {
      const field = key.slice('metadata.'.length);
      tests.push((p) => {
        const value = p.metadata?.[field];
        if (value === undefined) return false;
        if (Array.isArray(value)) return value.some((v) => wanted.has(v));
        return wanted.has(value);
      });
    }
  }
  if (tests.length === 0) return undefined;
  if (tests.length === 1) return tests[0];
  return (p) => tests.every((t) => t(p));
}
