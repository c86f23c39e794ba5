import { z } from 'zod';
import { Limits } from './limits.js';

/** Retrieval parameters that are part of a release: changing them changes answers. */
export const RetrievalParams = z.strictObject({
  topK: z.number().int().min(1).max(Limits.maxTopK),
  /** hybrid = dense + sparse fused with RRF; dense / sparse = one leg only. */
  mode: z.enum(['hybrid', 'dense', 'sparse']),
  /** RRF constant k (Cormack et al. 2009 use 60). */
  rrfK: z.number().int().min(1).max(1000),
  /** Candidates fetched from each leg before fusion. */
  candidates: z.number().int().min(1).max(1000),
  rerank: z.boolean(),
});
export type RetrievalParams = z.infer<typeof RetrievalParams>;

/**
 * A variant is everything versioned that shapes an answer. A rollout moves traffic between two variants and
 * caches are keyed by {@link variantKey}, so one variant never serves another's answer.
 */
export const Variant = z.strictObject({
  id: z.string().min(1).max(64),
  prompt: z.string().min(1).max(64),
  model: z.string().min(1).max(128),
  /** Index version: a vector-store collection (behind an alias in production). */
  index: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  retrieval: RetrievalParams,
});
export type Variant = z.infer<typeof Variant>;

export function variantKey(v: Variant): string {
  const r = v.retrieval;
  return [v.prompt, v.model, v.index, r.mode, r.topK, r.rrfK, r.candidates, r.rerank ? 'rr' : 'nr'].join('|');
}

export const defaultVariant: Variant = {
  id: 'default',
  prompt: 'rag-answer@1',
  model: 'extractive',
  index: 'default',
  // sparse: with the local embedder, BM25 alone beats hybrid (docs/adr/0005-default-retrieval-mode.md).
  retrieval: { topK: 5, mode: 'sparse', rrfK: 60, candidates: 100, rerank: false },
};
