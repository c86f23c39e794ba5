import { afterAll, it } from '@jest/globals';
import { postJson, postRaw, startGateway } from '../test/gateway.fakes.js';

it('explore', async () => {
  const gw = await startGateway();
  const show = async (label: string, p: Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>) => {
    const r = await p;
    process.stdout.write(`${label}: ${r.statusCode} ${r.body.slice(0, 300)} rid=${r.headers['x-request-id']} allow=${r.headers['allow'] ?? ''}\n`);
  };
  await show('bad json', postRaw(gw.app, '/v1/query', '{bad', { 'content-type': 'application/json' }));
  await show('empty json', postRaw(gw.app, '/v1/query', '', { 'content-type': 'application/json' }));
  await show('no body', gw.app.inject({ method: 'POST', url: '/v1/query' }));
  await show('text/plain', postRaw(gw.app, '/v1/query', 'hello', { 'content-type': 'text/plain' }));
  await show('form', postRaw(gw.app, '/v1/query', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }));
  await show('no ct with body', postRaw(gw.app, '/v1/query', 'abc', {}));
  await show('array', postJson(gw.app, '/v1/query', [1]));
  await show('topk', postJson(gw.app, '/v1/query', { query: 'x', topK: 1.5 }));
  await show('404', gw.app.inject({ method: 'GET', url: '/nope?x=1' }));
  await show('405', gw.app.inject({ method: 'GET', url: '/v1/query' }));
  await show('405b', gw.app.inject({ method: 'DELETE', url: '/v1/jobs/abc' }));
  await show('big', postRaw(gw.app, '/v1/documents', 'x'.repeat(16 * 1024 * 1024 + 10), { 'content-type': 'application/json' }));
  await show('proto', postRaw(gw.app, '/v1/query', '{"__proto__":{"a":1},"query":"x"}', { 'content-type': 'application/json' }));
  await show('bad url', gw.app.inject({ method: 'GET', url: '/v1/jobs/%E0%A4%A' }));
  await show('rid', gw.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } }));
  await show('rid bad', gw.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'a b' } }));
  await show('head healthz', gw.app.inject({ method: 'HEAD', url: '/healthz' }));
  await show('job', gw.app.inject({ method: 'GET', url: '/v1/jobs/zzz' }));
  await show('charset json', postRaw(gw.app, '/v1/query', '{}', { 'content-type': 'application/json; charset=utf-8' }));
  const m = await gw.app.inject({ method: 'GET', url: '/metrics' });
  process.stdout.write(m.headers['content-type'] + '\n' + m.body.split('\n').filter((l) => l.startsWith('http_server_request_duration_seconds_count')).join('\n') + '\n');
  process.stdout.write(JSON.stringify(gw.logs.slice(-3)) + '\n');
  await gw.app.close();
});
