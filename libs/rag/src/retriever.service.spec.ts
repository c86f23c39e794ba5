import { describe, expect, it } from '@jest/globals';
import { AppError, ManualClock, type ChunkHit, type RequestContext } from '@ragops/contracts';
import { createBm25Encoder } from '@ragops/search';
import { testContext } from '@ragops/testing';
import { createAnalyzer } from '@ragops/text';
import { MemoryVectorStore } from '@ragops/vector-store';
import type { Embedder, EmbedKind } from './ports/embedder.port.js';
import type { Reranker } from './ports/reranker.port.js';
import type { HybridQuery, VectorStore } from './ports/vector-store.port.js';
import { Retriever, type RerankOutcome } from './retriever.service.js';

const sparse = createBm25Encoder({ analyzer: createAnalyzer() });

class FixedEmbedder implements Embedder {
  readonly model = 'fixed';
  readonly dimensions = 2;
  calls = 0;
  async embed(texts: string[], kind: EmbedKind, _ctx: RequestContext): Promise<number[][]> {
    this.calls++;
    expect(kind).toBe('query');
    return texts.map(() => [1, 0]);
  }
}

/** A store that records the query it was given. */
function recordingStore(): { store: VectorStore; queries: HybridQuery[] } {
  const inner = new MemoryVectorStore();
  const queries: HybridQuery[] = [];
  const store: VectorStore = Object.assign(Object.create(inner) as VectorStore, {
    search: async (index: string, q: HybridQuery) => {
      queries.push(q);
      return inner.search(index, q);
    },
  });
  return { store, queries };
}

async function seeded() {
  const { store, queries } = recordingStore();
  await store.ensureIndex('default', { dimensions: 2 });
  await store.upsert('default', [
    { chunkId: 'a#0', docId: 'a', tenant: 'acme', chunkIndex: 0, docHash: 'h', text: 'circuit breakers open', dense: [1, 0], sparse: sparse.encodeDocument('circuit breakers open') },
    { chunkId: 'b#0', docId: 'b', tenant: 'acme', chunkIndex: 0, docHash: 'h', text: 'rate limits', dense: [0, 1], sparse: sparse.encodeDocument('rate limits') },
  ]);
  return { store, queries };
}

describe('Retriever', () => {
  it('hybrid: embeds the query, encodes it lexically, and passes the variant parameters to the store', async () => {
    const { store, queries } = await seeded();
    const embedder = new FixedEmbedder();
    const r = new Retriever(store, embedder, sparse, new ManualClock(0));
    const reply = await r.search({ query: 'circuit breaker', filter: { docId: ['a', 'b'] } }, testContext({ retrieval: { mode: 'hybrid', topK: 3, candidates: 50, rrfK: 60 } }));
    expect(reply.index).toBe('default');
    expect(reply.hits[0].docId).toBe('a');
    expect(embedder.calls).toBe(1);
    expect(queries[0]).toMatchObject({ tenant: 'acme', topK: 3, candidates: 50, rrfK: 60, filter: { docId: ['a', 'b'] } });
    expect(queries[0].dense).toEqual([1, 0]);
    expect(queries[0].sparse?.indices.length).toBeGreaterThan(0);
  });

  it('a request topK overrides the variant and raises candidates to at least topK', async () => {
    const { store, queries } = await seeded();
    await new Retriever(store, new FixedEmbedder(), sparse, new ManualClock(0)).search({ query: 'rate', topK: 150 }, testContext({ retrieval: { candidates: 100 } }));
    expect(queries[0]).toMatchObject({ topK: 150, candidates: 150 });
  });

  it('sparse mode never calls the embedder; dense mode sends no sparse vector', async () => {
    const { store, queries } = await seeded();
    const embedder = new FixedEmbedder();
    const r = new Retriever(store, embedder, sparse, new ManualClock(0));
    await r.search({ query: 'rate limits' }, testContext({ retrieval: { mode: 'sparse' } }));
    expect(embedder.calls).toBe(0);
    expect(queries[0].dense).toBeUndefined();
    await r.search({ query: 'rate limits' }, testContext({ retrieval: { mode: 'dense' } }));
    expect(queries[1].sparse).toBeUndefined();
  });

  it('a stop-word-only query in sparse mode returns no hits without asking the store', async () => {
    const { store, queries } = await seeded();
    const reply = await new Retriever(store, new FixedEmbedder(), sparse, new ManualClock(0)).search({ query: 'the of and' }, testContext({ retrieval: { mode: 'sparse' } }));
    expect(reply.hits).toEqual([]);
    expect(queries).toHaveLength(0);
  });

  it('tenant comes from the context, so another tenant sees nothing', async () => {
    const { store } = await seeded();
    const reply = await new Retriever(store, new FixedEmbedder(), sparse, new ManualClock(0)).search({ query: 'circuit' }, testContext({ tenant: 'other' }));
    expect(reply.hits).toEqual([]);
  });
});

/** A reranker that puts the hits containing `favourite` first, recording what it was given. */
class FavouriteReranker implements Reranker {
  readonly model = 'favourite';
  calls: Array<{ query: string; hits: ChunkHit[]; topN: number }> = [];
  constructor(
    private readonly favourite: string,
    private readonly clock?: ManualClock,
  ) {}
  async rerank(query: string, hits: readonly ChunkHit[], topN: number, _ctx: RequestContext): Promise<ChunkHit[]> {
    this.calls.push({ query, hits: [...hits], topN });
    this.clock?.advance(7);
    return hits
      .map((h, i) => ({ h, score: h.text.includes(this.favourite) ? 1 - i / 100 : 0.5 - i / 100 }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topN)
      .map(({ h, score }) => ({ ...h, score }));
  }
}

class FailingReranker implements Reranker {
  readonly model = 'failing';
  calls = 0;
  async rerank(): Promise<ChunkHit[]> {
    this.calls++;
    throw new AppError('UPSTREAM_FAILED', 'reranker down', { status: 503 });
  }
}

/** Twelve chunks that all match "probe", the ones mentioning "readiness" ranked low by BM25 (long and diluted). */
async function manyChunks() {
  const { store, queries } = recordingStore();
  await store.ensureIndex('default', { dimensions: 2 });
  const texts = Array.from({ length: 12 }, (_, i) =>
    i >= 9 ? `probe ${'filler words here '.repeat(20)} readiness ${i}` : `probe probe note ${i}`,
  );
  await store.upsert(
    'default',
    texts.map((text, i) => ({ chunkId: `d${i}#0`, docId: `d${i}`, tenant: 'acme', chunkIndex: 0, docHash: 'h', text, dense: [1, 0], sparse: sparse.encodeDocument(text) })),
  );
  return { store, queries };
}

describe('Retriever with a reranker', () => {
  const rerankCtx = (topK = 3) => testContext({ retrieval: { mode: 'sparse', topK, rerank: true } });

  it('fetches rerankCandidates fused hits, lets the reranker pick topK, and times it', async () => {
    const { store, queries } = await manyChunks();
    const clock = new ManualClock(0);
    const reranker = new FavouriteReranker('readiness', clock);
    const outcomes: RerankOutcome[] = [];
    const r = new Retriever(store, new FixedEmbedder(), sparse, clock, { reranker, rerankCandidates: 20, observeRerank: (o) => outcomes.push(o) });
    const reply = await r.search({ query: 'probe' }, rerankCtx(3));

    expect(queries[0]).toMatchObject({ topK: 20, candidates: 100 });
    expect(reranker.calls).toHaveLength(1);
    expect(reranker.calls[0]!.hits).toHaveLength(12); // all the store has
    expect(reranker.calls[0]!.topN).toBe(3);
    expect(reranker.calls[0]!.query).toBe('probe');
    // Without rerank the readiness chunks are not in the top 3; with it they lead.
    const plain = await new Retriever(store, new FixedEmbedder(), sparse, clock).search({ query: 'probe' }, testContext({ retrieval: { mode: 'sparse', topK: 3 } }));
    expect(plain.hits.some((h) => h.text.includes('readiness'))).toBe(false);
    expect(reply.hits).toHaveLength(3);
    expect(reply.hits.every((h) => h.text.includes('readiness'))).toBe(true);
    expect(reply.hits.map((h) => h.score)).toEqual([...reply.hits.map((h) => h.score)].sort((a, b) => b - a));
    expect(reply.timings.rerankMs).toBe(7);
    expect(outcomes).toEqual(['applied']);
  });

  it('never asks the store for fewer candidates than topK, and raises the per-leg candidates to match', async () => {
    const { store, queries } = await manyChunks();
    const reranker = new FavouriteReranker('readiness');
    await new Retriever(store, new FixedEmbedder(), sparse, new ManualClock(0), { reranker, rerankCandidates: 5 }).search(
      { query: 'probe', topK: 8 },
      testContext({ retrieval: { mode: 'sparse', rerank: true, candidates: 4 } }),
    );
    expect(queries[0]).toMatchObject({ topK: 8, candidates: 8 });
    expect(reranker.calls[0]!.topN).toBe(8);
  });

  it('skips the reranker for variants without rerank', async () => {
    const { store, queries } = await manyChunks();
    const reranker = new FavouriteReranker('readiness');
    const outcomes: RerankOutcome[] = [];
    const reply = await new Retriever(store, new FixedEmbedder(), sparse, new ManualClock(0), { reranker, observeRerank: (o) => outcomes.push(o) }).search(
      { query: 'probe' },
      testContext({ retrieval: { mode: 'sparse', topK: 3, rerank: false } }),
    );
    expect(reranker.calls).toHaveLength(0);
    expect(queries[0]!.topK).toBe(3);
    expect(reply.timings).not.toHaveProperty('rerankMs');
    expect(outcomes).toEqual(['skipped']);
  });

  it('falls back to the fused order cut to topK when the reranker fails, reporting the failure', async () => {
    const { store } = await manyChunks();
    const reranker = new FailingReranker();
    const seen: Array<[RerankOutcome, string | undefined]> = [];
    const r = new Retriever(store, new FixedEmbedder(), sparse, new ManualClock(0), { reranker, observeRerank: (o, e) => seen.push([o, e?.code]) });
    const reply = await r.search({ query: 'probe' }, rerankCtx(3));
    const plain = await new Retriever(store, new FixedEmbedder(), sparse, new ManualClock(0)).search({ query: 'probe' }, testContext({ retrieval: { mode: 'sparse', topK: 3 } }));
    expect(reply.hits.map((h) => h.chunkId)).toEqual(plain.hits.map((h) => h.chunkId));
    expect(seen).toEqual([['failed', 'UPSTREAM_FAILED']]);
    expect(reranker.calls).toBe(1);
  });

  it('fails the search instead when configured to', async () => {
    const { store } = await manyChunks();
    const r = new Retriever(store, new FixedEmbedder(), sparse, new ManualClock(0), { reranker: new FailingReranker(), onRerankError: 'fail' });
    await expect(r.search({ query: 'probe' }, rerankCtx())).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
  });

  it('treats a variant asking for rerank without a configured reranker as a failed rerank', async () => {
    const { store } = await manyChunks();
    const seen: Array<[RerankOutcome, string | undefined]> = [];
    const lenient = new Retriever(store, new FixedEmbedder(), sparse, new ManualClock(0), { observeRerank: (o, e) => seen.push([o, e?.code]) });
    expect((await lenient.search({ query: 'probe' }, rerankCtx(3))).hits).toHaveLength(3);
    expect(seen).toEqual([['failed', 'UNAVAILABLE']]);
    const strict = new Retriever(store, new FixedEmbedder(), sparse, new ManualClock(0), { onRerankError: 'fail' });
    await expect(strict.search({ query: 'probe' }, rerankCtx())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('refuses a bad rerankCandidates', () => {
    const { store } = recordingStore();
    for (const bad of [0, 1.5, 1001]) {
      expect(() => new Retriever(store, new FixedEmbedder(), sparse, new ManualClock(0), { rerankCandidates: bad })).toThrow(AppError);
    }
  });
});
