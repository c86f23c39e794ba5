import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { SearchReply } from '@ragops/contracts';
import { PrivateRedisServer } from '@ragops/testing';
import { Redis } from 'ioredis';
import { postJson, startGateway, type TestGateway } from './gateway.fakes.js';

// The machine's shared Redis: every key this suite writes is under its own prefix, removed at the end.
const SHARED_REDIS = 'redis://127.0.0.1:6379';
const prefix = `ragops-test-gw-rl-${randomUUID()}`;

const reply: SearchReply = { index: 'default', hits: [], timings: {} };
const search = (gw: TestGateway, tenant = 'acme') => postJson(gw.app, '/v1/search', { query: 'aspirin' }, { 'x-ragops-tenant': tenant });
/** ragops_rate_limit_rejections_total{limit="requests"} of one gateway, whatever the label order. */
async function rejections(gw: TestGateway): Promise<number | undefined> {
  const line = (await gw.metrics.registry.metrics()).split('\n').find((l) => l.startsWith('ragops_rate_limit_rejections_total{') && l.includes('limit="requests"'));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}
const outageLines = (gw: TestGateway) => gw.logs.filter((l) => String(l.msg).startsWith('rate-limit store unavailable'));

const opened: TestGateway[] = [];
async function gateway(env: Record<string, string>): Promise<TestGateway> {
  const gw = await startGateway({ RATE_LIMIT_STORE: 'redis', REDIS_PREFIX: prefix, ...env });
  gw.ports.onSearch = async () => reply;
  opened.push(gw);
  return gw;
}

afterEach(async () => {
  for (const gw of opened.splice(0)) await gw.app.close();
});

afterAll(async () => {
  const redis = new Redis(SHARED_REDIS);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
  // Disconnecting a client whose socket already died (Redis killed, or never reached) leaves ioredis a 500 ms timer
  // (disconnectTimeout, see libs/cache redis.connection.ts); let it run out so the Jest worker exits cleanly.
  await new Promise((r) => setTimeout(r, 700));
});

describe('per-tenant request limits on Redis (RATE_LIMIT_STORE=redis)', () => {
  it('two gateway instances draw on one budget per tenant', async () => {
    const env = { RATE_LIMIT_REQUESTS: '4', REDIS_URL: SHARED_REDIS };
    const [a, b] = [await gateway(env), await gateway(env)];
    const responses = [];
    for (let i = 0; i < 6; i++) responses.push(await search(i % 2 === 0 ? a : b));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 429, 429]);
    expect(responses.slice(0, 4).map((r) => r.headers['ratelimit-remaining'])).toEqual(['3', '2', '1', '0']);
    expect(responses[5]!.json().error.message).toMatch(/^tenant "acme" exceeded 4 requests per 60s; retry after \d+ s$/);
    // each instance counts the rejections it answered
    expect([await rejections(a), await rejections(b)]).toEqual([1, 1]);
    // another tenant's budget is untouched, on either instance
    expect((await search(b, 'globex')).headers['ratelimit-remaining']).toBe('3');
  });

  describe('through a Redis outage', () => {
    let server: PrivateRedisServer | undefined;
    afterEach(async () => {
      await server?.kill();
      server = undefined;
    });

    it('RATE_LIMIT_FAIL=open (default): serves requests unmetered, logs the outage at most every 10 s, meters again once Redis is back', async () => {
      server = await PrivateRedisServer.start();
      const gw = await gateway({ RATE_LIMIT_REQUESTS: '100', REDIS_URL: server.url });
      expect((await search(gw)).headers['ratelimit-remaining']).toBe('99');

      await server.kill();
      for (let i = 0; i < 3; i++) {
        const res = await search(gw);
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit-limit']).toBeUndefined(); // nothing known to advertise
      }
      expect(outageLines(gw)).toHaveLength(1);
      expect(outageLines(gw)[0]).toMatchObject({ requests: 1, err: { message: expect.stringContaining('rate-limit store') } });

      gw.clock.advance(10_000); // the gateway's injected clock paces the log
      expect((await search(gw)).statusCode).toBe(200);
      expect(outageLines(gw).map((l) => l.requests)).toEqual([1, 3]);

      await server.restart();
      const deadline = Date.now() + 15_000;
      let metered;
      while (Date.now() < deadline && metered === undefined) {
        metered = (await search(gw)).headers['ratelimit-remaining'];
        if (metered === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(metered).toBe('99'); // the restarted server kept nothing
      expect(await rejections(gw)).toBe(0);
    });

    it('RATE_LIMIT_FAIL=closed: refuses requests with 503 UNAVAILABLE while Redis is down; probes still answer', async () => {
      server = await PrivateRedisServer.start();
      const gw = await gateway({ RATE_LIMIT_REQUESTS: '100', RATE_LIMIT_FAIL: 'closed', REDIS_URL: server.url });
      expect((await search(gw)).statusCode).toBe(200);

      await server.kill();
      const res = await search(gw);
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('UNAVAILABLE');
      expect(res.json().error.message).toContain('rate limits cannot be checked');
      expect(res.json().error.message).not.toContain(String(server.port)); // the store's address stays in the log
      expect(gw.ports.calls.filter((c) => c.port === 'search')).toHaveLength(1);
      expect((await gw.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect(await rejections(gw)).toBe(0);
    });
  });

  it('a gateway whose Redis store does not answer at start refuses to start', async () => {
    await expect(startGateway({ RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:1' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
