import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startNatsServer, type NatsServerHandle } from '@ragops/testing';
import { GatewayClient } from '../src/gateway.client.js';
import { DistributedPlatform } from './distributed.harness.js';

const corpusDir = join(import.meta.dirname, '../../../data/sample-corpus/docs');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
async function post(url: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('distributed mode over real NATS: every service its own Nest app, two retrieval replicas', () => {
  let nats: NatsServerHandle;
  let platform: DistributedPlatform;
  let gateway: string;
  let replicas: { served: () => number }[];

  beforeAll(async () => {
    nats = await startNatsServer();
    platform = new DistributedPlatform(nats.url);
    await platform.startEmbedding();
    replicas = [await platform.startRetrieval('r1'), await platform.startRetrieval('r2')];
    await platform.startGeneration();
    await platform.startIngest();
    gateway = await platform.startGateway();
  });

  afterAll(async () => {
    await platform?.close();
    await nats?.stop();
  });

  it('ingests the sample corpus through JetStream and answers a question end to end', async () => {
    const files = (await readdir(corpusDir)).filter((f) => f.endsWith('.md')).sort();
    const documents = await Promise.all(
      files.map(async (f) => ({ id: f.replace(/\.md$/, ''), format: 'markdown' as const, text: await readFile(join(corpusDir, f), 'utf8') })),
    );
    const submitted = await post(gateway, '/v1/documents', { documents });
    expect(submitted.status).toBe(202);
    const view = await new GatewayClient(gateway).waitForJob(submitted.body.jobId, 20_000, 50);
    expect(view.status).toBe('done');
    expect(view.documents).toMatchObject({ total: documents.length, indexed: documents.length, failed: 0 });

    const res = await post(gateway, '/v1/query', { query: 'What value of k do we use for reciprocal rank fusion?' });
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.answer).toMatch(/k = 60/);
    expect(body.citations.length).toBeGreaterThan(0);
    expect(body.citations.map((c: { docId: string }) => c.docId)).toContain('hybrid-search-rrf');
    expect(body.timings.totalMs).toBeGreaterThan(0);
  });

  it('spreads searches over both retrieval replicas (queue group), each answering from the same index', async () => {
    const before = replicas.map((r) => r.served());
    const answers = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await post(gateway, '/v1/search', { query: 'circuit breaker half-open state', topK: 3 });
      expect(res.status).toBe(200);
      answers.add(JSON.stringify(res.body.hits.map((h: { chunkId: string }) => h.chunkId)));
    }
    const served = replicas.map((r, i) => r.served() - before[i]);
    expect(served[0] + served[1]).toBe(40);
    expect(served[0]).toBeGreaterThan(0);
    expect(served[1]).toBeGreaterThan(0);
    expect(answers.size).toBe(1); // both replicas hold the same index
  });
});
