import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ManualClock } from '@ragops/contracts';
import type { ChunkRecord, HybridQuery } from '@ragops/rag';
import { connectTestNats, describeVectorStoreContract, NatsTestResources } from '@ragops/testing';
import { ReplicatedVectorStore } from '../src/replicated.store.js';

const res = new NatsTestResources();
const stream = res.stream('vstore');
const subjectPrefix = `ragops.test.${stream}`;
let ncA: NatsConnection;
let ncB: NatsConnection;
const opened: ReplicatedVectorStore[] = [];

async function open(nc: NatsConnection, extra: { clock?: ManualClock } = {}): Promise<ReplicatedVectorStore> {
  const store = await ReplicatedVectorStore.open({ nc, stream, subjectPrefix, ...extra });
  opened.push(store);
  return store;
}

beforeAll(async () => {
  ncA = await connectTestNats('vector-store-a');
  ncB = await connectTestNats('vector-store-b');
});

afterAll(async () => {
  for (const s of opened) await s.close();
  await res.cleanup(ncA);
  await ncA.close();
  await ncB.close();
});

describeVectorStoreContract('ReplicatedVectorStore', async () => ({ store: await ReplicatedVectorStore.open({ nc: ncA, stream, subjectPrefix }) }));

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
let indexCounter = 0;
const indexName = () => `repl_${++indexCounter}`;

describe('ReplicatedVectorStore across processes', () => {
  it('shows writes made through one connection to reads on another, within the staleness bound', async () => {
    const clock = new ManualClock(1_000);
    const a = await open(ncA, { clock });
    const b = await open(ncB, { clock });
    const index = indexName();
    await a.ensureIndex(index, { dimensions: 4 });
    await a.upsert(index, [chunk('x', 0, [1, 0, 0, 0]), chunk('y', 0, [0, 1, 0, 0])]);
    expect((await b.search(index, q())).map((h) => h.docId)).toEqual(['x', 'y']);

    // B caches the stream's last sequence for maxStalenessMs (50 ms); once that has passed, A's write must show.
    await a.deleteDocument(index, 't1', 'y');
    clock.advance(50);
    expect(await b.stats(index)).toEqual({ chunks: 1, documents: 1 });

    // And the other way round, with read-your-writes on B.
    expect(await b.deleteDocument(index, 't1', 'x')).toBe(1);
    expect(await b.stats(index)).toEqual({ chunks: 0, documents: 0 });
    clock.advance(50);
    expect(await a.stats(index)).toEqual({ chunks: 0, documents: 0 });
  });

  it('lets a replica opened late catch up on everything written before', async () => {
    const a = await open(ncA);
    const index = indexName();
    await a.ensureIndex(index, { dimensions: 4 });
    for (let d = 0; d < 20; d++) await a.upsert(index, [chunk(`d${d}`, 0, [1, d, 0, 0], { docHash: 'v1' })]);
    await a.upsert(index, [chunk('d3', 0, [1, 3, 0, 0], { docHash: 'v2' })]);
    await a.deleteDocument(index, 't1', 'd7');

    const late = await open(ncB);
    expect(await late.hasIndex(index)).toBe(true);
    expect(await late.stats(index)).toEqual({ chunks: 19, documents: 19 });
    expect(await late.documentHash(index, 't1', 'd3')).toBe('v2');
    expect(await late.search(index, q({ topK: 3 }))).toEqual(await a.search(index, q({ topK: 3 })));
  });

  it('replicates alias switches and drops in log order, also to a replica opened later', async () => {
    const clock = new ManualClock(5_000);
    const a = await open(ncA, { clock });
    const b = await open(ncB, { clock });
    const [v1, v2, alias] = [indexName(), indexName(), `alias_${indexName()}`];
    await a.ensureIndex(v1, { dimensions: 4 });
    await a.ensureIndex(v2, { dimensions: 4 });
    await a.upsert(v1, [chunk('old', 0, [1, 0, 0, 0])]);
    await a.upsert(v2, [chunk('new', 0, [1, 0, 0, 0])]);
    await a.switchAlias(alias, v1);
    clock.advance(50);
    expect((await b.search(alias, q())).map((h) => h.docId)).toEqual(['old']);

    // B moves the alias and drops the old version; A sees both once the staleness bound has passed.
    await b.switchAlias(alias, v2);
    expect(await b.dropIndex(v1)).toBe(true);
    clock.advance(50);
    expect(await a.resolveAlias(alias)).toBe(v2);
    expect(await a.hasIndex(v1)).toBe(false);
    expect((await a.search(alias, q())).map((h) => h.docId)).toEqual(['new']);
    // A write through the alias made on A lands in v2 everywhere.
    await a.upsert(alias, [chunk('added', 0, [0, 1, 0, 0])]);
    clock.advance(50);
    expect(await b.stats(v2)).toEqual({ chunks: 2, documents: 2 });

    const late = await open(ncB);
    expect(await late.listIndexes()).toEqual(await a.listIndexes());
    expect(await late.resolveAlias(alias)).toBe(v2);
    // An op refused at apply time (the target was dropped) is refused on the writer too.
    await expect(late.switchAlias(alias, v1)).rejects.toMatchObject({ code: 'UNKNOWN_INDEX' });
    expect(await late.resolveAlias(alias)).toBe(v2);
  });

  it('splits a large upsert into ops below max_payload, and every replica gets all of it', async () => {
    const a = await open(ncA);
    const b = await open(ncB);
    const index = indexName();
    await a.ensureIndex(index, { dimensions: 384 });
    const text = 'lorem ipsum dolor sit amet '.repeat(80); // ~2 KB
    const chunks = Array.from({ length: 1500 }, (_, i) => {
      const dense = Array.from({ length: 384 }, (_, d) => Math.sin(i * 7 + d));
      const indices = Array.from({ length: 60 }, (_, t) => i * 3 + t * 101);
      return chunk(`big${i >> 2}`, i & 3, dense, { text, sparse: { indices, values: indices.map((t) => 1 + (t % 5)) } });
    });
    const started = performance.now();
    await a.upsert(index, chunks);
    const upsertMs = performance.now() - started;
    const info = await (await jetstreamManager(ncA)).streams.info(stream);
    const jsmInfo = { bytes: info.state.bytes, messages: info.state.messages };
    expect(jsmInfo.bytes).toBeGreaterThan(1024 * 1024); // it really was more than one message's worth
    expect(await b.stats(index)).toEqual({ chunks: 1500, documents: 375 });
    const probe = q({ dense: chunks[42].dense, sparse: chunks[42].sparse, topK: 1 });
    expect((await b.search(index, probe))[0].chunkId).toBe(chunks[42].chunkId);
    expect(upsertMs).toBeLessThan(20_000);
  });

  it('refuses a single chunk too large for one message', async () => {
    const a = await open(ncA);
    const index = indexName();
    await a.ensureIndex(index, { dimensions: 4 });
    const huge = chunk('huge', 0, [1, 0, 0, 0], { text: 'x'.repeat(ncA.info!.max_payload) });
    await expect(a.upsert(index, [huge])).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await a.stats(index)).toEqual({ chunks: 0, documents: 0 });
  });

  it('settles a dimension race: one ensureIndex wins everywhere, the other is told', async () => {
    const a = await open(ncA);
    const b = await open(ncB);
    const index = indexName();
    const results = await Promise.allSettled([a.ensureIndex(index, { dimensions: 4 }), b.ensureIndex(index, { dimensions: 8 })]);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'VALIDATION_FAILED' });
    const winner = results[0].status === 'fulfilled' ? 4 : 8;
    const dense = Array.from({ length: winner }, (_, i) => (i === 0 ? 1 : 0));
    await a.upsert(index, [chunk('w', 0, dense)]);
    expect(await b.stats(index)).toEqual({ chunks: 1, documents: 1 });
  });

  it('reports unknown indexes and bad records before publishing anything', async () => {
    const a = await open(ncA);
    const index = indexName();
    await expect(a.upsert(index, [chunk('x', 0, [1, 0, 0, 0])])).rejects.toMatchObject({ code: 'UNKNOWN_INDEX' });
    await a.ensureIndex(index, { dimensions: 4 });
    const before = (await (await jetstreamManager(ncA)).streams.info(stream)).state.last_seq;
    await expect(a.upsert(index, [chunk('x', 0, [1, 0, 0])])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(a.ensureIndex(index, { dimensions: 5 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await a.ensureIndex(index, { dimensions: 4 });
    expect((await (await jetstreamManager(ncA)).streams.info(stream)).state.last_seq).toBe(before);
  });

  it('close() stops the replica but leaves the connection open', async () => {
    const a = await ReplicatedVectorStore.open({ nc: ncA, stream, subjectPrefix });
    await a.close();
    await a.close();
    expect(ncA.isClosed()).toBe(false);
    await expect(a.stats('anything')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('refuses a stream that carries other subjects', async () => {
    const foreign = res.stream('vstore_foreign');
    const jsm = await jetstreamManager(ncA);
    await jsm.streams.add({ name: foreign, subjects: [`ragops.test.${foreign}.other`], storage: StorageType.Memory });
    await expect(ReplicatedVectorStore.open({ nc: ncA, stream: foreign, subjectPrefix: `ragops.test.${foreign}` })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
