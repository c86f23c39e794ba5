import type { RequestContext } from '@ragops/contracts';

export type EmbedKind = 'query' | 'document';

/** Port for dense embedders (local, model2vec, OpenAI-compatible, or the embedding service over NATS). */
export interface Embedder {
  readonly model: string;
  readonly dimensions: number;
  /** One vector per text, same order. Bounded by the context's deadline. */
  embed(texts: string[], kind: EmbedKind, ctx: RequestContext): Promise<number[][]>;
}
