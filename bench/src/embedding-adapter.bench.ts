/**
 * What the OpenAI-compatible embedding adapter costs on top of the raw `openai` SDK call, and embedding throughput
 * through the embedding service over NATS, both against the protocol double answering with zero latency (so the
 * figures are the client side's own cost, not a model's).
 *
 *   node bench/dist/embedding-adapter.bench.js [--iterations 400] [--texts 4096]
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { defaultVariant, type RequestContext, systemClock } from '@ragops/contracts';
import { EmbeddingModule } from '@ragops/embedding';
import { RemoteEmbedder } from '@ragops/messaging';
import { OpenAIEmbedder } from '@ragops/models';
import { createRpcClient, startMicroservice } from '@ragops/platform';
import type { Embedder } from '@ragops/rag';
import { OpenAIDoubleServer } from '@ragops/testing/doubles';
import { formatConditions, markdownTable } from './machine.conditions.js';
import { startPrivateNats } from './process.harness.js';
import { fixed, quantile } from './stats.math.js';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '400' }, texts: { type: 'string', default: '4096' } } });
const iterations = Number(values.iterations);
const textCount = Number(values.texts);
const DIMENSIONS = 384;
const MODEL = 'text-embedding-3-small';

const ctx = (): RequestContext => ({ requestId: 'bench', tenant: 'bench', deadline: Date.now() + 60_000, variant: defaultVariant });
const root = join(import.meta.dirname, '../..');
const corpus = readFileSync(join(root, '../shared/data/beir-scifact/corpus.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .slice(0, textCount)
  .map((line) => (JSON.parse(line) as { text: string }).text.slice(0, 2000));

const double = await OpenAIDoubleServer.start({ defaultDimensions: DIMENSIONS });
const raw = new OpenAI({ baseURL: double.baseURL, apiKey: 'bench', maxRetries: 0, logLevel: 'off', organization: null, project: null });
const adapter = new OpenAIEmbedder({ baseURL: double.baseURL, apiKey: 'bench', model: MODEL, dimensions: DIMENSIONS, maxRetries: 0 });

console.log(formatConditions('OpenAI-compatible embedding adapter: overhead and throughput', { iterations, texts: corpus.length, dimensions: DIMENSIONS, server: 'OpenAIDoubleServer, zero latency, loopback' }));

// 1. Overhead per call: raw SDK call vs adapter, interleaved (alternating which goes first) so drift hits both.
const overheadRows: (string | number)[][] = [];
for (const batch of [1, 32, 128]) {
  const texts = corpus.slice(0, batch);
  const rawMs: number[] = [];
  const adapterMs: number[] = [];
  const callRaw = async () => {
    const t = performance.now();
    await raw.embeddings.create({ model: MODEL, input: texts, dimensions: DIMENSIONS }, { timeout: 60_000, signal: AbortSignal.timeout(60_000) });
    rawMs.push(performance.now() - t);
  };
  const callAdapter = async () => {
    const t = performance.now();
    await adapter.embed(texts, 'document', ctx());
    adapterMs.push(performance.now() - t);
  };
  for (let i = 0; i < 30; i++) await (i % 2 ? callRaw() : callAdapter()); // warm-up
  rawMs.length = adapterMs.length = 0;
  for (let i = 0; i < iterations; i++) {
    if (i % 2) {
      await callRaw();
      await callAdapter();
    } else {
      await callAdapter();
      await callRaw();
    }
  }
  const row = (q: number) => [fixed(quantile(rawMs, q), 3), fixed(quantile(adapterMs, q), 3), fixed(quantile(adapterMs, q) - quantile(rawMs, q), 3)];
  overheadRows.push([batch, ...row(0.5), ...row(0.99)]);
}
console.log('\nPer call, ms (raw = openai SDK embeddings.create with the same options; adapter = OpenAIEmbedder.embed)\n');
console.log(markdownTable(['batch', 'raw p50', 'adapter p50', 'overhead p50', 'raw p99', 'adapter p99', 'overhead p99'], overheadRows));

// 2. Throughput: batches of 32 texts, 4 in flight, directly and through the embedding service over NATS.
async function throughput(embedder: Embedder): Promise<number> {
  const batches: string[][] = [];
  for (let i = 0; i < corpus.length; i += 32) batches.push(corpus.slice(i, i + 32));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches.length) await embedder.embed(batches[next++]!, 'document', ctx());
    }),
  );
  return corpus.length / ((performance.now() - started) / 1000);
}

const nats = await startPrivateNats();
const transport = { kind: 'nats', servers: nats.url } as const;
const service = await startMicroservice(EmbeddingModule.register({ embedder: adapter }), 'embedding', transport);
const client = await createRpcClient(transport, 'bench', systemClock);
const remote = new RemoteEmbedder(client.rpc, { model: MODEL, dimensions: DIMENSIONS });
await throughput(remote); // warm-up
const rows: (string | number)[][] = [];
for (let round = 0; round < 3; round++) {
  rows.push(['adapter, in process', round + 1, Math.round(await throughput(adapter))]);
  rows.push(['embedding service over NATS', round + 1, Math.round(await throughput(remote))]);
}
console.log(`\nThroughput, texts/s (${corpus.length} SciFact texts ≤ 2,000 chars, batches of 32, 4 in flight)\n`);
console.log(markdownTable(['path', 'round', 'texts/s'], rows));

await service.close();
await client.close();
await nats.stop();
await double.close();
