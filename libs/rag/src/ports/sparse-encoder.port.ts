import type { SparseVector } from '@ragops/contracts';

/** Lexical encoder (BM25 in @ragops/search): document side carries term weights, query side the terms. */
export interface SparseEncoder {
  encodeDocument(text: string): SparseVector;
  encodeQuery(text: string): SparseVector;
}
