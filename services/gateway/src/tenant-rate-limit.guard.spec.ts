import { describe, expect, it } from '@jest/globals';
import { AppError, type GenerateReply, type SearchReply } from '@ragops/contracts';
import { postJson, type TestGateway, withGateway } from '../test/gateway.fakes.js';

const reply: SearchReply = { index: 'default', hits: [{ chunkId: 'd#0', docId: 'd', score: 0.5, text: 'Aspirin inhibits COX-1.' }], timings: {} };
const answer: GenerateReply = { answer: 'COX-1 [1]', citations: [], model: 'extractive', usage: { promptTokens: 1, completionTokens: 1 }, finishReason: 'stop', droppedChunks: 0 };
const tenant = (name: string) => ({ 'x-ragops-tenant': name });

function serve(gw: TestGateway): void {
  gw.ports.onSearch = async () => reply;
  gw.ports.onGenerate = async () => answer;
}

async function scrape(gw: TestGateway): Promise<string> {
  return (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
}

/** The value of the series `name` whose labels include `labels`, from a Prometheus text exposition. */
function sample(body: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of body.split('\n')) {
    const match = /^([a-z_:]+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...match[2]!.matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

const rejections = (body: string) => sample(body, 'ragops_rate_limit_rejections_total', { limit: 'requests' });

describe('per-tenant request limits (RATE_LIMIT_REQUESTS, memory store)', () => {
  it('every API route that does work draws on the tenant budget and advertises what is left', async () => {
    await withGateway({ RATE_LIMIT_REQUESTS: '4' }, async (gw) => {
      serve(gw);
      const responses = [
        await postJson(gw.app, '/v1/search', { query: 'aspirin' }, tenant('acme')),
        await postJson(gw.app, '/v1/query', { query: 'what does aspirin inhibit' }, tenant('acme')),
        await postJson(gw.app, '/v1/documents', { documents: [{ id: 'd1', text: 'Aspirin inhibits COX-1.' }] }, tenant('acme')),
        // no feedback sink in this gateway: 503 from the route, but the request was admitted (and counted) first
        await postJson(gw.app, '/v1/feedback', { requestId: 'r-1', rating: 'up' }, tenant('acme')),
      ];
      expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 202, 503]);
      expect(responses.map((r) => r.headers['ratelimit-remaining'])).toEqual(['3', '2', '1', '0']);
      for (const r of responses) {
        expect(r.headers['ratelimit-limit']).toBe('4');
        expect(r.headers['ratelimit-policy']).toBe('"requests";q=4;w=60');
        const reset = Number(r.headers['ratelimit-reset']);
        expect(reset).toBeGreaterThanOrEqual(1);
        expect(reset).toBeLessThanOrEqual(60);
        expect(r.headers.ratelimit).toBe(`"requests";r=${r.headers['ratelimit-remaining']};t=${reset}`);
      }
    });
  });

  it('over the budget: 429 RATE_LIMITED with Retry-After and the quota headers, the route not run, the rejection counted', async () => {
    await withGateway({ RATE_LIMIT_REQUESTS: '2', RATE_LIMIT_WINDOW_SECONDS: '30' }, async (gw) => {
      serve(gw);
      for (let i = 0; i < 2; i++) expect((await postJson(gw.app, '/v1/search', { query: 'aspirin' }, tenant('acme'))).statusCode).toBe(200);
      const callsBefore = gw.ports.calls.length;
      expect(rejections(await scrape(gw))).toBe(0);

      const res = await postJson(gw.app, '/v1/query', { query: 'aspirin' }, tenant('acme'));
      expect(res.statusCode).toBe(429);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(30);
      expect(res.json()).toEqual({
        error: {
          code: 'RATE_LIMITED',
          message: `tenant "acme" exceeded 2 requests per 30s; retry after ${retryAfter} s`,
          details: { retryAfterSeconds: retryAfter, limit: 'requests' },
        },
      });
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
      expect(res.headers['ratelimit-remaining']).toBe('0');
      expect(res.headers['ratelimit-reset']).toBe(String(retryAfter));
      expect(res.headers.ratelimit).toBe(`"requests";r=0;t=${retryAfter}`);
      expect(gw.ports.calls.length).toBe(callsBefore);

      expect((await postJson(gw.app, '/v1/documents', { documents: [{ id: 'd1', text: 't' }] }, tenant('acme'))).statusCode).toBe(429);
      const metrics = await scrape(gw);
      expect(rejections(metrics)).toBe(2);
      expect(sample(metrics, 'ragops_errors_total', { code: 'RATE_LIMITED' })).toBe(2);
      expect(sample(metrics, 'http_server_request_duration_seconds_count', { route: '/v1/query', status_code: '429' })).toBe(1);
    });
  });

  it('keeps tenants apart: one tenant spending its budget leaves the others theirs (no header = the default tenant)', async () => {
    await withGateway({ RATE_LIMIT_REQUESTS: '2' }, async (gw) => {
      serve(gw);
      const search = (headers: Record<string, string>) => postJson(gw.app, '/v1/search', { query: 'aspirin' }, headers);
      expect([(await search(tenant('a'))).statusCode, (await search(tenant('a'))).statusCode, (await search(tenant('a'))).statusCode]).toEqual([200, 200, 429]);
      const b = await search(tenant('b'));
      expect([b.statusCode, b.headers['ratelimit-remaining']]).toEqual([200, '1']);
      const anonymous = await search({});
      expect([anonymous.statusCode, anonymous.headers['ratelimit-remaining']]).toEqual([200, '1']);
      expect((await search(tenant('default'))).headers['ratelimit-remaining']).toBe('0'); // the same budget as no header
      // a malformed tenant is a 400 that says so, not someone's budget
      const bad = await search(tenant('not a tenant!'));
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toContain('x-ragops-tenant');
      expect(bad.headers['ratelimit-limit']).toBeUndefined();
    });
  });

  it('never limits probes, /metrics or job status, even for a tenant with no budget left', async () => {
    await withGateway({ RATE_LIMIT_REQUESTS: '1' }, async (gw) => {
      serve(gw);
      await postJson(gw.app, '/v1/search', { query: 'aspirin' });
      expect((await postJson(gw.app, '/v1/search', { query: 'aspirin' })).statusCode).toBe(429);
      for (let i = 0; i < 3; i++) {
        for (const url of ['/healthz', '/readyz', '/metrics', '/v1/jobs/job-404']) {
          const res = await gw.app.inject({ method: 'GET', url });
          expect([url, res.statusCode]).toEqual([url, url === '/v1/jobs/job-404' ? 404 : 200]);
          expect(res.headers['ratelimit-limit']).toBeUndefined();
          expect(res.headers.ratelimit).toBeUndefined();
        }
      }
    });
  });

  it('is off by default: no limit, no quota headers, nothing counted', async () => {
    await withGateway({}, async (gw) => {
      serve(gw);
      for (let i = 0; i < 30; i++) {
        const res = await postJson(gw.app, '/v1/search', { query: 'aspirin' }, tenant('acme'));
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit-limit']).toBeUndefined();
      }
      expect(rejections(await scrape(gw))).toBe(0);
    });
  });

  it('an upstream RATE_LIMITED is a 429 with its Retry-After too, but not a tenant-limit rejection', async () => {
    await withGateway({}, async (gw) => {
      gw.ports.onSearch = () => Promise.reject(new AppError('RATE_LIMITED', 'Qdrant rate limited the search', { retryAfterSeconds: 2.5 }));
      const res = await postJson(gw.app, '/v1/search', { query: 'aspirin' });
      expect(res.statusCode).toBe(429);
      expect(res.headers['retry-after']).toBe('3');
      expect(res.json().error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 2.5 } });
      expect(rejections(await scrape(gw))).toBe(0);
    });
  });

  it('a 503 that says when to come back (an open circuit breaker) gets Retry-After; one that does not, none', async () => {
    await withGateway({}, async (gw) => {
      gw.ports.onSearch = () => Promise.reject(new AppError('UNAVAILABLE', 'circuit open', { retryAfterSeconds: 30 }));
      const open = await postJson(gw.app, '/v1/search', { query: 'aspirin' });
      expect([open.statusCode, open.headers['retry-after']]).toEqual([503, '30']);
      gw.ports.onSearch = () => Promise.reject(new AppError('UNAVAILABLE', 'no retrieval replica'));
      const down = await postJson(gw.app, '/v1/search', { query: 'aspirin' });
      expect([down.statusCode, down.headers['retry-after']]).toEqual([503, undefined]);
    });
  });
});
