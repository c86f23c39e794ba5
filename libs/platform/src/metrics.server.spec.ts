import { afterEach, describe, expect, it } from '@jest/globals';
import { createMetrics } from '@ragops/telemetry';
import { type MetricsServer, type MetricsSource, startMetricsServer } from './metrics.server.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function start(registry: MetricsSource, ready?: () => Promise<boolean | void>): Promise<MetricsServer> {
  const server = await startMetricsServer({ registry, port: 0, host: '127.0.0.1', ...(ready ? { ready } : {}) });
  servers.push(server);
  return server;
}

describe('startMetricsServer', () => {
  it("serves the registry's exposition with its content type, read at each scrape", async () => {
    const m = createMetrics('retrieval');
    const server = await start(m.registry);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    m.errors.inc({ code: 'UNAVAILABLE' }, 3);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(m.registry.contentType);
    const text = await res.text();
    expect(text).toContain('ragops_errors_total{code="UNAVAILABLE",service="retrieval"} 3');
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    m.errors.inc({ code: 'UNAVAILABLE' });
    expect(await (await fetch(`${server.url}/metrics?ignored=1`)).text()).toContain('ragops_errors_total{code="UNAVAILABLE",service="retrieval"} 4');
    const head = await fetch(`${server.url}/metrics`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('answers /healthz, refuses other methods and paths, and has /readyz only with a readiness check', async () => {
    const server = await start(createMetrics('ingest').registry);
    expect([(await fetch(`${server.url}/healthz`)).status, await (await fetch(`${server.url}/healthz`)).json()]).toEqual([200, { status: 'ok' }]);
    const post = await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow'), ((await post.json()) as { error: { code: string } }).error.code]).toEqual([405, 'GET, HEAD', 'METHOD_NOT_ALLOWED']);
    for (const path of ['/', '/readyz', '/metrics/', '/Metrics', '/..%2fmetrics']) {
      const res = await fetch(`${server.url}${path}`);
      expect([path, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([path, 404, 'ROUTE_NOT_FOUND']);
    }
  });

  it('reports readiness from the check: ready, not ready, or failing with its reason', async () => {
    let state: 'ok' | 'no' | 'throw' = 'ok';
    const server = await start(createMetrics('ingest').registry, async () => {
      if (state === 'throw') throw new Error('NATS connection closed');
      return state === 'ok';
    });
    const readyz = async () => {
      const res = await fetch(`${server.url}/readyz`);
      return [res.status, await res.json()];
    };
    expect(await readyz()).toEqual([200, { ready: true }]);
    state = 'no';
    expect(await readyz()).toEqual([503, { ready: false }]);
    state = 'throw';
    expect(await readyz()).toEqual([503, { ready: false, error: { code: 'UNAVAILABLE', message: 'NATS connection closed' } }]);
  });

  it('answers 500 when collecting fails, and keeps serving afterwards', async () => {
    let fail = true;
    const server = await start({
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      metrics: async () => {
        if (fail) throw new Error('collector broke');
        return 'up 1\n';
      },
    });
    const broken = await fetch(`${server.url}/metrics`);
    expect([broken.status, await broken.json()]).toEqual([500, { error: { code: 'INTERNAL', message: 'collecting metrics failed: collector broke' } }]);
    fail = false;
    expect(await (await fetch(`${server.url}/metrics`)).text()).toBe('up 1\n');
  });

  it('fails to start on a port in use, naming it', async () => {
    const first = await start(createMetrics('a').registry);
    await expect(startMetricsServer({ registry: createMetrics('b').registry, port: first.port, host: '127.0.0.1' })).rejects.toThrow(
      `cannot listen on 127.0.0.1:${first.port} for /metrics`,
    );
  });

  it('close() returns although a scraper keeps its connection open', async () => {
    const server = await startMetricsServer({ registry: createMetrics('a').registry, port: 0, host: '127.0.0.1' });
    await (await fetch(`${server.url}/metrics`, { headers: { connection: 'keep-alive' } })).text();
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
