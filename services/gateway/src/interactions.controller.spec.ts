import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { defaultVariant, type InteractionRecord, ManualClock } from '@ragops/contracts';
import { MemoryInteractionLog } from '@ragops/messaging';
import { createLogger } from '@ragops/telemetry';
import { FakePorts, T0 } from '../test/gateway.fakes.js';
import { createGatewayApp } from './create-gateway.app.js';
import { loadGatewayConfig } from './gateway.config.js';

const sha = `sha256:${'2'.repeat(64)}`;
const record = (requestId: string, tenant: string, timestamp: number): InteractionRecord => ({
  schemaVersion: 1,
  requestId,
  tenant,
  timestamp,
  variant: defaultVariant,
  content: 'hash',
  outcome: 'ok',
  query: { hash: sha },
  filtered: false,
  latencyMs: { total: 1 },
});

async function app(feed?: MemoryInteractionLog): Promise<NestFastifyApplication> {
  const ports = new FakePorts();
  return createGatewayApp(
    {
      searcher: ports.searcher,
      generator: ports.generator,
      queue: ports.queue,
      jobs: ports.store,
      clock: new ManualClock(T0),
      readiness: async () => ({ ready: true, dependencies: {} }),
      logger: createLogger({ service: 'gateway', level: 'silent' }),
      ...(feed ? { interactions: feed, interactionFeed: feed } : {}),
    },
    loadGatewayConfig({ LOG_LEVEL: 'silent' }),
  );
}

const lines = (body: string) => body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as InteractionRecord);

describe('GET /v1/interactions/tail (all-in-one)', () => {
  const feed = new MemoryInteractionLog();
  let gw: NestFastifyApplication;
  beforeAll(async () => {
    gw = await app(feed);
    for (const [id, tenant, ts] of [['a', 'acme', 10], ['b', 'globex', 20], ['c', 'acme', 30]] as const) await feed.publish(record(id, tenant, ts));
  });
  afterAll(() => gw.close());

  it('replays buffered records since a time, filtered by tenant, as NDJSON, ending after `limit`', async () => {
    const res = await gw.inject({ method: 'GET', url: '/v1/interactions/tail?since=0&tenant=acme&limit=2' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    expect(lines(res.body).map((r) => r.requestId)).toEqual(['a', 'c']);
    const since = await gw.inject({ method: 'GET', url: '/v1/interactions/tail?since=20&limit=2' });
    expect(lines(since.body).map((r) => r.requestId)).toEqual(['b', 'c']);
  });

  it('follows live records: a record published after the request started is streamed', async () => {
    const pending = gw.inject({ method: 'GET', url: '/v1/interactions/tail?limit=1' });
    await new Promise((r) => setTimeout(r, 50));
    await feed.publish(record('live', 'acme', 40));
    const res = await pending;
    expect(lines(res.body).map((r) => r.requestId)).toEqual(['live']);
  });

  it.each([
    ['since=yesterday', 'since'],
    ['limit=0', 'limit'],
    ['tenant=bad%20tenant', 'tenant'],
    ['follow=true', '(root)'],
  ])('refuses %s with 400 VALIDATION_FAILED naming it', async (query, path) => {
    const res = await gw.inject({ method: 'GET', url: `/v1/interactions/tail?${query}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(res.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it('closing the app ends an open tail instead of hanging', async () => {
    const own = await app(new MemoryInteractionLog());
    const pending = own.inject({ method: 'GET', url: '/v1/interactions/tail' });
    await new Promise((r) => setTimeout(r, 50));
    await own.close();
    expect((await pending).statusCode).toBe(200);
  });
});

describe('GET /v1/interactions/tail elsewhere', () => {
  it('is not a route of a gateway without an in-memory feed (distributed mode tails the stream over NATS)', async () => {
    const gw = await app();
    try {
      const res = await gw.inject({ method: 'GET', url: '/v1/interactions/tail' });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('ROUTE_NOT_FOUND');
    } finally {
      await gw.close();
    }
  });
});
