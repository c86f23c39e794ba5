import { describe, expect, it } from '@jest/globals';
import { AppError, defaultVariant, type RequestContext } from '@ragops/contracts';
import { CachedEmbedder } from './cached.embedder.js';
import type { Cache, CacheSetOptions } from './ports/cache.port.js';
import type { EmbedKind, Embedder } from './ports/embedder.port.js';

const ctx: RequestContext = { requestId: 'r', tenant: 't', deadline: Number.MAX_SAFE_INTEGER, variant: defaultVariant };

class CountingEmbedder implements Embedder {
  readonly model = 'm';
  readonly dimensions = 2;
  readonly calls: Array<{ texts: string[]; kind: EmbedKind }> = [];
  async embed(texts: string[], kind: EmbedKind): Promise<number[][]> {
    this.calls.push({ texts, kind });
    return texts.map((t) => [t.length, kind === 'query' ? 1 : 0.1 + 0.2]);
  }
}

class MapCache implements Cache {
  readonly data = new Map<string, string>();
  down = false;
  failWith?: Error;
  readonly ttls: number[] = [];
  private check() {
    if (this.failWith) throw this.failWith;
    if (this.down) throw new AppError('UNAVAILABLE', 'cache down');
  }
  async get(ns: string, key: string) {
    this.check();
    return this.data.get(`${ns}:${key}`);
  }
  async set(ns: string, key: string, value: string, opts: CacheSetOptions) {
    this.check();
    this.ttls.push(opts.ttlMs);
    this.data.set(`${ns}:${key}`, value);
  }
  async delete() {
    return false;
  }
  async invalidatePrefix() {
    return 0;
  }
  async invalidateTag() {
    return 0;
  }
  async health() {}
}

function setup() {
  const inner = new CountingEmbedder();
  const cache = new MapCache();
  const lookups: Array<[string, number]> = [];
  const errors: AppError[] = [];
  const embedder = new CachedEmbedder(inner, cache, {
    ttlMs: 60_000,
    kinds: ['query', 'document'],
    onLookup: (o, n) => lookups.push([o, n]),
    onCacheError: (e) => errors.push(e),
  });
  return { inner, cache, embedder, lookups, errors };
}

describe('CachedEmbedder', () => {
  it('embeds misses once, then serves them from the cache with identical values', async () => {
    const { inner, cache, embedder, lookups } = setup();
    const first = await embedder.embed(['alpha', 'be'], 'document', ctx);
    const second = await embedder.embed(['be', 'alpha', 'gamma'], 'document', ctx);
    expect(second).toEqual([first[1], first[0], [5, 0.1 + 0.2]]);
    expect(inner.calls.map((c) => c.texts)).toEqual([['alpha', 'be'], ['gamma']]);
    expect(lookups).toEqual([['miss', 2], ['hit', 2], ['miss', 1]]);
    expect(cache.ttls.every((t) => t === 60_000)).toBe(true);
    expect(second[0]![1]).toBe(0.1 + 0.2); // JSON round trip keeps float64 exactly
  });

  it('embeds a text repeated within one batch once and returns it at every position', async () => {
    const { inner, embedder } = setup();
    expect(await embedder.embed(['x', 'yy', 'x'], 'query', ctx)).toEqual([[1, 1], [2, 1], [1, 1]]);
    expect(inner.calls[0]!.texts).toEqual(['x', 'yy']);
  });

  it('keeps query and document vectors apart, and carries the inner model identity', async () => {
    const { inner, embedder } = setup();
    await embedder.embed(['t'], 'query', ctx);
    expect(await embedder.embed(['t'], 'document', ctx)).toEqual([[1, 0.1 + 0.2]]);
    expect(inner.calls).toHaveLength(2);
    expect([embedder.model, embedder.dimensions]).toEqual(['m', 2]);
  });

  it('fails open when the cache is down: every text is embedded and the error reported', async () => {
    const { inner, cache, embedder, errors } = setup();
    cache.down = true;
    expect(await embedder.embed(['a', 'b'], 'query', ctx)).toEqual([[1, 1], [1, 1]]);
    expect(inner.calls).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual(['UNAVAILABLE', 'UNAVAILABLE']); // lookup and store
  });

  it('propagates cache errors that are not outages (bugs must not be hidden as misses)', async () => {
    const { cache, embedder } = setup();
    cache.failWith = new AppError('VALIDATION_FAILED', 'bad key');
    await expect(embedder.embed(['a'], 'query', ctx)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('treats an unreadable or wrong-sized cached value as a miss', async () => {
    const { inner, cache, embedder } = setup();
    await embedder.embed(['a', 'bb'], 'query', ctx);
    const [k1, k2] = [...cache.data.keys()];
    cache.data.set(k1!, 'not json');
    cache.data.set(k2!, '[1,2,3]');
    expect(await embedder.embed(['a', 'bb'], 'query', ctx)).toEqual([[1, 1], [2, 1]]);
    expect(inner.calls).toHaveLength(2);
  });

  it('by default caches queries only', async () => {
    const inner = new CountingEmbedder();
    const cache = new MapCache();
    const embedder = new CachedEmbedder(inner, cache, { ttlMs: 1000 });
    await embedder.embed(['d'], 'document', ctx);
    await embedder.embed(['d'], 'document', ctx);
    await embedder.embed(['q'], 'query', ctx);
    await embedder.embed(['q'], 'query', ctx);
    expect(inner.calls.map((c) => c.kind)).toEqual(['document', 'document', 'query']);
    expect(cache.data.size).toBe(1);
  });

  it('an empty batch touches neither cache nor model', async () => {
    const { inner, cache, embedder } = setup();
    cache.down = true;
    expect(await embedder.embed([], 'query', ctx)).toEqual([]);
    expect(inner.calls).toHaveLength(0);
  });
});
