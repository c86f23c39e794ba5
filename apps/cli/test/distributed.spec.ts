import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { JobView } from '@ragops/contracts';
import { startNatsServer, type NatsServerHandle } from '@ragops/testing';
import { DistributedPlatform } from './distributed.harness.js';

const corpusDir = join(import.meta.dirname, '../../../data/sample-corpus/docs');

async function waitForJob(app: NestFastifyApplication, jobId: string, timeoutMs = 20_000): Promise<JobView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await app.inject({ method: 'GET', url: `/v1/jobs/${jobId}` });
    const view = res.json() as JobView;
    if (view.status === 'done' || view.status === 'failed') return view;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${view.status}: ${res.body}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('distributed mode over real NATS: every service its own Nest app, two retrieval replicas', () => {
  let nats: NatsServerHandle;
  let platform: DistributedPlatform;
  let gateway: NestFastifyApplication;
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
    const submitted = await gateway.inject({ method: 'POST', url: '/v1/documents', payload: { documents } });
    expect(submitted.statusCode).toBe(202);
    const view = await waitForJob(gateway, submitted.json().jobId);
    expect(view.status).toBe('done');
    expect(view.documents).toMatchObject({ total: documents.length, indexed: documents.length, failed: 0 });

    const res = await gateway.inject({
      method: 'POST',
      url: '/v1/query',
      payload: { query: 'What k constant does reciprocal rank fusion use?' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.answer).toMatch(/60/);
    expect(body.citations.length).toBeGreaterThan(0);
    expect(body.citations.map((c: { docId: string }) => c.docId)).toContain('hybrid-search-rrf');
    expect(body.timings.totalMs).toBeGreaterThan(0);
  });

  it('spreads searches over both retrieval replicas (queue group), each answering from the same index', async () => {
    const before = replicas.map((r) => r.served());
    const answers = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await gateway.inject({ method: 'POST', url: '/v1/search', payload: { query: 'circuit breaker half-open state', topK: 3 } });
      expect(res.statusCode).toBe(200);
      answers.add(JSON.stringify(res.json().hits.map((h: { chunkId: string }) => h.chunkId)));
    }
    const served = replicas.map((r, i) => r.served() - before[i]);
    expect(served[0] + served[1]).toBe(40);
    expect(served[0]).toBeGreaterThan(0);
    expect(served[1]).toBeGreaterThan(0);
    expect(answers.size).toBe(1); // both replicas hold the same index
  });
});
