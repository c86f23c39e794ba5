import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ingestPath } from '../src/cli.commands.js';
import { GatewayClient } from '../src/gateway.client.js';
import { startAllInOne, type AllInOnePlatform } from '../src/platform/all-in-one.platform.js';

const root = join(import.meta.dirname, '../../..');
const corpus = join(root, 'data/sample-corpus/docs');
const golden = join(root, 'data/sample-corpus/golden-qa.jsonl');
const env = (dataDir: string) => ({ RAGOPS_DATA_DIR: dataDir, LOG_LEVEL: 'silent', RAGOPS_SAMPLE_CORPUS: 'none' });

describe('all-in-one mode: every service in one process, no servers', () => {
  let dataDir: string;
  let platform: AllInOnePlatform;
  let client: GatewayClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ragops-aio-'));
    platform = await startAllInOne({ env: env(dataDir), port: 0 });
    client = new GatewayClient(platform.url);
  });

  afterAll(async () => {
    await platform?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is ready once every in-process service answers its health probe', async () => {
    const res = await fetch(`${platform.url}/readyz`);
    expect(res.status).toBe(200);
  });

  it('ingests the sample corpus and finds the relevant document for the golden questions', async () => {
    const summary = await ingestPath(client, corpus);
    expect(summary).toMatch(/58 documents .* 58 indexed, 0 unchanged, 0 failed/);

    const qa = (await readFile(golden, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { question: string; relevant_doc_ids: string[] });
    let hitsAt5 = 0;
    for (const q of qa) {
      const { hits } = await client.search(q.question, 5);
      if (hits.some((h) => q.relevant_doc_ids.includes(h.docId))) hitsAt5++;
    }
    // Hit rate@5 on the team's golden set; measured 0.9+ (docs/benchmarks.md), asserted with margin.
    expect(hitsAt5 / qa.length).toBeGreaterThanOrEqual(0.8);
  });

  it('answers with citations that point at retrieved chunks', async () => {
    const answer = await client.query('What value of k do we use for reciprocal rank fusion?');
    expect(answer.answer).toMatch(/k = 60/);
    expect(answer.citations.map((c) => c.docId)).toContain('hybrid-search-rrf');
    // Every marker in the answer is a citation, and every citation is used.
    const markers = new Set([...answer.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
    expect([...markers].sort()).toEqual(answer.citations.map((c) => c.n).sort());
    expect(answer.variant).toMatchObject({ id: 'default', model: 'extractive', index: 'default' });
  });

  it('re-ingesting unchanged documents indexes nothing twice', async () => {
    const before = await platform.store.stats('default');
    const summary = await ingestPath(client, corpus);
    expect(summary).toMatch(/0 indexed, 58 unchanged/);
    expect(await platform.store.stats('default')).toEqual(before);
  });

  it('the ragops CLI talks to it (query and search commands)', async () => {
    const bin = join(root, 'apps/cli/bin/ragops.js');
    const run = promisify(execFile);
    const q = await run(process.execPath, [bin, 'query', 'Which HNSW parameter controls search-time accuracy?', '--url', platform.url]);
    expect(q.stdout).toMatch(/Sources:/);
    const s = await run(process.execPath, [bin, 'search', 'burn rate alert', '--url', platform.url, '--json']);
    expect(JSON.parse(s.stdout).hits.length).toBeGreaterThan(0);
    const bad = await run(process.execPath, [bin, 'search', 'x', '--url', 'http://127.0.0.1:1']).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 69 });
    expect((bad as { stderr: string }).stderr).toMatch(/no ragops gateway answers/);
  });

  it('keeps the index across a restart (snapshot)', async () => {
    const before = await client.search('canary release promotion', 3);
    await platform.close();
    platform = await startAllInOne({ env: env(dataDir), port: 0 });
    expect(platform.firstStart).toBe(false);
    const after = await new GatewayClient(platform.url).search('canary release promotion', 3);
    expect(after.hits.map((h) => h.chunkId)).toEqual(before.hits.map((h) => h.chunkId));
  });
});
