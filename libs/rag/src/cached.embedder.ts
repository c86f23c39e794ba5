import { createHash } from 'node:crypto';
import { AppError, type RequestContext } from '@ragops/contracts';
import type { Cache } from './ports/cache.port.js';
import type { EmbedKind, Embedder } from './ports/embedder.port.js';

export interface CachedEmbedderOptions {
  ttlMs: number;
  /**
   * Which kinds are cached. Default queries only: they repeat (popular questions, retries, evaluation runs), while
   * a document's chunks are embedded once per content change and would only crowd queries out of the cache.
   */
  kinds?: EmbedKind[];
  /** Cache namespace. Default `embeddings`. */
  namespace?: string;
  /** Told about every lookup (for hit/miss metrics). */
  onLookup?: (outcome: 'hit' | 'miss', count: number) => void;
  /** Told when the cache failed and the embedder was asked instead (for logs and metrics). */
  onCacheError?: (error: AppError) => void;
}

/**
 * An Embedder that remembers vectors by model, dimensions, kind and text. The cache fails open: when it is down
 * or slow (UNAVAILABLE), texts are embedded as if they were misses, because a slower answer beats none. Any other
 * cache error is a bug and propagates. Vectors are stored as JSON so a cached vector is bit-identical to a fresh
 * one (a float32 encoding would be half the size but change local-embedder scores in the last digits).
 */
export class CachedEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  private readonly ns: string;

  constructor(
    private readonly inner: Embedder,
    private readonly cache: Cache,
    private readonly options: CachedEmbedderOptions,
  ) {
    this.model = inner.model;
    this.dimensions = inner.dimensions;
    this.ns = options.namespace ?? 'embeddings';
  }

  async embed(texts: string[], kind: EmbedKind, ctx: RequestContext): Promise<number[][]> {
    if (texts.length === 0) return [];
    if (!(this.options.kinds ?? ['query']).includes(kind)) return this.inner.embed(texts, kind, ctx);
    const keys = texts.map((t) => this.keyOf(t, kind));
    const found = await this.lookup(keys);
    const out: number[][] = new Array(texts.length);
    // Each distinct missing text is embedded once, however often it appears in the batch.
    const missing = new Map<string, number[]>();
    found.forEach((vector, i) => {
      if (vector) out[i] = vector;
      else missing.set(keys[i]!, [...(missing.get(keys[i]!) ?? []), i]);
    });
    const hits = texts.length - [...missing.values()].reduce((n, idx) => n + idx.length, 0);
    if (hits) this.options.onLookup?.('hit', hits);
    if (missing.size === 0) return out;
    this.options.onLookup?.('miss', texts.length - hits);

    const positions = [...missing.values()];
    const vectors = await this.inner.embed(positions.map((idx) => texts[idx[0]!]!), kind, ctx);
    positions.forEach((idx, j) => idx.forEach((i) => (out[i] = vectors[j]!)));
    await this.store([...missing.keys()], vectors);
    return out;
  }

  private keyOf(text: string, kind: EmbedKind): string {
    const digest = createHash('sha256').update(text, 'utf8').digest('base64url');
    return `${this.model}|${this.dimensions}|${kind}|${digest}`;
  }

  private async lookup(keys: string[]): Promise<Array<number[] | undefined>> {
    try {
      const values = await Promise.all(keys.map((k) => this.cache.get(this.ns, k)));
      return values.map((v) => (v === undefined ? undefined : this.decode(v)));
    } catch (error) {
      this.failOpen(error);
      return keys.map(() => undefined);
    }
  }

  private async store(keys: string[], vectors: number[][]): Promise<void> {
    try {
      await Promise.all(keys.map((k, j) => this.cache.set(this.ns, k, JSON.stringify(vectors[j]), { ttlMs: this.options.ttlMs })));
    } catch (error) {
      this.failOpen(error);
    }
  }

  /** A value that is not a vector of the right length counts as a miss (an old format, a foreign writer). */
  private decode(value: string): number[] | undefined {
    try {
      const v = JSON.parse(value) as unknown;
      return Array.isArray(v) && v.length === this.dimensions && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
    } catch {
      return undefined;
    }
  }

  private failOpen(error: unknown): void {
    if (error instanceof AppError && error.code === 'UNAVAILABLE') {
      this.options.onCacheError?.(error);
      return;
    }
    throw error;
  }
}
