import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppError, type FeedbackRecord, type InteractionRecord, ManualClock } from '@ragops/contracts';
import { createLogger, createMetrics, type ServiceMetrics } from '@ragops/telemetry';
import { FakePorts, postJson, postRaw, T0 } from '../test/gateway.fakes.js';
import { createGatewayApp } from './create-gateway.app.js';
import { loadGatewayConfig } from './gateway.config.js';

interface Setup {
  app: NestFastifyApplication;
  ports: FakePorts;
  stored: FeedbackRecord[];
  records: InteractionRecord[];
  metrics: ServiceMetrics;
  fail: { error?: unknown };
}

async function start(env: Record<string, string> = {}, withSinks = true): Promise<Setup> {
  const ports = new FakePorts();
  const stored: FeedbackRecord[] = [];
  const records: InteractionRecord[] = [];
  const fail: { error?: unknown } = {};
  const metrics = createMetrics('gateway');
  const app = await createGatewayApp(
    {
      searcher: ports.searcher,
      generator: ports.generator,
      queue: ports.queue,
      jobs: ports.store,
      clock: new ManualClock(T0),
      readiness: async () => ({ ready: true, dependencies: {} }),
      metrics,
      logger: createLogger({ service: 'gateway', level: 'silent' }),
      ...(withSinks
        ? {
            interactions: { publish: async (r: InteractionRecord) => void records.push(r) },
            feedback: {
              publish: async (r: FeedbackRecord) => {
                if (fail.error) throw fail.error;
                stored.push(r);
              },
            },
          }
        : {}),
    },
    loadGatewayConfig({ LOG_LEVEL: 'silent', ...env }),
  );
  return { app, ports, stored, records, metrics, fail };
}

describe('POST /v1/feedback', () => {
  let gw: Setup;
  beforeAll(async () => {
    gw = await start();
  });
  afterAll(() => gw.app.close());
  beforeEach(() => {
    gw.stored.length = 0;
    gw.fail.error = undefined;
  });

  it('stores a thumbs up for the tenant and answers 202 with the feedback id', async () => {
    const res = await postJson(gw.app, '/v1/feedback', { requestId: 'req-1', rating: 'up', comment: 'mail me: jane.doe@example.com' }, { 'x-ragops-tenant': 'acme' });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toEqual({ feedbackId: gw.stored[0]!.feedbackId, requestId: 'req-1' });
    expect(gw.stored[0]).toMatchObject({ requestId: 'req-1', tenant: 'acme', rating: 'up', score: 1, timestamp: T0, content: 'redacted' });
    // The default content setting masks personal data in the comment.
    expect(gw.stored[0]!.comment?.text).toBe('mail me: [EMAIL]');
    expect(JSON.stringify(gw.stored[0])).not.toContain('jane.doe');
  });

  it('attributes feedback to the variant that answered, when this gateway answered it', async () => {
    gw.ports.onSearch = async () => ({ index: 'default', hits: [], timings: {} });
    gw.ports.onGenerate = async () => ({ answer: 'none', citations: [], model: 'extractive', usage: { promptTokens: 0, completionTokens: 0 }, finishReason: 'no_context', droppedChunks: 0 });
    const q = await postJson(gw.app, '/v1/query', { query: 'anything?' }, { 'x-request-id': 'served-here' });
    expect(q.statusCode).toBe(200);
    await postJson(gw.app, '/v1/feedback', { requestId: 'served-here', score: 0.2 });
    await postJson(gw.app, '/v1/feedback', { requestId: 'served-elsewhere', rating: 'down' });
    expect(gw.stored.map((s) => [s.requestId, s.variant, s.score])).toEqual([
      ['served-here', 'default', 0.2],
      ['served-elsewhere', undefined, 0],
    ]);
  });

  it.each([
    ['no rating and no score', { requestId: 'r1' }, ['(root)']],
    ['both rating and score', { requestId: 'r1', rating: 'up', score: 1 }, ['(root)']],
    ['a rating that is not up/down', { requestId: 'r1', rating: 'meh' }, ['rating']],
    ['a score above 1', { requestId: 'r1', score: 1.01 }, ['score']],
    ['a negative score', { requestId: 'r1', score: -0.5 }, ['score']],
    ['a score as a string', { requestId: 'r1', score: '0.5' }, ['score']],
    ['a missing request id', { rating: 'up' }, ['requestId']],
    ['a request id with spaces', { requestId: 'a b', rating: 'up' }, ['requestId']],
    ['a request id over 128 characters', { requestId: 'x'.repeat(129), rating: 'up' }, ['requestId']],
    ['a comment over 2000 characters', { requestId: 'r1', rating: 'up', comment: 'x'.repeat(2001) }, ['comment']],
    ['an unknown key', { requestId: 'r1', rating: 'up', variant: 'canary' }, ['(root)']],
    ['an array body', [{ requestId: 'r1', rating: 'up' }], ['(root)']],
  ])('refuses %s with 400 VALIDATION_FAILED naming the field, storing nothing', async (_what, body, paths) => {
    const res = await postJson(gw.app, '/v1/feedback', body);
    expect(res.statusCode).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(paths));
    expect(gw.stored).toEqual([]);
  });

  it('refuses malformed JSON (400 INVALID_JSON), a wrong content type (415) and a bad tenant (400), storing nothing', async () => {
    const bad = await postRaw(gw.app, '/v1/feedback', '{"requestId": "r1", "rating": ', { 'content-type': 'application/json' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_JSON');
    const text = await postRaw(gw.app, '/v1/feedback', 'requestId=r1&rating=up', { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const tenant = await postJson(gw.app, '/v1/feedback', { requestId: 'r1', rating: 'up' }, { 'x-ragops-tenant': 'not a tenant!' });
    expect(tenant.statusCode).toBe(400);
    expect(tenant.json().error.code).toBe('VALIDATION_FAILED');
    expect(gw.stored).toEqual([]);
  });

  it('a feedback stream that is down answers 503 UNAVAILABLE', async () => {
    gw.fail.error = new Error('no responders');
    const res = await postJson(gw.app, '/v1/feedback', { requestId: 'r1', rating: 'up' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('UNAVAILABLE');
    gw.fail.error = new AppError('DEADLINE_EXCEEDED', 'slow');
    expect((await postJson(gw.app, '/v1/feedback', { requestId: 'r1', rating: 'up' })).statusCode).toBe(504);
  });

  it('counts requests to the route in the HTTP histogram (route pattern, status)', async () => {
    await postJson(gw.app, '/v1/feedback', { requestId: 'r1', rating: 'up' });
    await postJson(gw.app, '/v1/feedback', { requestId: 'r1' });
    const text = await gw.metrics.registry.metrics();
    expect(text).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\/v1\/feedback"[^}]*status_code="202"[^}]*\} [1-9]/);
    expect(text).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\/v1\/feedback"[^}]*status_code="400"[^}]*\} [1-9]/);
  });
});

describe('POST /v1/feedback without a feedback stream', () => {
  it.each([
    ['INTERACTIONS=off', { INTERACTIONS: 'off' }, true],
    ['no sink given', {}, false],
  ])('with %s: valid feedback is 503 UNAVAILABLE, invalid still 400', async (_what, env, withSinks) => {
    const gw = await start(env, withSinks);
    try {
      const res = await postJson(gw.app, '/v1/feedback', { requestId: 'r1', rating: 'up' });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('UNAVAILABLE');
      expect((await postJson(gw.app, '/v1/feedback', { requestId: 'r1' })).statusCode).toBe(400);
      expect(gw.stored).toEqual([]);
    } finally {
      await gw.app.close();
    }
  });
});

describe('interaction records from POST /v1/query', () => {
  it('one record per query, published after the answer, PII masked, counted as published', async () => {
    const gw = await start();
    try {
      gw.ports.onSearch = async () => ({ index: 'default', hits: [{ chunkId: 'c#0', docId: 'c', score: 1, text: 'Cards are validated with the Luhn checksum.' }], timings: { searchMs: 1 } });
      gw.ports.onGenerate = async () => ({ answer: 'Luhn [1].', citations: [{ n: 1, chunkId: 'c#0', docId: 'c' }], model: 'extractive', usage: { promptTokens: 9, completionTokens: 2 }, finishReason: 'stop', droppedChunks: 0 });
      const res = await postJson(gw.app, '/v1/query', { query: 'is 4111 1111 1111 1111 valid? ask bob@corp.example' }, { 'x-request-id': 'q-1', 'x-ragops-tenant': 'acme' });
      expect(res.statusCode).toBe(200);
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      expect(gw.records).toHaveLength(1);
      const record = gw.records[0]!;
      expect(record).toMatchObject({ requestId: 'q-1', tenant: 'acme', outcome: 'ok', query: { text: 'is [CARD] valid? ask [EMAIL]' } });
      const json = JSON.stringify(record);
      expect(json).not.toContain('4111');
      expect(json).not.toContain('bob@');
      expect(await gw.metrics.registry.metrics()).toMatch(/ragops_interaction_records_total\{[^}]*outcome="published"[^}]*\} 1/);
    } finally {
      await gw.app.close();
    }
  });
});
