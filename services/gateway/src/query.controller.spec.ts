import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { AppError, type ChunkHit, type GenerateReply, Limits } from '@ragops/contracts';
import { postJson, postRaw, resetGateway, startGateway, T0, type TestGateway, withGateway } from '../test/gateway.fakes.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
beforeEach(() => resetGateway(gw));
afterAll(async () => {
  await gw.app.close();
});

const hits: ChunkHit[] = [
  { chunkId: 'd1#0', docId: 'd1', score: 0.032, text: 'Aspirin inhibits COX-1.', title: 'Aspirin' },
  { chunkId: 'd7#2', docId: 'd7', score: 0.016, text: 'COX-2 inhibitors reduce inflammation.' },
];
const answer: GenerateReply = {
  answer: 'Aspirin inhibits COX-1 [1].',
  citations: [{ n: 1, chunkId: 'd1#0', docId: 'd1' }],
  model: 'extractive',
  usage: { promptTokens: 120, completionTokens: 9 },
  finishReason: 'stop',
  droppedChunks: 0,
};

/** Scripts the ports to answer after taking the given times on the manual clock. */
function scriptPorts(searchMs = 4, generateMs = 11, target: TestGateway = gw) {
  target.ports.onSearch = async () => {
    target.clock.advance(searchMs);
    return { index: 'default', hits, timings: { retrievalMs: searchMs } };
  };
  target.ports.onGenerate = async () => {
    target.clock.advance(generateMs);
    return answer;
  };
}

describe('POST /v1/search', () => {
  it('returns hits, index and timings; the searcher gets the request and a full context', async () => {
    scriptPorts();
    const res = await postJson(gw.app, '/v1/search', { query: 'what does aspirin inhibit', topK: 2, filter: { 'metadata.year': 2020 } }, {
      'x-request-id': 'abc-1',
      'x-ragops-tenant': 'acme',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('abc-1');
    expect(res.json()).toEqual({ index: 'default', hits, timings: { retrievalMs: 4, totalMs: 4 } });

    expect(gw.ports.portsCalled()).toEqual(['search']);
    const call = gw.ports.calls[0];
    if (call.port !== 'search') throw new Error('expected search');
    expect(call.req).toEqual({ query: 'what does aspirin inhibit', topK: 2, filter: { 'metadata.year': 2020 } });
    expect(call.ctx).toMatchObject({ requestId: 'abc-1', tenant: 'acme', deadline: T0 + 5000 });
    expect(call.ctx.variant).toMatchObject({ id: 'default', index: 'default', retrieval: { topK: 2, mode: 'sparse' } });
  });

  it('uses the configured variant when the request sets no topK', async () => {
    await withGateway({ DEFAULT_TOPK: '8', RETRIEVAL_MODE: 'sparse', INDEX: 'scifact' }, async (own) => {
      scriptPorts(4, 11, own);
      expect((await postJson(own.app, '/v1/search', { query: 'x' })).statusCode).toBe(200);
      const call = own.ports.calls[0];
      if (call.port !== 'search') throw new Error('expected search');
      expect(call.req).toEqual({ query: 'x' });
      expect(call.ctx.tenant).toBe('default');
      expect(call.ctx.variant).toMatchObject({ index: 'scifact', retrieval: { topK: 8, mode: 'sparse' } });
    });
  });
});

describe('POST /v1/query', () => {
  it('retrieves then generates, and returns the QueryResult with the request id', async () => {
    scriptPorts(4, 11);
    const res = await postJson(gw.app, '/v1/query', { query: 'what does aspirin inhibit' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      requestId: res.headers['x-request-id'],
      answer: 'Aspirin inhibits COX-1 [1].',
      citations: [{ n: 1, chunkId: 'd1#0', docId: 'd1' }],
      finishReason: 'stop',
      usage: { promptTokens: 120, completionTokens: 9 },
      variant: { id: 'default', prompt: 'rag-answer@1', model: 'extractive', index: 'default' },
      model: 'extractive',
      timings: { retrievalMs: 4, generationMs: 11, totalMs: 15 },
      hits: 2,
    });
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(gw.ports.portsCalled()).toEqual(['search', 'generate']);
    const gen = gw.ports.calls[1];
    if (gen.port !== 'generate') throw new Error('expected generate');
    expect(gen.input).toEqual({ query: 'what does aspirin inhibit', chunks: hits });
    expect(gen.ctx.deadline).toBe(T0 + 5000);
  });

  it('records retrieval and generation stage durations', async () => {
    scriptPorts(4, 11);
    await postJson(gw.app, '/v1/query', { query: 'q' });
    const text = await gw.metrics.registry.metrics();
    expect(text).toMatch(/ragops_stage_duration_seconds_sum\{[^}]*stage="retrieval"[^}]*\} 0\.004\n/);
    expect(text).toMatch(/ragops_stage_duration_seconds_sum\{[^}]*stage="generation"[^}]*\} 0\.011\n/);
  });

  it("keeps the caller's traceparent out of the request context: trace context travels in message headers", async () => {
    scriptPorts();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await postJson(gw.app, '/v1/query', { query: 'q' }, { traceparent, tracestate: 'vendor=1' });
    expect(res.statusCode).toBe(200);
    const [first] = gw.ports.calls;
    if (first.port !== 'search') throw new Error('expected a search');
    expect(Object.keys(first.ctx).sort()).toEqual(['deadline', 'requestId', 'tenant', 'variant']);
  });

  it('replaces an unsafe x-request-id with a generated one', async () => {
    scriptPorts();
    const res = await postJson(gw.app, '/v1/query', { query: 'q' }, { 'x-request-id': 'evil\tid' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json().requestId).toBe(res.headers['x-request-id']);
  });
});

describe('port failures', () => {
  it.each([
    ['DEADLINE_EXCEEDED', 504],
    ['UNAVAILABLE', 503],
    ['UPSTREAM_FAILED', 502],
    ['UNKNOWN_INDEX', 404],
  ] as const)('maps %s from the searcher to %i with the error body', async (code, status) => {
    gw.ports.onSearch = () => Promise.reject(new AppError(code, `searcher says ${code}`));
    for (const url of ['/v1/search', '/v1/query']) {
      const res = await postJson(gw.app, url, { query: 'q' });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ error: { code, message: `searcher says ${code}` } });
    }
  });

  it('504 DEADLINE_EXCEEDED from the generator', async () => {
    scriptPorts();
    gw.ports.onGenerate = () => Promise.reject(new AppError('DEADLINE_EXCEEDED', 'generation timed out after 4990 ms'));
    const res = await postJson(gw.app, '/v1/query', { query: 'q' });
    expect(res.statusCode).toBe(504);
    expect(res.json().error.code).toBe('DEADLINE_EXCEEDED');
  });

  it('504 without generating when retrieval used up the whole deadline', async () => {
    scriptPorts(5000, 0);
    const res = await postJson(gw.app, '/v1/query', { query: 'q' });
    expect(res.statusCode).toBe(504);
    expect(res.json().error.code).toBe('DEADLINE_EXCEEDED');
    expect(gw.ports.portsCalled()).toEqual(['search']);
  });

  it('logs a dependency 5xx at warn with its cause', async () => {
    gw.ports.onSearch = () => Promise.reject(new AppError('UNAVAILABLE', 'retrieval unavailable; retry', undefined, { cause: new Error('no responders') }));
    const res = await postJson(gw.app, '/v1/search', { query: 'q' }, { 'x-request-id': 'r-503' });
    expect(res.statusCode).toBe(503);
    const logged = gw.logs.find((l) => l.requestId === 'r-503');
    expect(logged).toMatchObject({ level: 40, status: 503, code: 'UNAVAILABLE', msg: 'retrieval unavailable; retry' });
    expect(JSON.stringify(logged)).toContain('no responders');
  });

  it('500 INTERNAL with a generic message for an unexpected error; the cause is logged with the request id', async () => {
    gw.ports.onSearch = () => Promise.reject(new TypeError('cannot read properties of undefined (secret internals)'));
    const res = await postJson(gw.app, '/v1/search', { query: 'q' }, { 'x-request-id': 'r-500' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('INTERNAL');
    expect(res.body).not.toContain('secret internals');
    const logged = gw.logs.find((l) => l.requestId === 'r-500');
    expect(logged).toMatchObject({ level: 50, status: 500, code: 'INTERNAL' });
    expect(JSON.stringify(logged)).toContain('secret internals');
  });
});

describe('bad input to /v1/search and /v1/query', () => {
  const json = { 'content-type': 'application/json' };
  const bad: [string, number, string, (url: string) => ReturnType<TestGateway['app']['inject']>][] = [
    ['malformed JSON', 400, 'INVALID_JSON', (url) => postRaw(gw.app, url, '{"query": "x"', json)],
    ['empty JSON body', 400, 'INVALID_JSON', (url) => postRaw(gw.app, url, '', json)],
    ['no body at all', 400, 'VALIDATION_FAILED', (url) => gw.app.inject({ method: 'POST', url })],
    ['a JSON array', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, ['q'])],
    ['a JSON number', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, 42)],
    ['missing query', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { topK: 3 })],
    ['numeric query', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: 42 })],
    ['string topK', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: 'q', topK: '5' })],
    ['unknown field', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: 'q', top_k: 5 })],
    ['empty query', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: '' })],
    ['whitespace-only query', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: ' \n\t' })],
    [`query over ${Limits.maxQueryChars} characters`, 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: 'q'.repeat(Limits.maxQueryChars + 1) })],
    ['topK 0', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: 'q', topK: 0 })],
    ['topK 10000', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: 'q', topK: 10000 })],
    ['topK 1.5', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: 'q', topK: 1.5 })],
    ['a filter on the tenant', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: 'q', filter: { tenant: 'other' } })],
    ['a filter value of the wrong type', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: 'q', filter: { docId: { $ne: 'x' } } })],
    ['bad tenant header', 400, 'VALIDATION_FAILED', (url) => postJson(gw.app, url, { query: 'q' }, { 'x-ragops-tenant': 'ä' })],
    ['text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE', (url) => postRaw(gw.app, url, 'what is aspirin', { 'content-type': 'text/plain' })],
    ['a body without content-type', 415, 'UNSUPPORTED_MEDIA_TYPE', (url) => postRaw(gw.app, url, '{"query":"q"}', {})],
    ['a body over BODY_LIMIT_BYTES', 413, 'PAYLOAD_TOO_LARGE', (url) => postRaw(gw.app, url, Buffer.alloc(16 * 1024 * 1024 + 1, 0x20), json)],
  ];

  for (const url of ['/v1/search', '/v1/query']) {
    it.each(bad)(`${url}: rejects %s with %i %s and calls no port`, async (_name, status, code, send) => {
      scriptPorts();
      const res = await send(url);
      expect({ status: res.statusCode, code: res.json().error?.code }).toEqual({ status, code });
      expect(res.json().error.message).toEqual(expect.any(String));
      expect(gw.ports.calls).toEqual([]);
    });
  }

  it('says which field is wrong and how', async () => {
    const res = await postJson(gw.app, '/v1/query', { query: 'q', topK: 10000, extra: 1 });
    const error = res.json().error;
    expect(error.message).toContain('topK: topK must be at most 200');
    expect(error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['(root)', 'topK']);
  });
});
