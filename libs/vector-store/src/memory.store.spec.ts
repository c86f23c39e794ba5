import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ChunkRecord, HybridQuery } from '@ragops/rag';
import { describeVectorStoreContract } from '@ragops/testing';
import { MemoryVectorStore } from './memory.store.js';
import { SNAPSHOT_VERSION } from './snapshot.codec.js';

describeVectorStoreContract('MemoryVectorStore', async () => ({ store: new MemoryVectorStore() }));

function record(docId: string, chunkIndex: number, dense: number[], terms: Record<number, number>, extra: Partial<ChunkRecord> = {}) {
  const indices = Object.keys(terms)
    .map(Number)
    .sort((a, b) => a - b);
  return {
    chunkId: `${docId}#${chunkIndex}`,
    docId,
    tenant: 't1',
    chunkIndex,
    docHash: `h-${docId}`,
    text: `${docId} ${chunkIndex}`,
    dense,
    sparse: { indices, values: indices.map((i) => terms[i]) },
    ...extra,
  } satisfies ChunkRecord;
}

const q = (over: Partial<HybridQuery>): HybridQuery => ({ tenant: 't1', topK: 10, candidates: 10, rrfK: 60, ...over });

describe('MemoryVectorStore', () => {
  it('scores a hybrid hit with the RRF sum over 1-based ranks', async () => {
    const store = new MemoryVectorStore();
    await store.ensureIndex('i', { dimensions: 2 });
    await store.upsert('i', [record('a', 0, [1, 0], { 1: 1 }), record('b', 0, [0.6, 0.8], { 2: 1 })]);
    const hits = await store.search('i', q({ dense: [1, 0], sparse: { indices: [1], values: [1] }, rrfK: 10 }));
    expect(hits.map((h) => [h.docId, h.score])).toEqual([
      ['a', 2 / 11],
      ['b', 1 / 12],
    ]);
  });

  it('applies a batch all or nothing', async () => {
    const store = new MemoryVectorStore();
    await store.ensureIndex('i', { dimensions: 2 });
    const unsorted = { ...record('b', 0, [1, 0], {}), sparse: { indices: [5, 3], values: [1, 1] } };
    await expect(store.upsert('i', [record('a', 0, [1, 0], { 1: 1 }), unsorted])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('sorted ascending'),
    });
    const nan = record('c', 0, [Number.NaN, 0], {});
    await expect(store.upsert('i', [nan])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await store.stats('i')).toEqual({ chunks: 0, documents: 0 });
  });

  it('names the index and both dimensions in a dimension conflict', async () => {
    const store = new MemoryVectorStore();
    await store.ensureIndex('docs-v1', { dimensions: 384 });
    await expect(store.ensureIndex('docs-v1', { dimensions: 256 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('index docs-v1 has dimension 384, got 256'),
    });
  });

  it('rejects a query with neither vector, and bad sizes', async () => {
    const store = new MemoryVectorStore();
    await store.ensureIndex('i', { dimensions: 2 });
    await expect(store.search('i', q({}))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.search('i', q({ dense: [1, 0], topK: -1 }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.search('i', q({ dense: [1, 0], filter: { tenant: 'x' } }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('refuses every call once closed', async () => {
    const store = new MemoryVectorStore();
    await store.ensureIndex('i', { dimensions: 2 });
    await store.close();
    await expect(store.stats('i')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(store.hasIndex('i')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('matches a brute-force model under random upserts and deletes', async () => {
    await fc.assert(fc.asyncProperty(opsArb, queryArb, async (ops, query) => checkAgainstModel(ops, query)), { numRuns: 150 });
  });
});

describe('MemoryVectorStore snapshots', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ragops-vs-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function filled(path: string): Promise<MemoryVectorStore> {
    const store = new MemoryVectorStore({ snapshotPath: path });
    await store.ensureIndex('i', { dimensions: 3 });
    await store.ensureIndex('empty', { dimensions: 5 });
    await store.upsert('i', [
      record('a', 0, [1, 0, 0], { 1: 1, 7: 0.5 }, { title: 'A', source: 's', metadata: { tags: ['x'], n: 1, ok: true } }),
      record('a', 1, [0, 1, 0], { 2: 1 }),
      record('b', 0, [0.5, 0.5, 0], { 1: 2 }, { tenant: 't2' }),
      record('c', 0, [0, 0, 1], { 3: 1 }, { docHash: 'old' }),
      record('c', 1, [0, 0.5, 1], { 3: 1 }, { docHash: 'old' }),
    ]);
    await store.upsert('i', [record('c', 0, [0, 0, 1], { 3: 2 }, { docHash: 'new' })]);
    await store.deleteDocument('i', 't1', 'gone');
    return store;
  }

  const probes: HybridQuery[] = [
    q({ dense: [1, 0.2, 0], sparse: { indices: [1, 3], values: [1, 1] } }),
    q({ dense: [0, 0, 1] }),
    q({ sparse: { indices: [1, 2, 3, 7], values: [1, 1, 1, 1] } }),
    q({ tenant: 't2', dense: [1, 1, 1], filter: { docId: 'b' } }),
  ];

  it('restores indexes, payloads, scores and document hashes exactly', async () => {
    const path = join(dir, 'round-trip.snap');
    const store = await filled(path);
    await store.save();
    const loaded = await MemoryVectorStore.load(path);
    expect(loaded.snapshotPath).toBe(path);
    for (const probe of probes) expect(await loaded.search('i', probe)).toEqual(await store.search('i', probe));
    expect(await loaded.stats('i')).toEqual(await store.stats('i'));
    expect(await loaded.hasIndex('empty')).toBe(true);
    await expect(loaded.ensureIndex('empty', { dimensions: 4 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    // Two versions of c coexist; the hash reported is the one upserted last, and survives the round trip.
    expect(await loaded.documentHash('i', 't1', 'c')).toBe('new');
    expect(await loaded.deleteDocument('i', 't1', 'c', { exceptHash: 'new' })).toBe(1);
    // The loaded store keeps working and saves again.
    await loaded.upsert('i', [record('d', 0, [1, 1, 0], { 9: 1 })]);
    await loaded.save();
    expect(await (await MemoryVectorStore.load(path)).stats('i')).toEqual({ chunks: 5, documents: 4 });
  });

  it('keeps aliases across a save and load', async () => {
    const path = join(dir, 'aliases.snap');
    const store = await filled(path);
    await store.ensureIndex('i2', { dimensions: 3 });
    await store.switchAlias('live', 'i');
    await store.switchAlias('next', 'i2');
    await store.switchAlias('old', 'i');
    await store.deleteAlias('old');
    await store.save();
    const loaded = await MemoryVectorStore.load(path);
    expect(await loaded.listIndexes()).toEqual(await store.listIndexes());
    expect(await loaded.listIndexes()).toEqual([
      { name: 'empty', aliases: [] },
      { name: 'i', aliases: ['live'] },
      { name: 'i2', aliases: ['next'] },
    ]);
    for (const probe of probes) expect(await loaded.search('live', probe)).toEqual(await store.search('i', probe));
    await expect(loaded.dropIndex('i')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('still loads a format-1 snapshot (written before aliases existed)', async () => {
    // Written by the format-1 build with the operations replayed below; see test/fixtures.
    const fixture = new URL('../test/fixtures/snapshot-v1.ragopsvs', import.meta.url);
    const path = join(dir, 'v1.snap');
    await writeFile(path, await readFile(fixture));
    const loaded = await MemoryVectorStore.load(path);

    const expected = new MemoryVectorStore();
    await expected.ensureIndex('docs-v1', { dimensions: 3 });
    await expected.ensureIndex('empty', { dimensions: 2 });
    const rec = (docId: string, i: number, dense: number[], terms: Record<number, number>, extra: Partial<ChunkRecord> = {}) =>
      record(docId, i, dense, terms, { text: `${docId} chunk ${i}`, ...extra });
    await expected.upsert('docs-v1', [
      rec('a', 0, [1, 0, 0], { 1: 1, 7: 0.5 }, { title: 'A', source: 's1', metadata: { lang: 'en', tags: ['x', 'y'], year: 2020 } }),
      rec('a', 1, [0, 1, 0], { 2: 1 }),
      rec('b', 0, [0.5, 0.5, 0], { 1: 2 }, { tenant: 't2' }),
      rec('c', 0, [0, 0, 1], { 3: 1 }, { docHash: 'old' }),
      rec('c', 1, [0, 0.5, 1], { 3: 1 }, { docHash: 'old' }),
    ]);
    await expected.upsert('docs-v1', [rec('c', 0, [0, 0, 1], { 3: 2 }, { docHash: 'new' })]);

    expect(await loaded.listIndexes()).toEqual([
      { name: 'docs-v1', aliases: [] },
      { name: 'empty', aliases: [] },
    ]);
    for (const probe of probes) expect(await loaded.search('docs-v1', probe)).toEqual(await expected.search('docs-v1', probe));
    expect(await loaded.stats('docs-v1')).toEqual({ chunks: 5, documents: 3 });
    expect(await loaded.documentHash('docs-v1', 't1', 'c')).toBe('new');
    // It saves back in the current format, aliases included.
    await loaded.switchAlias('docs', 'docs-v1');
    await loaded.save();
    expect((await readFile(path)).readUInt32LE(8)).toBe(SNAPSHOT_VERSION);
    expect(await (await MemoryVectorStore.load(path)).resolveAlias('docs')).toBe('docs-v1');
  });

  it('replaces the file atomically and leaves no temporary file behind', async () => {
    const sub = join(dir, 'atomic');
    await mkdir(sub);
    const path = join(sub, 'store.snap');
    const store = await filled(path);
    await store.save();
    await store.upsert('i', [record('e', 0, [1, 0, 0], { 4: 1 })]);
    await store.save();
    expect(await readdir(sub)).toEqual(['store.snap']);
    expect((await (await MemoryVectorStore.load(path)).stats('i')).chunks).toBe(6);
  });

  it('ignores a temporary file left by a crash mid-write and still loads the previous snapshot', async () => {
    const path = join(dir, 'crashed.snap');
    const store = await filled(path);
    await store.save();
    const full = await readFile(path);
    await writeFile(`${path}.999.deadbeef0000.tmp`, full.subarray(0, full.length >> 1));
    expect(await (await MemoryVectorStore.load(path)).stats('i')).toEqual(await store.stats('i'));
  });

  it('reports a failed write as UNAVAILABLE, cleans up, and keeps the old target', async () => {
    const sub = join(dir, 'failing');
    const target = join(sub, 'is-a-directory');
    await mkdir(target, { recursive: true });
    const store = await filled(target);
    await expect(store.save()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await readdir(sub)).toEqual(['is-a-directory']);
    expect(await readdir(target)).toEqual([]);
    await expect(new MemoryVectorStore({ snapshotPath: join(dir, 'no', 'such', 'dir') }).save()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });

  it('needs a snapshotPath to save', async () => {
    await expect(new MemoryVectorStore().save()).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('open() starts empty without a snapshot and loads one when present', async () => {
    const path = join(dir, 'open.snap');
    const fresh = await MemoryVectorStore.open({ snapshotPath: path });
    expect(await fresh.hasIndex('i')).toBe(false);
    await (await filled(path)).save();
    expect(await (await MemoryVectorStore.open({ snapshotPath: path })).hasIndex('i')).toBe(true);
    await expect(MemoryVectorStore.load(join(dir, 'missing.snap'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  describe('corruption', () => {
    let good: Buffer;
    const path = () => join(dir, 'corrupt.snap');
    beforeAll(async () => {
      const p = join(dir, 'good.snap');
      await (await filled(p)).save();
      good = await readFile(p);
    });

    async function loadBytes(bytes: Uint8Array): Promise<unknown> {
      await writeFile(path(), bytes);
      return MemoryVectorStore.load(path()).then(
        () => undefined,
        (e: unknown) => e,
      );
    }

    it('names an unknown format version', async () => {
      const bytes = Buffer.from(good);
      bytes.writeUInt32LE(3, 8);
      expect(await loadBytes(bytes)).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('version 3') });
    });

    it('rejects a file that is not a snapshot', async () => {
      expect(await loadBytes(Buffer.from('{"indexes":[]}'))).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining('bad magic'),
      });
      expect(await loadBytes(Buffer.alloc(0))).toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('rejects a truncated file', async () => {
      expect(await loadBytes(good.subarray(0, good.length - 1))).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining('truncated'),
      });
    });

    it('turns any truncation or flipped byte into a VALIDATION_FAILED AppError, never a crash', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.record({ cut: fc.nat({ max: good.length - 1 }) }),
            fc.record({ at: fc.nat({ max: good.length - 1 }), xor: fc.integer({ min: 1, max: 255 }) }),
          ),
          async (damage) => {
            let bytes: Buffer;
            if ('cut' in damage) bytes = good.subarray(0, damage.cut);
            else {
              bytes = Buffer.from(good);
              bytes[damage.at] ^= damage.xor;
            }
            expect(await loadBytes(bytes)).toMatchObject({ name: 'AppError', code: 'VALIDATION_FAILED' });
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});

// ---- brute-force model -------------------------------------------------------------------------------------------

type Op =
  | { kind: 'upsert'; tenant: string; docId: string; chunkIndex: number; hash: string; dense: number[]; terms: [number, number][] }
  | { kind: 'delete'; tenant: string; docId: string; exceptHash?: string };

const tenantArb = fc.constantFrom('A', 'B');
const docArb = fc.constantFrom('d0', 'd1', 'd2', 'd3');
const denseArb = fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 3, maxLength: 3 });
const termsArb = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 3 })), {
  selector: ([t]) => t,
  maxLength: 4,
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('upsert' as const), tenant: tenantArb, docId: docArb, chunkIndex: fc.nat({ max: 2 }), hash: fc.constantFrom('h1', 'h2'), dense: denseArb, terms: termsArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), tenant: tenantArb, docId: docArb, exceptHash: fc.option(fc.constantFrom('h1', 'h2'), { nil: undefined }) }) },
);
const opsArb = fc.array(opArb, { minLength: 1, maxLength: 30 });
const queryArb = fc.record({
  tenant: tenantArb,
  dense: denseArb.filter((v) => v.some((x) => x !== 0)),
  terms: termsArb,
  topK: fc.integer({ min: 1, max: 6 }),
  filterDoc: fc.option(fc.subarray(['d0', 'd1', 'd2', 'd3'], { minLength: 1 }), { nil: undefined }),
});

function toRecord(op: Extract<Op, { kind: 'upsert' }>): ChunkRecord {
  const terms = [...op.terms].sort((a, b) => a[0] - b[0]);
  return {
    chunkId: `${op.docId}#${op.chunkIndex}`,
    docId: op.docId,
    tenant: op.tenant,
    chunkIndex: op.chunkIndex,
    docHash: op.hash,
    text: `${op.tenant}/${op.docId}#${op.chunkIndex}/${op.hash}`,
    dense: op.dense,
    sparse: { indices: terms.map((t) => t[0]), values: terms.map((t) => t[1]) },
  };
}

interface ModelQuery {
  tenant: string;
  dense: number[];
  terms: [number, number][];
  topK: number;
  filterDoc?: string[];
}

async function checkAgainstModel(ops: Op[], query: ModelQuery): Promise<void> {
  const store = new MemoryVectorStore();
  await store.ensureIndex('i', { dimensions: 3 });
  const model = new Map<string, ChunkRecord>();
  const hashes = new Map<string, string>();
  for (const op of ops) {
    if (op.kind === 'upsert') {
      const r = toRecord(op);
      await store.upsert('i', [r]);
      model.set(`${r.tenant}/${r.chunkId}`, r);
      hashes.set(`${r.tenant}/${r.docId}`, r.docHash);
    } else {
      const doomed = [...model].filter(
        ([, r]) => r.tenant === op.tenant && r.docId === op.docId && (op.exceptHash === undefined || r.docHash !== op.exceptHash),
      );
      expect(await store.deleteDocument('i', op.tenant, op.docId, { exceptHash: op.exceptHash })).toBe(doomed.length);
      for (const [k] of doomed) model.delete(k);
      const left = [...model.values()].some((r) => r.tenant === op.tenant && r.docId === op.docId);
      if (!left) hashes.delete(`${op.tenant}/${op.docId}`);
      else if (op.exceptHash !== undefined) hashes.set(`${op.tenant}/${op.docId}`, op.exceptHash);
    }
  }
  const all = [...model.values()];
  expect(await store.stats('i')).toEqual({ chunks: all.length, documents: hashes.size });
  for (const [key, hash] of hashes) {
    const [tenant, docId] = key.split('/');
    expect(await store.documentHash('i', tenant, docId)).toBe(hash);
  }

  const visible = all.filter((r) => r.tenant === query.tenant && (!query.filterDoc || query.filterDoc.includes(r.docId)));
  const filter = query.filterDoc ? { docId: query.filterDoc } : undefined;
  const norm = (v: number[]) => Math.hypot(...v);
  const cos = (a: number[], b: number[]) => (norm(a) && norm(b) ? a.reduce((s, x, i) => s + x * b[i], 0) / (norm(a) * norm(b)) : 0);
  const df = (t: number) => all.filter((r) => r.sparse.indices.includes(t)).length;
  const idf = (t: number) => Math.log(1 + (all.length - df(t) + 0.5) / (df(t) + 0.5));
  const sparseScore = (r: ChunkRecord) =>
    query.terms.reduce((s, [t, w]) => {
      const i = r.sparse.indices.indexOf(t);
      return i < 0 ? s : s + idf(t) * w * r.sparse.values[i];
    }, 0);
  const expectScores = (hits: { text: string; score: number }[], score: (r: ChunkRecord) => number, eligible: ChunkRecord[]) => {
    const want = eligible.map(score).sort((a, b) => b - a).slice(0, query.topK);
    expect(hits.map((h) => h.score)).toEqual(want.map((s) => expect.closeTo(s, 5)));
    for (const h of hits) expect(h.score).toBeCloseTo(score(eligible.find((r) => r.text === h.text)!), 5);
  };

  const base = { tenant: query.tenant, topK: query.topK, candidates: 4, rrfK: 60, filter };
  expectScores(await store.search('i', { ...base, dense: query.dense }), (r) => cos(r.dense, query.dense), visible);
  const terms = [...query.terms].sort((a, b) => a[0] - b[0]);
  const sparse = { indices: terms.map((t) => t[0]), values: terms.map((t) => t[1]) };
  const overlapping = visible.filter((r) => query.terms.some(([t]) => r.sparse.indices.includes(t)));
  expectScores(await store.search('i', { ...base, sparse }), sparseScore, overlapping);
  const hybrid = await store.search('i', { ...base, dense: query.dense, sparse });
  expect(hybrid.length).toBeLessThanOrEqual(query.topK);
  expect(hybrid.every((h) => visible.some((r) => r.text === h.text))).toBe(true);
}
