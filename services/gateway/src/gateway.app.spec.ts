import { afterEach, describe, expect, it } from '@jest/globals';
import { postJson, postRaw, startGateway, type TestGateway } from '../test/gateway.fakes.js';

let gw: TestGateway;
afterEach(async () => {
  await gw?.app.close();
});

describe('gateway app: probes, metrics, routing errors', () => {
  it('GET /healthz answers without asking any dependency', async () => {
    gw = await startGateway();
    gw.readiness.next = () => Promise.reject(new Error('must not be called'));
    const res = await gw.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});
