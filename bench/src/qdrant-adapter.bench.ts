/**
 * What the Qdrant vector-store adapter costs on top of the raw `@qdrant/js-client-rest` call for the same request,
 * against the spec-validating Qdrant double on loopback. The raw side replays exactly the request the adapter sent
 * (captured from the double), so the difference is the adapter's own work: checking the query or batch, building
 * filters, point ids and payloads, and mapping hits.
 *
 *   node bench/dist/qdrant-adapter.bench.js [--iterations 400] [--chunks 300] [--batch 64] [--spec 1.19]
 *
 * The double searches by brute force, so few stored chunks keep its share of each call (and the noise it adds) small.
 */
import { parseArgs } from 'node:util';
import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import type { ChunkRecord, HybridQuery } from '@ragops/rag';
import { QdrantDoubleServer, type QdrantSpecVersion } from '@ragops/testing/doubles';
import { QdrantVectorStore } from '@ragops/vector-store';
import { formatConditions, markdownTable } from './machine.conditions.js';
import { fixed, quantile } from './stats.math.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '400' },
    chunks: { type: 'string', default: '300' },
    batch: { type: 'string', default: '64' },
    spec: { type: 'string', default: '1.19' },
  },
});
const iterations = Number(values.iterations);
const chunkCount = Number(values.chunks);
const batchSize = Number(values.batch);
const spec = values.spec as QdrantSpecVersion;
const DIMENSIONS = 384;
const INDEX = 'bench';

// A seeded xorshift32, so every run stores and queries the same vectors.
let state = 0x9e3779b9;
const random = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
};
const vector = () => Array.from({ length: DIMENSIONS }, () => random() * 2 - 1);
function terms(): { indices: number[]; values: number[] } {
  const set = new Set<number>();
  while (set.size < 40) set.add(Math.floor(random() * 30_000));
  const indices = [...set].sort((a, b) => a - b);
  return { indices, values: indices.map(() => 1 + Math.floor(random() * 3)) };
}
const chunk = (i: number): ChunkRecord => ({
  chunkId: `doc${i >> 2}#${i & 3}`,
  docId: `doc${i >> 2}`,
  tenant: i % 5 === 0 ? 'other' : 'bench',
  chunkIndex: i & 3,
  docHash: `h${i >> 2}`,
  text: `chunk ${i} `.repeat(60),
  source: `file://corpus/${i >> 6}.md`,
  metadata: { lang: i % 2 ? 'en' : 'de', year: 2000 + (i % 25) },
  dense: vector(),
  sparse: terms(),
});

const double = await QdrantDoubleServer.start({ spec });
const store = new QdrantVectorStore({ url: double.url, collectionPrefix: 'bench_', upsertBatchSize: batchSize, timeoutMs: 30_000 });
const client = new QdrantClient({ url: double.url, timeout: 30_000, checkCompatibility: false });
const collection = store.collectionOf(INDEX);

console.log(
  formatConditions('Qdrant vector-store adapter: overhead over the raw REST client', {
    iterations,
    stored: `${chunkCount} chunks, ${DIMENSIONS}-d dense + 40-term sparse, ~600-char text`,
    upsert: `${batchSize} chunks per call`,
    server: `QdrantDoubleServer (OpenAPI ${double.specVersion}, every request and response validated), loopback`,
    client: '@qdrant/js-client-rest 1.19.0',
  }),
);

await store.ensureIndex(INDEX, { dimensions: DIMENSIONS });
for (let i = 0; i < chunkCount; i += 500) await store.upsert(INDEX, Array.from({ length: Math.min(500, chunkCount - i) }, (_, j) => chunk(i + j)));

/** Times `adapter` and the raw replay of the request it sent, interleaved (alternating which goes first). */
async function compare(adapter: () => Promise<unknown>, replay: (body: unknown, query: URLSearchParams) => Promise<unknown>): Promise<(string | number)[]> {
  double.reset();
  await adapter();
  const sent = double.requests.at(-1)!;
  // Replayed as is: the client copies the payload it sends, so one object serves every call.
  const body = sent.body;
  const raw = () => replay(body, sent.query);
  const adapterMs: number[] = [];
  const rawMs: number[] = [];
  const time = async (run: () => Promise<unknown>, into: number[]) => {
    const t = performance.now();
    await run();
    into.push(performance.now() - t);
  };
  for (let i = 0; i < 30; i++) await (i % 2 ? raw() : adapter()); // warm-up
  for (let i = 0; i < iterations; i++) {
    if (i % 2) {
      await time(raw, rawMs);
      await time(adapter, adapterMs);
    } else {
      await time(adapter, adapterMs);
      await time(raw, rawMs);
    }
    if (i % 100 === 99) double.reset(); // the double records every request
  }
  const cells = (q: number) => [fixed(quantile(rawMs, q), 3), fixed(quantile(adapterMs, q), 3), fixed(quantile(adapterMs, q) - quantile(rawMs, q), 3)];
  return [...cells(0.5), ...cells(0.99)];
}

const probe = chunk(7);
const base: HybridQuery = { tenant: 'bench', topK: 10, candidates: 100, rrfK: 60 };
const queries: [string, HybridQuery][] = [
  ['search, hybrid (2 prefetches + RRF), filter', { ...base, dense: probe.dense, sparse: probe.sparse, filter: { 'metadata.lang': 'en', source: ['file://corpus/0.md', 'file://corpus/1.md', 'file://corpus/2.md'] } }],
  ['search, hybrid, tenant filter only', { ...base, dense: probe.dense, sparse: probe.sparse }],
  ['search, dense only', { ...base, dense: probe.dense }],
];
const rows: (string | number)[][] = [];
for (const [label, query] of queries) {
  const replay = (body: unknown) => client.query(collection, body as Schemas['QueryRequest']);
  rows.push([label, ...(await compare(() => store.search(INDEX, query), replay))]);
}
const batch = Array.from({ length: batchSize }, (_, i) => chunk(chunkCount + i));
const replayUpsert = (body: unknown, query: URLSearchParams) =>
  client.upsert(collection, { wait: query.get('wait') === 'true', ...(body as { points: Schemas['PointStruct'][] }) });
rows.push([`upsert, ${batchSize} chunks (wait: true)`, ...(await compare(() => store.upsert(INDEX, batch), replayUpsert))]);

console.log('\nPer call, ms (raw = QdrantClient.query / .upsert replaying the adapter’s request; adapter = QdrantVectorStore)\n');
console.log(markdownTable(['operation', 'raw p50', 'adapter p50', 'overhead p50', 'raw p99', 'adapter p99', 'overhead p99'], rows));
console.log(`\nspec violations recorded by the double: ${double.violations.length}`);
for (const v of double.violations.slice(0, 5)) console.log(`  ${v.kind} ${v.method} ${v.path}: ${v.message}`);

await store.close();
await double.close();
// The REST client's keep-alive sockets would hold the process open for their idle timeout.
process.exit(double.violations.length === 0 ? 0 : 1);
