import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { QdrantDoubleServer, startNatsServer, type NatsServerHandle } from '@ragops/testing';
import { ingestPath } from '../src/cli.commands.js';
import { GatewayClient } from '../src/gateway.client.js';
import { DistributedPlatform } from './distributed.harness.js';

const corpus = join(import.meta.dirname, '../../../data/sample-corpus/docs');

/**
 * VECTOR_STORE=qdrant end to end: ingest and two retrieval replicas share one Qdrant (here the double that checks
 * every request against Qdrant's OpenAPI spec), so there is no replication log — both replicas read what ingest wrote.
 */
describe('distributed mode on Qdrant (VECTOR_STORE=qdrant, spec-validating double)', () => {
  let nats: NatsServerHandle;
  let qdrant: QdrantDoubleServer;
  let platform: DistributedPlatform;
  let client: GatewayClient;
  let replicas: { served: () => number }[];

  beforeAll(async () => {
    nats = await startNatsServer();
    qdrant = await QdrantDoubleServer.start();
    platform = new DistributedPlatform(nats.url, { VECTOR_STORE: 'qdrant', QDRANT_URL: qdrant.url, QDRANT_COLLECTION_PREFIX: 'e2e_' });
    await platform.startEmbedding();
    replicas = [await platform.startRetrieval('r1'), await platform.startRetrieval('r2')];
    await platform.startGeneration();
    await platform.startIngest();
    client = new GatewayClient(await platform.startGateway());
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    await qdrant?.close();
    await nats?.stop();
  });

  it('ingests into a Qdrant collection and answers from it on every replica, with no spec violations', async () => {
    expect(await ingestPath(client, corpus)).toMatch(/58 indexed, 0 unchanged, 0 failed/);
    const answers = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const result = await client.search('What value of k do we use for reciprocal rank fusion?', 3);
      answers.add(result.hits.map((h) => h.chunkId).join(','));
    }
    expect(answers.size).toBe(1);
    expect([...answers][0]).toContain('hybrid-search-rrf');
    expect(replicas.every((r) => r.served() > 0)).toBe(true);
    const answer = await client.query('What value of k do we use for reciprocal rank fusion?');
    expect(answer.answer).toMatch(/k = 60/);
    expect(qdrant.violations).toEqual([]);
  });

  it('re-ingesting unchanged documents writes nothing new', async () => {
    expect(await ingestPath(client, corpus)).toMatch(/0 indexed, 58 unchanged, 0 failed/);
    expect(qdrant.violations).toEqual([]);
  });
});
