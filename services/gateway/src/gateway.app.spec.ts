import { afterEach, describe, expect, it } from '@jest/globals';
import { postJson, startGateway, type TestGateway } from '../test/gateway.fakes.js';

let gw: TestGateway;
afterEach(async () => {
  await gw?.app.close();
});

describe('GET /healthz and /readyz', () => {
  it('/healthz answers without asking any dependency', async () => {
    gw = await startGateway();
    gw.readiness.next = () => Promise.reject(new Error('must not be called'));
    const res = await gw.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('/readyz is 200 with the report when every dependency is ready', async () => {
    gw = await startGateway();
    const res = await gw.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ready: true, dependencies: { retrieval: { ready: true } } });
  });

  it('/readyz is 503 with per-dependency detail when one is not ready', async () => {
    gw = await startGateway();
    const report = { ready: false, dependencies: { retrieval: { ready: true }, ingestQueue: { ready: false, detail: 'JetStream: no responders' } } };
    gw.readiness.next = async () => report;
    const res = await gw.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual(report);
  });

  it('/readyz is 503 (not 500) when the readiness function throws', async () => {
    gw = await startGateway();
    gw.readiness.next = () => Promise.reject(new Error('nats closed'));
    const res = await gw.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ready: false, dependencies: { readiness: { ready: false, detail: 'nats closed' } } });
  });

  it('/readyz is 503 after READINESS_TIMEOUT_MS when the readiness function hangs', async () => {
    gw = await startGateway({ READINESS_TIMEOUT_MS: '30' });
    gw.readiness.next = () => new Promise(() => {});
    const res = await gw.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().dependencies.readiness.detail).toContain('no answer within 30 ms');
  });
});

describe('GET /metrics', () => {
  it('exposes request durations by route pattern (never the raw URL) in Prometheus text format', async () => {
    gw = await startGateway();
    await gw.app.inject({ method: 'GET', url: '/v1/jobs/secret-id-1' });
    await gw.app.inject({ method: 'GET', url: '/v1/jobs/secret-id-2' });
    await gw.app.inject({ method: 'GET', url: '/wp-admin/secret-path' });
    const res = await gw.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toContain('# TYPE http_server_request_duration_seconds histogram');
    expect(res.body).toContain('process_resident_memory_bytes');
    expect(res.body).toMatch(/http_server_request_duration_seconds_count\{[^}]*method="GET",route="\/v1\/jobs\/:id",status_code="404"\} 2/);
    expect(res.body).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="unmatched",status_code="404"\} 1/);
    expect(res.body).not.toContain('secret');
  });
});

describe('routing errors', () => {
  it('404 ROUTE_NOT_FOUND for an unknown path, listing the routes', async () => {
    gw = await startGateway();
    const res = await gw.app.inject({ method: 'GET', url: '/v1/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ROUTE_NOT_FOUND');
    expect(res.json().error.message).toContain('no route GET /v1/nope; routes: ');
    expect(res.json().error.message).toContain('POST /v1/query');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('404 ROUTE_NOT_FOUND for a POST to an unknown path, before its body is parsed', async () => {
    gw = await startGateway();
    const res = await postJson(gw.app, '/v1/querry', { query: 'q' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ROUTE_NOT_FOUND');
    expect(gw.ports.calls).toEqual([]);
  });

  it.each([
    ['GET', '/v1/query', 'POST'],
    ['PUT', '/v1/documents', 'POST'],
    ['DELETE', '/v1/jobs/job-1', 'GET, HEAD'],
    ['POST', '/healthz', 'GET, HEAD'],
  ] as const)('405 METHOD_NOT_ALLOWED for %s %s, with Allow: %s', async (method, url, allow) => {
    gw = await startGateway();
    const res = await gw.app.inject({ method, url });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.json().error).toEqual({ code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed here; use ${allow}` });
    expect(gw.ports.calls).toEqual([]);
  });
});
