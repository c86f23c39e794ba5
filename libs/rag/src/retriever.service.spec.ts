import { describe, expect, it } from '@jest/globals';
import { ManualClock, type RequestContext } from '@ragops/contracts';
import { createBm25Encoder } from '@ragops/search';
import { testContext } from '@ragops/testing';
import { createAnalyzer } from '@ragops/text';
import { MemoryVectorStore } from '@ragops/vector-store';
import type { Embedder, EmbedKind } from './ports/embedder.port.js';
import type { HybridQuery, VectorStore } from './ports/vector-store.port.js';
import { Retriever } from './retriever.service.js';

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
