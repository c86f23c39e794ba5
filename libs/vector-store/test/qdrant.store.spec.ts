import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@ragops/contracts';
import type { ChunkRecord, HybridQuery } from '@ragops/rag';
import { describeVectorStoreContract, QdrantDoubleServer, type QdrantSpecVersion } from '@ragops/testing';
import { QdrantVectorStore, type QdrantVectorStoreOptions } from '../src/qdrant.store.js';
import { qdrantPointId } from '../src/qdrant.point-id.js';

const SPECS: QdrantSpecVersion[] = ['1.16', '1.19'];
const run = Math.random().toString(36).slice(2, 8);

function chunk(docId: string, i: number, dense: number[], extra: Partial<ChunkRecord> = {}): ChunkRecord {
  return {
    chunkId: `${docId}#${i}`,
    docId,
    tenant: 't1',
    chunkIndex: i,
    docHash: `h-${docId}`,
    text: `${docId} ${i}`,
    dense,
    sparse: { indices: [1, 2], values: [0.5, 1.5] },
    ...extra,
  };
}

const q = (over: Partial<HybridQuery> = {}): HybridQuery => ({ tenant: 't1', topK: 10, candidates: 10, rrfK: 60, dense: [1, 0, 0, 0], ...over });

/** Every request the double received, as "METHOD /path?query" (for asserting what the adapter sent). */
const sent = (double: QdrantDoubleServer) => double.requests.map((r) => `${r.method} ${r.path}${r.query.size ? `?${r.query}` : ''}`);

// ---- the shared contract, over the spec-validating double, for each spec version -----------------------------------

for (const spec of SPECS) {
  let double: QdrantDoubleServer;
  describeVectorStoreContract(`QdrantVectorStore over the Qdrant ${spec} double`, async () => {
    double = await QdrantDoubleServer.start({ spec });
    return {
      store: new QdrantVectorStore({ url: double.url, collectionPrefix: `c${run}_`, upsertBatchSize: 2 }),
      cleanup: async () => {
        // The adapter never sent a request the spec (or the double) rejects, and the double's answers conform.
        expect(double.violations).toEqual([]);
        expect(double.requests.length).toBeGreaterThan(100);
        await double.close();
      },
    };
  });
}

// ---- the same contract against a real Qdrant, only when one is configured ------------------------------------------

// QDRANT_URL (and QDRANT_API_KEY) point this suite at a real server, e.g. `docker run -p 6333:6333 qdrant/qdrant`.
// Without it the describe is not registered at all (no skipped tests): the double above stands in for Qdrant.
const realUrl = process.env.QDRANT_URL;
if (realUrl) {
  const prefix = `ragops_test_${run}_`;
  describeVectorStoreContract(`QdrantVectorStore against the real Qdrant at ${realUrl}`, async () => {
    const options: QdrantVectorStoreOptions = { url: realUrl, apiKey: process.env.QDRANT_API_KEY, collectionPrefix: prefix, timeoutMs: 30_000 };
    return {
      store: new QdrantVectorStore(options),
      cleanup: async () => {
        // Remove everything this run created: aliases first (dropIndex refuses aliased indexes), then indexes.
        const janitor = new QdrantVectorStore(options);
        for (const ix of await janitor.listIndexes()) {
          for (const a of ix.aliases) await janitor.deleteAlias(a);
          await janitor.dropIndex(ix.name);
        }
      },
    };
  });
}

// ---- adapter-specific behaviour ------------------------------------------------------------------------------------

describe.each(SPECS)('QdrantVectorStore specifics (Qdrant %s double)', (spec) => {
  let double: QdrantDoubleServer;
  let counter = 0;
  const prefix = () => `s${run}_${++counter}_`;
  const open = (over: Partial<QdrantVectorStoreOptions> = {}) => new QdrantVectorStore({ url: double.url, collectionPrefix: prefix(), ...over });

  beforeAll(async () => {
    double = await QdrantDoubleServer.start({ spec });
  });

  afterAll(async () => {
    // Fault tests make the double answer errors on purpose; none of them is a request the spec rejects.
    expect(double.violations).toEqual([]);
    await double.close();
  });

  it('creates one collection per index with cosine dense + IDF sparse vectors and keyword payload indexes', async () => {
    const store = open({ collectionPrefix: `layout${run}_` });
    await store.ensureIndex('docs-v1', { dimensions: 4 });
    await store.ensureIndex('docs-v1', { dimensions: 4 });
    const create = double.requests.filter((r) => r.operation === 'create_collection');
    expect(create).toHaveLength(1);
    expect(create[0].path).toBe(`/collections/layout${run}_docs-v1`);
    expect(create[0].body).toEqual({ vectors: { dense: { size: 4, distance: 'Cosine' } }, sparse_vectors: { sparse: { modifier: 'idf' } } });
    expect(double.payloadIndexes(`layout${run}_docs-v1`)).toEqual({ tenant: 'keyword', docId: 'keyword', source: 'keyword', docKey: 'keyword' });
  });

  it('derives point ids from tenant and chunk id: deterministic, and apart across tenants', async () => {
    const store = open();
    await store.ensureIndex('i', { dimensions: 4 });
    double.reset();
    await store.upsert('i', [chunk('a', 0, [1, 0, 0, 0]), chunk('a', 0, [0, 1, 0, 0], { tenant: 't2' })]);
    const ids = (double.requests[0].body as { points: { id: string }[] }).points.map((p) => p.id);
    expect(ids).toEqual([qdrantPointId('t1', 'a#0'), qdrantPointId('t2', 'a#0')]);
    expect(ids[0]).not.toBe(ids[1]);
    // Upserting again overwrites the same points.
    await store.upsert('i', [chunk('a', 0, [1, 0, 0, 0], { text: 'again' })]);
    expect(await store.stats('i')).toEqual({ chunks: 2, documents: 2 });
    expect((await store.search('i', q({ topK: 1 })))[0].text).toBe('again');
  });

  it('sends upserts in batches of upsertBatchSize, each waited for', async () => {
    const store = open({ upsertBatchSize: 3 });
    await store.ensureIndex('i', { dimensions: 4 });
    double.reset();
    const chunks = Array.from({ length: 8 }, (_, i) => chunk(`d${i}`, 0, [1, i, 0, 0]));
    await store.upsert('i', chunks);
    const upserts = double.requests.filter((r) => r.operation === 'upsert_points');
    expect(upserts.map((r) => (r.body as { points: unknown[] }).points.length)).toEqual([3, 3, 2]);
    expect(upserts.every((r) => r.query.get('wait') === 'true')).toBe(true);
    expect(await store.stats('i')).toEqual({ chunks: 8, documents: 8 });
  });

  it('checks the whole batch before sending any of it', async () => {
    const store = open({ upsertBatchSize: 1 });
    await store.ensureIndex('i', { dimensions: 4 });
    double.reset();
    const unsorted = { ...chunk('b', 0, [1, 0, 0, 0]), sparse: { indices: [5, 3], values: [1, 1] } };
    await expect(store.upsert('i', [chunk('a', 0, [1, 0, 0, 0]), unsorted])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.upsert('i', [chunk('a', 0, [1, 0, 0, 0]), chunk('b', 0, [1, 0, 0])])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(double.requests).toEqual([]);
    // A dimension the index does not have fails on the first batch, so nothing is written.
    await expect(store.upsert('i', [chunk('a', 0, [1, 0, 0]), chunk('b', 0, [1, 0, 0])])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('expected dim: 4, got 3'),
    });
    expect(await store.stats('i')).toEqual({ chunks: 0, documents: 0 });
  });

  it('searches with one Query API call: prefetches fused by RRF with k = rrfK + 1, the filter everywhere', async () => {
    const store = open();
    await store.ensureIndex('i', { dimensions: 2 });
    await store.upsert('i', [
      chunk('a', 0, [1, 0], { sparse: { indices: [1], values: [1] } }),
      chunk('b', 0, [0.6, 0.8], { sparse: { indices: [2], values: [1] } }),
    ]);
    double.reset();
    const hits = await store.search('i', q({ dense: [1, 0], sparse: { indices: [1], values: [1] }, rrfK: 10, candidates: 5, topK: 3, filter: { source: ['x', 'y'] } }));
    expect(hits).toEqual([]); // no chunk has a source
    const all = await store.search('i', q({ dense: [1, 0], sparse: { indices: [1], values: [1] }, rrfK: 10 }));
    // The port's RRF: Σ 1/(rrfK + rank), ranks from 1: a is first in both legs, b second in the dense leg only.
    expect(all.map((h) => [h.docId, h.score])).toEqual([
      ['a', expect.closeTo(2 / 11, 6)],
      ['b', expect.closeTo(1 / 12, 6)],
    ]);
    expect(sent(double)).toEqual([
      `POST /collections/${store.collectionPrefix}i/points/query?timeout=10`,
      `POST /collections/${store.collectionPrefix}i/points/query?timeout=10`,
    ]);
    const body = double.requests[0].body as Record<string, unknown>;
    const filter = {
      must: [
        { key: 'tenant', match: { value: 't1' } },
        { key: 'source', match: { any: ['x', 'y'] } },
      ],
    };
    expect(body).toEqual({
      prefetch: [
        { query: [1, 0], using: 'dense', limit: 5, filter },
        { query: { indices: [1], values: [1] }, using: 'sparse', limit: 5, filter },
      ],
      query: { rrf: { k: 11 } },
      filter,
      limit: 3,
      with_payload: ['chunkId', 'docId', 'text', 'title', 'source', 'metadata'],
    });
  });

  it('maps filters to Qdrant conditions: quoted dotted keys, ranges for fractions, mixed lists as a nested OR', async () => {
    const store = open();
    await store.ensureIndex('i', { dimensions: 2 });
    await store.upsert('i', [
      chunk('a', 0, [1, 0], { metadata: { 'v.x': 'one', score: 0.5, n: 2 } }),
      chunk('b', 0, [1, 0], { metadata: { 'v.x': 'two', score: 1.5, n: 3 } }),
      chunk('c', 0, [1, 0], { metadata: { v: { x: 'one' }, n: '2' } as never }),
    ]);
    const docs = async (filter: Record<string, unknown>) => (await store.search('i', q({ dense: [1, 0], filter: filter as never }))).map((h) => h.docId).sort();
    expect(await docs({ 'metadata.v.x': 'one' })).toEqual(['a']);
    expect(await docs({ 'metadata.score': 0.5 })).toEqual(['a']);
    expect(await docs({ 'metadata.score': [1.5, 7] })).toEqual(['b']);
    expect(await docs({ 'metadata.n': 2 })).toEqual(['a']);
    expect(await docs({ 'metadata.n': ['2', 3] })).toEqual(['b', 'c']);
    expect(await docs({ docId: ['a', 'a', 'b'] })).toEqual(['a', 'b']);
    await expect(docs({ tenant: 't2' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('reports the newest version of a document, and counts what deleteDocument removed', async () => {
    const clock = new ManualClock(1_000);
    const store = open({ clock });
    await store.ensureIndex('i', { dimensions: 2 });
    await store.upsert('i', [0, 1, 2].map((i) => chunk('d', i, [1, 0], { docHash: 'v1' })));
    // Same millisecond: the stamps still order the two writes.
    await store.upsert('i', [0, 1].map((i) => chunk('d', i, [1, 0], { docHash: 'v2' })));
    expect(await store.documentHash('i', 't1', 'd')).toBe('v2');
    expect(await store.documentHash('i', 't2', 'd')).toBeUndefined();
    expect(await store.deleteDocument('i', 't1', 'd', { exceptHash: 'v2' })).toBe(1);
    expect(await store.deleteDocument('i', 't1', 'd', { exceptHash: 'v2' })).toBe(0);
    expect(await store.documentHash('i', 't1', 'd')).toBe('v2');
    // A document larger than one scroll page, whose newest chunk sorts anywhere among the point ids.
    await store.upsert('i', Array.from({ length: 600 }, (_, i) => chunk('big', i, [0, 1], { docHash: 'early' })));
    await store.upsert('i', [chunk('big', 299, [0, 1], { docHash: 'late' })]);
    expect(await store.documentHash('i', 't1', 'big')).toBe('late');
    expect(await store.stats('i')).toEqual({ chunks: 602, documents: 2 });
  });

  it('switches an alias with one change-aliases call: delete then create', async () => {
    const store = open();
    await store.ensureIndex('v1', { dimensions: 2 });
    await store.ensureIndex('v2', { dimensions: 2 });
    await store.switchAlias('live', 'v1');
    double.reset();
    await store.switchAlias('live', 'v2');
    const change = double.requests.filter((r) => r.operation === 'update_aliases');
    expect(change).toHaveLength(1);
    const p = store.collectionPrefix;
    expect(change[0].body).toEqual({
      actions: [{ delete_alias: { alias_name: `${p}live` } }, { create_alias: { alias_name: `${p}live`, collection_name: `${p}v2` } }],
    });
    // Another deployment's collections (other prefix) are not ours to list.
    const other = open();
    await other.ensureIndex('v1', { dimensions: 2 });
    expect(await store.listIndexes()).toEqual([
      { name: 'v1', aliases: [] },
      { name: 'v2', aliases: ['live'] },
    ]);
  });

  it('answers names that cannot be indexes without a request', async () => {
    const store = open();
    double.reset();
    await expect(store.search('../x', q())).rejects.toMatchObject({ code: 'UNKNOWN_INDEX' });
    await expect(store.upsert('a/b', [chunk('a', 0, [1, 0, 0, 0])])).rejects.toMatchObject({ code: 'UNKNOWN_INDEX' });
    expect(await store.hasIndex('a?b')).toBe(false);
    expect(await store.dropIndex('..')).toBe(false);
    expect(double.requests).toEqual([]);
  });

  describe('errors', () => {
    it('maps a 500 to UPSTREAM_FAILED and a 503 to UNAVAILABLE, with Qdrant’s message', async () => {
      const store = open();
      await store.ensureIndex('i', { dimensions: 4 });
      double.inject({ status: 500, message: 'Service internal error: disk full' });
      await expect(store.search('i', q())).rejects.toMatchObject({
        code: 'UPSTREAM_FAILED',
        message: expect.stringContaining('disk full'),
        details: expect.objectContaining({ status: 500 }),
      });
      double.inject({ status: 503, message: 'Service unavailable: recovering' });
      await expect(store.stats('i')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      double.inject({ status: 500, message: 'Timeout error: Operation Search timed out after 10 seconds' });
      await expect(store.search('i', q())).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      // The store keeps working once Qdrant does.
      expect(await store.search('i', q())).toEqual([]);
    });

    it('maps a hung server to DEADLINE_EXCEEDED within the timeout', async () => {
      const store = open({ timeoutMs: 300 });
      await store.ensureIndex('i', { dimensions: 4 });
      double.inject({ hang: true });
      const started = performance.now();
      await expect(store.search('i', q())).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', message: expect.stringContaining('300 ms') });
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(2_000);
    });

    it('maps 401 to UNAUTHENTICATED naming the key, and sends the configured key', async () => {
      const secured = await QdrantDoubleServer.start({ spec, apiKey: 'secret' });
      try {
        const warn = console.warn;
        console.warn = () => undefined; // the client warns about a key over plain http
        try {
          const wrong = new QdrantVectorStore({ url: secured.url, apiKey: 'nope' });
          await expect(wrong.hasIndex('i')).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('QDRANT_API_KEY') });
          const right = new QdrantVectorStore({ url: secured.url, apiKey: 'secret' });
          await right.ensureIndex('i', { dimensions: 2 });
          expect(await right.hasIndex('i')).toBe(true);
        } finally {
          console.warn = warn;
        }
        expect(secured.violations).toEqual([]);
      } finally {
        await secured.close();
      }
    });

    it('maps a dropped connection to UPSTREAM_FAILED', async () => {
      const store = open();
      await store.ensureIndex('i', { dimensions: 4 });
      double.inject({ dropConnection: true });
      await expect(store.stats('i')).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
    });

    it('maps a stopped server to UNAVAILABLE', async () => {
      const gone = await QdrantDoubleServer.start({ spec });
      const store = new QdrantVectorStore({ url: gone.url });
      await store.ensureIndex('i', { dimensions: 4 });
      const url = gone.url;
      await gone.close();
      // A client that talked to the server before holds a pooled keep-alive socket; whether its first request after
      // the stop sees "refused" or "reset" depends on when it notices the FIN (a reset is UPSTREAM_FAILED, above).
      // A client without one sees what a replica starting against a stopped Qdrant sees: connection refused.
      const fresh = new QdrantVectorStore({ url });
      await expect(fresh.search('i', q())).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('QDRANT_URL') });
      await expect(fresh.hasIndex('i')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });

    it('maps an answer that is not Qdrant’s to UPSTREAM_FAILED', async () => {
      const server: Server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"result": {"points": [');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const store = new QdrantVectorStore({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
        await expect(store.search('i', q())).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it('refuses bad options up front', () => {
      expect(() => new QdrantVectorStore({ url: 'qdrant:6333' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
      expect(() => open({ timeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
      expect(() => open({ upsertBatchSize: 0 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
      expect(() => open({ collectionPrefix: 'has space' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    });

    it('refuses every call once closed', async () => {
      const store = open();
      await store.close();
      await expect(store.hasIndex('i')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });
  });
});
