import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChunkHit, DocumentMetadata, SearchFilter, SparseVector } from '@ragops/contracts';
import type { ChunkRecord, HybridQuery, VectorStore } from '@ragops/rag';

export interface VectorStoreFixture {
  store: VectorStore;
  /** Runs after the suite has closed the store (drop collections, delete streams…). */
  cleanup?: () => Promise<void>;
}

/** 4-d vectors are enough to make every ranking below hand-checkable. */
const DIM = 4;

interface ChunkSpec {
  docId: string;
  chunkIndex?: number;
  tenant?: string;
  docHash?: string;
  dense: number[];
  /** term id → document weight */
  sparse?: Record<number, number>;
  text?: string;
  title?: string;
  source?: string;
  metadata?: DocumentMetadata;
}

function sparse(weights: Record<number, number>): SparseVector {
  const indices = Object.keys(weights)
    .map(Number)
    .sort((a, b) => a - b);
  return { indices, values: indices.map((i) => weights[i]) };
}

function chunk(s: ChunkSpec): ChunkRecord {
  const chunkIndex = s.chunkIndex ?? 0;
  const record: ChunkRecord = {
    chunkId: `${s.docId}#${chunkIndex}`,
    docId: s.docId,
    tenant: s.tenant ?? 't1',
    chunkIndex,
    docHash: s.docHash ?? `hash-${s.docId}`,
    text: s.text ?? `text of ${s.docId}#${chunkIndex}`,
    dense: s.dense,
    sparse: sparse(s.sparse ?? {}),
  };
  if (s.title !== undefined) record.title = s.title;
  if (s.source !== undefined) record.source = s.source;
  if (s.metadata !== undefined) record.metadata = s.metadata;
  return record;
}

function query(q: Partial<HybridQuery> & Pick<HybridQuery, 'dense' | 'sparse'>): HybridQuery {
  return { tenant: 't1', topK: 10, candidates: 10, rrfK: 60, ...q };
}

const ids = (hits: ChunkHit[]) => hits.map((h) => h.docId);
const idSet = (hits: ChunkHit[]) => [...new Set(ids(hits))].sort();

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ name: 'AppError', code });
}

/**
 * The behaviour every VectorStore adapter must show (see libs/rag/src/ports/vector-store.port.ts). `make` is called
 * once; each test works in its own freshly created index, and the suite closes the store before `cleanup`.
 * Scores are checked where the port fixes them (cosine for dense-only, Σ idf·q·d for sparse-only); fused scores only
 * by order and by thresholds with wide margins, since adapters may count RRF ranks from 0 or from 1.
 */
export function describeVectorStoreContract(name: string, make: () => Promise<VectorStoreFixture>): void {
  describe(`VectorStore contract: ${name}`, () => {
    let fixture: VectorStoreFixture | undefined;
    let store: VectorStore;
    const run = Math.random().toString(36).slice(2, 8);
    let counter = 0;

    const freshIndex = async (dimensions = DIM): Promise<string> => {
      const index = `contract_${run}_${++counter}`;
      await store.ensureIndex(index, { dimensions });
      return index;
    };

    beforeAll(async () => {
      fixture = await make();
      store = fixture.store;
    });

    afterAll(async () => {
      try {
        await fixture?.store.close();
      } finally {
        await fixture?.cleanup?.();
      }
    });

    describe('indexes', () => {
      it('creates an index once; the same spec again is a no-op that keeps the data', async () => {
        const index = await freshIndex();
        expect(await store.hasIndex(index)).toBe(true);
        await store.upsert(index, [chunk({ docId: 'a', dense: [1, 0, 0, 0] })]);
        await store.ensureIndex(index, { dimensions: DIM });
        expect(await store.stats(index)).toEqual({ chunks: 1, documents: 1 });
      });

      it('rejects another dimension for an existing index', async () => {
        const index = await freshIndex();
        await expectCode(store.ensureIndex(index, { dimensions: DIM + 1 }), 'VALIDATION_FAILED');
      });

      it('reports UNKNOWN_INDEX for every operation on a missing index', async () => {
        const index = `contract_${run}_missing`;
        expect(await store.hasIndex(index)).toBe(false);
        await expectCode(store.upsert(index, [chunk({ docId: 'a', dense: [1, 0, 0, 0] })]), 'UNKNOWN_INDEX');
        await expectCode(store.search(index, query({ dense: [1, 0, 0, 0] })), 'UNKNOWN_INDEX');
        await expectCode(store.stats(index), 'UNKNOWN_INDEX');
        await expectCode(store.deleteDocument(index, 't1', 'a'), 'UNKNOWN_INDEX');
        await expectCode(store.documentHash(index, 't1', 'a'), 'UNKNOWN_INDEX');
      });

      it('rejects dense vectors of the wrong dimension, stored or queried', async () => {
        const index = await freshIndex();
        await expectCode(store.upsert(index, [chunk({ docId: 'a', dense: [1, 0, 0] })]), 'VALIDATION_FAILED');
        await store.upsert(index, [chunk({ docId: 'b', dense: [1, 0, 0, 0] })]);
        await expectCode(store.search(index, query({ dense: [1, 0, 0, 0, 0] })), 'VALIDATION_FAILED');
        expect(await store.stats(index)).toEqual({ chunks: 1, documents: 1 });
      });

      it('counts chunks and distinct documents', async () => {
        const index = await freshIndex();
        expect(await store.stats(index)).toEqual({ chunks: 0, documents: 0 });
        await store.upsert(index, [
          chunk({ docId: 'a', chunkIndex: 0, dense: [1, 0, 0, 0] }),
          chunk({ docId: 'a', chunkIndex: 1, dense: [0, 1, 0, 0] }),
          chunk({ docId: 'b', dense: [0, 0, 1, 0] }),
        ]);
        await store.upsert(index, []);
        expect(await store.stats(index)).toEqual({ chunks: 3, documents: 2 });
      });
    });

    describe('upsert', () => {
      it('is idempotent by chunkId: the same chunks again change nothing', async () => {
        const index = await freshIndex();
        const chunks = [
          chunk({ docId: 'a', chunkIndex: 0, dense: [1, 0, 0, 0], sparse: { 1: 1 } }),
          chunk({ docId: 'a', chunkIndex: 1, dense: [0, 1, 0, 0], sparse: { 2: 1 } }),
          chunk({ docId: 'b', dense: [0, 0, 1, 0], sparse: { 1: 2 } }),
        ];
        await store.upsert(index, chunks);
        const q = query({ dense: [1, 1, 0, 0], sparse: sparse({ 1: 1, 2: 1 }) });
        const before = await store.search(index, q);
        await store.upsert(index, chunks);
        expect(await store.stats(index)).toEqual({ chunks: 3, documents: 2 });
        expect(await store.search(index, q)).toEqual(before);
      });

      it('replaces a chunk in place: new text, vector and terms; old terms no longer match', async () => {
        const index = await freshIndex();
        await store.upsert(index, [
          chunk({ docId: 'a', dense: [1, 0, 0, 0], sparse: { 10: 1 }, text: 'old' }),
          chunk({ docId: 'b', dense: [0, 0, 0, 1], sparse: { 11: 1 } }),
        ]);
        await store.upsert(index, [chunk({ docId: 'a', dense: [0, 1, 0, 0], sparse: { 20: 1 }, text: 'new' })]);
        expect(await store.stats(index)).toEqual({ chunks: 2, documents: 2 });
        expect(await store.search(index, query({ sparse: sparse({ 10: 1 }) }))).toEqual([]);
        const bySparse = await store.search(index, query({ sparse: sparse({ 20: 1 }) }));
        expect(bySparse.map((h) => [h.chunkId, h.text])).toEqual([['a#0', 'new']]);
        const byDense = await store.search(index, query({ dense: [0, 1, 0, 0], topK: 1 }));
        expect(byDense.map((h) => h.chunkId)).toEqual(['a#0']);
        expect(byDense[0].score).toBeCloseTo(1, 4);
      });

      it('returns the stored payload with each hit', async () => {
        const index = await freshIndex();
        const metadata = { lang: 'en', tags: ['x', 'y'], year: 2020, draft: false };
        await store.upsert(index, [
          chunk({ docId: 'a', dense: [1, 0, 0, 0], text: 'alpha', title: 'Alpha', source: 'file://a.md', metadata }),
          chunk({ docId: 'b', dense: [0, 1, 0, 0], text: 'beta' }),
        ]);
        const hits = await store.search(index, query({ dense: [1, 0, 0, 0] }));
        expect(hits[0]).toEqual({
          chunkId: 'a#0',
          docId: 'a',
          score: expect.any(Number),
          text: 'alpha',
          title: 'Alpha',
          source: 'file://a.md',
          metadata,
        });
        expect(hits[1]).toEqual({ chunkId: 'b#0', docId: 'b', score: expect.any(Number), text: 'beta' });
      });
    });

    describe('search', () => {
      it('dense-only ranks by cosine similarity, whatever the vectors’ lengths', async () => {
        const index = await freshIndex();
        await store.upsert(index, [
          chunk({ docId: 'far', dense: [0, 0, 0, 5] }),
          chunk({ docId: 'exact', dense: [3, 0, 0, 0] }),
          chunk({ docId: 'near', dense: [0.8, 0.6, 0, 0] }),
        ]);
        const hits = await store.search(index, query({ dense: [2, 0, 0, 0] }));
        expect(ids(hits)).toEqual(['exact', 'near', 'far']);
        expect(hits.map((h) => h.score)).toEqual([
          expect.closeTo(1, 4),
          expect.closeTo(0.8, 4),
          expect.closeTo(0, 4),
        ]);
      });

      it('sparse-only returns only chunks sharing a term, by Σ idf·q·d', async () => {
        const index = await freshIndex();
        await store.upsert(index, [
          chunk({ docId: 'one', dense: [1, 0, 0, 0], sparse: { 5: 1 } }),
          chunk({ docId: 'three', dense: [1, 0, 0, 0], sparse: { 5: 3 } }),
          chunk({ docId: 'none', dense: [1, 0, 0, 0], sparse: { 6: 1 } }),
        ]);
        const hits = await store.search(index, query({ sparse: sparse({ 5: 2 }) }));
        expect(ids(hits)).toEqual(['three', 'one']);
        // N = 3 chunks, n = 2 contain term 5.
        const idf = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
        expect(hits[0].score).toBeCloseTo(idf * 2 * 3, 4);
        expect(hits[1].score).toBeCloseTo(idf * 2 * 1, 4);
      });

      it('weights terms by IDF: a rare term outranks a common one of equal weight', async () => {
        const index = await freshIndex();
        const common = 1;
        const rare = 2;
        const chunks = [
          chunk({ docId: 'has-rare', dense: [1, 0, 0, 0], sparse: { [rare]: 1 } }),
          chunk({ docId: 'has-common', dense: [1, 0, 0, 0], sparse: { [common]: 1 } }),
        ];
        for (let i = 0; i < 8; i++) chunks.push(chunk({ docId: `filler${i}`, dense: [0, 1, 0, 0], sparse: { [common]: 0.5, 99: 1 } }));
        await store.upsert(index, chunks);
        const hits = await store.search(index, query({ sparse: sparse({ [common]: 1, [rare]: 1 }), topK: 2 }));
        expect(ids(hits)).toEqual(['has-rare', 'has-common']);
        // N = 10; the rare term is in 1 chunk, the common one in 9.
        expect(hits[0].score).toBeCloseTo(Math.log(1 + (10 - 1 + 0.5) / (1 + 0.5)), 4);
        expect(hits[1].score).toBeCloseTo(Math.log(1 + (10 - 9 + 0.5) / (9 + 0.5)), 4);
      });

      it('hybrid: a chunk found by both legs beats chunks found by one', async () => {
        const index = await freshIndex();
        await store.upsert(index, [
          chunk({ docId: 'dense-best', dense: [1, 0, 0, 0], sparse: { 99: 1 } }),
          chunk({ docId: 'sparse-best', dense: [0, 0, 0, 1], sparse: { 7: 3 } }),
          chunk({ docId: 'both', dense: [0.8, 0.6, 0, 0], sparse: { 7: 1 } }),
          chunk({ docId: 'neither', dense: [0, 0, 1, 0], sparse: { 50: 1 } }),
        ]);
        // Two candidates per leg: dense → dense-best, both; sparse → sparse-best, both.
        const hits = await store.search(index, query({ dense: [1, 0, 0, 0], sparse: sparse({ 7: 1 }), candidates: 2 }));
        expect(ids(hits)[0]).toBe('both');
        expect(idSet(hits)).toEqual(['both', 'dense-best', 'sparse-best']);
        expect(hits[0].score).toBeGreaterThan(hits[1].score);
        expect(hits[1].score).toBeGreaterThan(0);
      });

      it('hybrid with a sparse query matching nothing falls back to the dense ranking', async () => {
        const index = await freshIndex();
        await store.upsert(index, [
          chunk({ docId: 'b', dense: [0.6, 0.8, 0, 0], sparse: { 1: 1 } }),
          chunk({ docId: 'a', dense: [1, 0, 0, 0], sparse: { 1: 1 } }),
        ]);
        const hits = await store.search(index, query({ dense: [1, 0, 0, 0], sparse: sparse({ 12345: 1 }) }));
        expect(ids(hits)).toEqual(['a', 'b']);
      });

      it('returns at most topK hits, best first', async () => {
        const index = await freshIndex();
        await store.upsert(index, [
          chunk({ docId: 'c', dense: [0.6, 0.8, 0, 0] }),
          chunk({ docId: 'a', dense: [1, 0, 0, 0] }),
          chunk({ docId: 'd', dense: [0, 1, 0, 0] }),
          chunk({ docId: 'b', dense: [0.8, 0.6, 0, 0] }),
        ]);
        expect(ids(await store.search(index, query({ dense: [1, 0, 0, 0], topK: 2 })))).toEqual(['a', 'b']);
        const hybrid = await store.search(index, query({ dense: [1, 0, 0, 0], sparse: sparse({ 3: 1 }), topK: 3 }));
        expect(ids(hybrid)).toEqual(['a', 'b', 'c']);
      });

      it('drops hits scoring below scoreThreshold', async () => {
        const index = await freshIndex();
        await store.upsert(index, [
          chunk({ docId: 'a', dense: [1, 0, 0, 0], sparse: { 7: 1 } }),
          chunk({ docId: 'b', dense: [0.8, 0.6, 0, 0], sparse: { 8: 1 } }),
          chunk({ docId: 'c', dense: [0, 1, 0, 0], sparse: { 7: 1 } }),
        ]);
        expect(ids(await store.search(index, query({ dense: [1, 0, 0, 0], scoreThreshold: 0.5 })))).toEqual(['a', 'b']);
        expect(await store.search(index, query({ dense: [1, 0, 0, 0], scoreThreshold: 1.5 }))).toEqual([]);
        // Fused: 'a' is in both legs (≈ 2/61), 'b' and 'c' in one each (≈ 1/62); 0.025 separates them under any
        // rank origin.
        const fused = await store.search(
          index,
          query({ dense: [1, 0, 0, 0], sparse: sparse({ 7: 1 }), candidates: 2, scoreThreshold: 0.025 }),
        );
        expect(ids(fused)).toEqual(['a']);
      });
    });

    describe('filters', () => {
      let index: string;
      beforeAll(async () => {
        index = await freshIndex();
        await store.upsert(index, [
          chunk({
            docId: 'a',
            dense: [1, 0, 0, 0],
            sparse: { 1: 1 },
            source: 's1',
            metadata: { lang: 'en', year: 2020, tags: ['x', 'y'], draft: false },
          }),
          chunk({
            docId: 'b',
            dense: [0.8, 0.6, 0, 0],
            sparse: { 1: 1 },
            source: 's2',
            metadata: { lang: 'de', year: 2021, tags: ['y', 'z'], draft: true },
          }),
          chunk({ docId: 'c', dense: [0.6, 0.8, 0, 0], sparse: { 1: 1 }, source: 's1', metadata: { lang: 'fr', year: 2020 } }),
          chunk({ docId: 'd', dense: [0, 1, 0, 0], sparse: { 1: 1 } }),
        ]);
      });

      const cases: [string, SearchFilter, string[]][] = [
        ['docId', { docId: 'a' }, ['a']],
        ['docId any-of', { docId: ['a', 'c', 'nope'] }, ['a', 'c']],
        ['source', { source: 's1' }, ['a', 'c']],
        ['metadata string', { 'metadata.lang': 'de' }, ['b']],
        ['metadata number', { 'metadata.year': 2020 }, ['a', 'c']],
        ['metadata number any-of', { 'metadata.year': [2021, 1999] }, ['b']],
        ['metadata boolean', { 'metadata.draft': true }, ['b']],
        ['metadata array field, one value', { 'metadata.tags': 'x' }, ['a']],
        ['metadata array field, any-of', { 'metadata.tags': ['x', 'z'] }, ['a', 'b']],
        ['AND across keys', { 'metadata.tags': 'y', source: 's2' }, ['b']],
        ['AND with no overlap', { docId: 'a', source: 's2' }, []],
        ['missing metadata key', { 'metadata.absent': 'v' }, []],
      ];

      it.each(cases)('%s', async (_label, filter, expected) => {
        const dense = await store.search(index, query({ dense: [1, 0, 0, 0], filter }));
        expect(idSet(dense)).toEqual(expected);
        const sparseOnly = await store.search(index, query({ sparse: sparse({ 1: 1 }), filter }));
        expect(idSet(sparseOnly)).toEqual(expected);
        const hybrid = await store.search(index, query({ dense: [1, 0, 0, 0], sparse: sparse({ 1: 1 }), filter }));
        expect(idSet(hybrid)).toEqual(expected);
      });

      it('filters before taking candidates, so a filtered-in chunk ranked low overall is still found', async () => {
        const hits = await store.search(index, query({ dense: [1, 0, 0, 0], candidates: 1, topK: 1, filter: { docId: 'd' } }));
        expect(ids(hits)).toEqual(['d']);
      });
    });

    describe('tenants', () => {
      let index: string;
      beforeAll(async () => {
        index = await freshIndex();
        await store.upsert(index, [
          chunk({ tenant: 'A', docId: 'shared', docHash: 'hA', dense: [1, 0, 0, 0], sparse: { 1: 1 }, text: 'A shared', source: 's' }),
          chunk({ tenant: 'A', docId: 'a-only', docHash: 'hA2', dense: [1, 0, 0, 0], sparse: { 1: 2 }, text: 'A only', source: 's' }),
          chunk({ tenant: 'B', docId: 'shared', docHash: 'hB', dense: [0, 1, 0, 0], sparse: { 2: 1 }, text: 'B shared' }),
        ]);
      });

      it('keeps the same docId in two tenants apart', async () => {
        expect(await store.stats(index)).toEqual({ chunks: 3, documents: 3 });
        expect(await store.documentHash(index, 'A', 'shared')).toBe('hA');
        expect(await store.documentHash(index, 'B', 'shared')).toBe('hB');
        const b = await store.search(index, query({ tenant: 'B', dense: [1, 0, 0, 0], sparse: sparse({ 1: 1, 2: 1 }) }));
        expect(b.map((h) => h.text)).toEqual(['B shared']);
      });

      it('never shows one tenant another’s chunks, even when a filter names them', async () => {
        const filters: (SearchFilter | undefined)[] = [undefined, { docId: 'a-only' }, { docId: ['a-only', 'shared'] }, { source: 's' }];
        for (const filter of filters) {
          const hits = await store.search(index, query({ tenant: 'B', dense: [1, 0, 0, 0], sparse: sparse({ 1: 1 }), filter }));
          expect(hits.every((h) => h.text.startsWith('B'))).toBe(true);
        }
        expect(await store.search(index, query({ tenant: 'C', dense: [1, 0, 0, 0], sparse: sparse({ 1: 1 }) }))).toEqual([]);
        expect(await store.documentHash(index, 'B', 'a-only')).toBeUndefined();
        expect(await store.deleteDocument(index, 'B', 'a-only')).toBe(0);
        expect(await store.documentHash(index, 'A', 'a-only')).toBe('hA2');
      });

      it('deletes only within the tenant', async () => {
        const other = await freshIndex();
        await store.upsert(other, [
          chunk({ tenant: 'A', docId: 'x', dense: [1, 0, 0, 0] }),
          chunk({ tenant: 'B', docId: 'x', dense: [1, 0, 0, 0] }),
        ]);
        expect(await store.deleteDocument(other, 'B', 'x')).toBe(1);
        expect(ids(await store.search(other, query({ tenant: 'A', dense: [1, 0, 0, 0] })))).toEqual(['x']);
        expect(await store.search(other, query({ tenant: 'B', dense: [1, 0, 0, 0] }))).toEqual([]);
      });
    });

    describe('aliases and versions', () => {
      const freshAlias = () => `alias_${run}_${++counter}`;
      const only = (docId: string) => [chunk({ docId, dense: [1, 0, 0, 0], sparse: { 1: 1 }, text: docId })];
      const texts = async (name: string) =>
        (await store.search(name, query({ dense: [1, 0, 0, 0], sparse: sparse({ 1: 1 }) }))).map((h) => h.text).sort();

      it('sends searches through an alias to its index, and follows every switch', async () => {
        const v1 = await freshIndex();
        const v2 = await freshIndex();
        await store.upsert(v1, only('from-v1'));
        await store.upsert(v2, only('from-v2'));
        const alias = freshAlias();
        expect(await store.resolveAlias(alias)).toBeUndefined();
        expect(await store.hasIndex(alias)).toBe(false);

        await store.switchAlias(alias, v1);
        expect(await store.resolveAlias(alias)).toBe(v1);
        expect(await store.hasIndex(alias)).toBe(true);
        expect(await texts(alias)).toEqual(['from-v1']);

        await store.switchAlias(alias, v2);
        expect(await store.resolveAlias(alias)).toBe(v2);
        expect(await texts(alias)).toEqual(['from-v2']);
        // Switching back is the rollback path; switching to the current target is a no-op.
        await store.switchAlias(alias, v1);
        await store.switchAlias(alias, v1);
        expect(await texts(alias)).toEqual(['from-v1']);
        expect(await texts(v2)).toEqual(['from-v2']);
        expect(await store.resolveAlias(v1)).toBeUndefined();
      });

      it('accepts an alias wherever an index name is accepted', async () => {
        const v1 = await freshIndex();
        const alias = freshAlias();
        await store.switchAlias(alias, v1);
        await store.ensureIndex(alias, { dimensions: DIM });
        await expectCode(store.ensureIndex(alias, { dimensions: DIM + 1 }), 'VALIDATION_FAILED');
        await store.upsert(alias, [
          chunk({ docId: 'd', chunkIndex: 0, docHash: 'h1', dense: [1, 0, 0, 0] }),
          chunk({ docId: 'd', chunkIndex: 1, docHash: 'h1', dense: [0, 1, 0, 0] }),
          chunk({ docId: 'e', docHash: 'h2', dense: [0, 0, 1, 0] }),
        ]);
        expect(await store.stats(v1)).toEqual({ chunks: 3, documents: 2 });
        expect(await store.stats(alias)).toEqual({ chunks: 3, documents: 2 });
        expect(await store.documentHash(alias, 't1', 'd')).toBe('h1');
        expect(await store.deleteDocument(alias, 't1', 'd')).toBe(2);
        expect(ids(await store.search(v1, query({ dense: [1, 0, 0, 0] })))).toEqual(['e']);
        // ensureIndex through an alias never creates an index under the alias' name.
        expect((await store.listIndexes()).some((ix) => ix.name === alias)).toBe(false);
      });

      it('lists indexes with their aliases', async () => {
        const v1 = await freshIndex();
        const v2 = await freshIndex();
        const [a, b, c] = [freshAlias(), freshAlias(), freshAlias()];
        await store.switchAlias(b, v1);
        await store.switchAlias(a, v1);
        await store.switchAlias(c, v2);
        await store.switchAlias(c, v1);
        const mine = (await store.listIndexes()).filter((ix) => ix.name === v1 || ix.name === v2);
        expect(mine).toEqual([
          { name: v1, aliases: [a, b, c].sort() },
          { name: v2, aliases: [] },
        ]);
        const all = (await store.listIndexes()).map((ix) => ix.name);
        expect(all).toEqual([...all].sort());
        expect(all).not.toContain(a);
      });

      it('drops an old version once no alias points at it, and never the one in use', async () => {
        const v1 = await freshIndex();
        const v2 = await freshIndex();
        await store.upsert(v1, only('from-v1'));
        await store.upsert(v2, only('from-v2'));
        const alias = freshAlias();
        await store.switchAlias(alias, v1);
        await store.switchAlias(alias, v2);

        expect(await store.dropIndex(v1)).toBe(true);
        expect(await store.hasIndex(v1)).toBe(false);
        await expectCode(store.search(v1, query({ dense: [1, 0, 0, 0] })), 'UNKNOWN_INDEX');
        expect(await store.dropIndex(v1)).toBe(false);
        expect(await texts(alias)).toEqual(['from-v2']);

        await expectCode(store.dropIndex(v2), 'VALIDATION_FAILED');
        await expectCode(store.dropIndex(alias), 'VALIDATION_FAILED');
        expect(await texts(alias)).toEqual(['from-v2']);

        expect(await store.deleteAlias(alias)).toBe(true);
        expect(await store.deleteAlias(alias)).toBe(false);
        expect(await store.hasIndex(alias)).toBe(false);
        await expectCode(store.search(alias, query({ dense: [1, 0, 0, 0] })), 'UNKNOWN_INDEX');
        expect(await store.dropIndex(v2)).toBe(true);

        // A dropped name can be created again, empty.
        await store.ensureIndex(v1, { dimensions: DIM });
        expect(await store.stats(v1)).toEqual({ chunks: 0, documents: 0 });
      });

      it('refuses an alias to a missing index or to another alias with UNKNOWN_INDEX, keeping the alias as it was', async () => {
        const v1 = await freshIndex();
        await store.upsert(v1, only('from-v1'));
        const alias = freshAlias();
        await store.switchAlias(alias, v1);
        await expectCode(store.switchAlias(alias, `contract_${run}_never_created`), 'UNKNOWN_INDEX');
        expect(await store.resolveAlias(alias)).toBe(v1);
        expect(await texts(alias)).toEqual(['from-v1']);

        const second = freshAlias();
        await expectCode(store.switchAlias(second, alias), 'UNKNOWN_INDEX');
        expect(await store.resolveAlias(second)).toBeUndefined();
        expect(await store.hasIndex(second)).toBe(false);
      });

      it('refuses bad names and name clashes with VALIDATION_FAILED', async () => {
        const v1 = await freshIndex();
        const other = await freshIndex();
        const bad = ['', '.hidden', '..', 'has space', 'a/b', 'a?b', 'ü', 'x'.repeat(129)];
        for (const name of bad) {
          await expectCode(store.switchAlias(name, v1), 'VALIDATION_FAILED');
          await expectCode(store.ensureIndex(name, { dimensions: DIM }), 'VALIDATION_FAILED');
          await expectCode(store.switchAlias(freshAlias(), name), 'VALIDATION_FAILED');
        }
        // An index name cannot also be an alias.
        await expectCode(store.switchAlias(other, v1), 'VALIDATION_FAILED');
        expect(await store.resolveAlias(other)).toBeUndefined();
        expect(await store.deleteAlias(other)).toBe(false);
        expect(await store.hasIndex(other)).toBe(true);
        const names = (await store.listIndexes()).flatMap((ix) => [ix.name, ...ix.aliases]);
        for (const name of bad) expect(names).not.toContain(name);
        // The longest valid name works.
        const long = `a${run}`.padEnd(128, 'z');
        await store.switchAlias(long, v1);
        expect(await store.resolveAlias(long)).toBe(v1);
        expect(await store.deleteAlias(long)).toBe(true);
      });
    });

    describe('documents', () => {
      it('deleteDocument removes every chunk of a document and returns the count', async () => {
        const index = await freshIndex();
        await store.upsert(index, [
          chunk({ docId: 'd', chunkIndex: 0, dense: [1, 0, 0, 0], sparse: { 1: 1 } }),
          chunk({ docId: 'd', chunkIndex: 1, dense: [0, 1, 0, 0], sparse: { 1: 1 } }),
          chunk({ docId: 'e', dense: [1, 0, 0, 0], sparse: { 1: 1 } }),
        ]);
        expect(await store.deleteDocument(index, 't1', 'd')).toBe(2);
        expect(await store.deleteDocument(index, 't1', 'd')).toBe(0);
        expect(await store.deleteDocument(index, 't1', 'never-stored')).toBe(0);
        expect(await store.stats(index)).toEqual({ chunks: 1, documents: 1 });
        expect(ids(await store.search(index, query({ dense: [1, 0, 0, 0], sparse: sparse({ 1: 1 }) })))).toEqual(['e']);
      });

      it('deleteDocument with exceptHash removes only chunks of other versions', async () => {
        const index = await freshIndex();
        const v1 = [0, 1, 2].map((i) => chunk({ docId: 'd', chunkIndex: i, docHash: 'h1', dense: [1, 0, 0, 0], text: `v1 ${i}` }));
        await store.upsert(index, v1);
        // Version 2 is shorter: it overwrites chunks 0 and 1, chunk 2 of version 1 is now stale.
        const v2 = [0, 1].map((i) => chunk({ docId: 'd', chunkIndex: i, docHash: 'h2', dense: [1, 0, 0, 0], text: `v2 ${i}` }));
        await store.upsert(index, v2);
        expect(await store.deleteDocument(index, 't1', 'd', { exceptHash: 'h2' })).toBe(1);
        expect(await store.deleteDocument(index, 't1', 'd', { exceptHash: 'h2' })).toBe(0);
        const hits = await store.search(index, query({ dense: [1, 0, 0, 0] }));
        expect(hits.map((h) => h.text).sort()).toEqual(['v2 0', 'v2 1']);
        expect(await store.documentHash(index, 't1', 'd')).toBe('h2');
        expect(await store.stats(index)).toEqual({ chunks: 2, documents: 1 });
      });

      it('documentHash tells the stored version, and nothing once deleted', async () => {
        const index = await freshIndex();
        expect(await store.documentHash(index, 't1', 'd')).toBeUndefined();
        await store.upsert(index, [chunk({ docId: 'd', docHash: 'h1', dense: [1, 0, 0, 0] })]);
        expect(await store.documentHash(index, 't1', 'd')).toBe('h1');
        await store.upsert(index, [chunk({ docId: 'd', docHash: 'h2', dense: [1, 0, 0, 0] })]);
        expect(await store.documentHash(index, 't1', 'd')).toBe('h2');
        expect(await store.deleteDocument(index, 't1', 'd')).toBe(1);
        expect(await store.documentHash(index, 't1', 'd')).toBeUndefined();
        expect(await store.stats(index)).toEqual({ chunks: 0, documents: 0 });
      });
    });
  });
}
