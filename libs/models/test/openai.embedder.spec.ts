import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, systemClock } from '@ragops/contracts';
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from '@ragops/models';
import { appErrorOf, contextWithin, OpenAIDoubleServer, testContext } from '@ragops/testing';

const MODEL = 'text-embedding-3-small';
const DIMS = 16;

describe('OpenAIEmbedder through the openai SDK against the OpenAI double', () => {
  let double: OpenAIDoubleServer;
  const embedder = (overrides: Partial<OpenAIEmbedderOptions> = {}) =>
    new OpenAIEmbedder({ baseURL: double.baseURL, apiKey: 'sk-test', model: MODEL, dimensions: DIMS, maxRetries: 1, ...overrides });

  beforeAll(async () => {
    double = await OpenAIDoubleServer.start({ apiKey: 'sk-test', models: [MODEL] });
  });
  afterAll(async () => {
    await double.close();
  });
  beforeEach(() => double.reset());

  it('embeds in batches of batchSize, preserving order, and passes dimensions through', async () => {
    const texts = Array.from({ length: 300 }, (_, i) => `text number ${i}`);
    const vectors = await embedder({ batchSize: 128 }).embed(texts, 'document', contextWithin(5_000));

    expect(vectors).toHaveLength(300);
    // The SDK asks for base64 by default and decodes it; the double's vectors are float32-exact.
    for (const i of [0, 127, 128, 255, 256, 299]) expect(vectors[i]).toEqual(OpenAIDoubleServer.vectorFor(texts[i], DIMS));
    expect(double.requests.map((r) => (r.body as { input: string[] }).input.length)).toEqual([128, 128, 44]);
    for (const r of double.requests) {
      expect(r.path).toBe('/v1/embeddings');
      expect(r.body).toMatchObject({ model: MODEL, dimensions: DIMS });
      expect(r.headers.authorization).toBe('Bearer sk-test');
    }
  });

  it('leaves dimensions out of the request when sendDimensions is off, still checking the length', async () => {
    const e = embedder({ dimensions: 32, sendDimensions: false });
    const [vector] = await e.embed(['hello'], 'query', contextWithin(2_000));
    expect(vector).toHaveLength(32); // the double's default length
    expect(double.requests[0].body).not.toHaveProperty('dimensions');
  });

  it('returns [] without a request for no texts', async () => {
    expect(await embedder().embed([], 'query', contextWithin(1_000))).toEqual([]);
    expect(double.requests).toHaveLength(0);
  });

  it('waits out a 429 retry-after that fits the deadline, then succeeds', async () => {
    double.inject({ status: 429, retryAfter: 1 });
    const started = Date.now();
    const vectors = await embedder().embed(['a', 'b'], 'document', contextWithin(5_000));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(vectors).toEqual([OpenAIDoubleServer.vectorFor('a', DIMS), OpenAIDoubleServer.vectorFor('b', DIMS)]);
    expect(double.requests).toHaveLength(2);
  });

  it('gives RATE_LIMITED with the retry-after seconds once retries are spent', async () => {
    double.inject({ status: 429, retryAfter: 0.2 }, 5);
    const error = await appErrorOf(embedder({ maxRetries: 1 }).embed(['a'], 'document', contextWithin(5_000)));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.details).toMatchObject({ status: 429, retryAfterSeconds: 0.2, upstreamCode: 'rate_limit_exceeded' });
    expect(error.message).toContain('Rate limit reached');
    expect(error.cause).toBeDefined();
    expect(double.requests).toHaveLength(2);
  });

  it('retries a 500 and then gives UPSTREAM_FAILED', async () => {
    double.inject({ status: 500 }, 5);
    const error = await appErrorOf(embedder({ maxRetries: 1 }).embed(['a'], 'document', contextWithin(5_000)));
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.details).toMatchObject({ status: 500 });
    expect(double.requests).toHaveLength(2);
  });

  it('recovers when a 503 is followed by success', async () => {
    double.inject({ status: 503 });
    const vectors = await embedder({ maxRetries: 1 }).embed(['a'], 'document', contextWithin(5_000));
    expect(vectors).toHaveLength(1);
    expect(double.requests).toHaveLength(2);
  });

  it('gives UPSTREAM_FAILED for a truncated JSON body', async () => {
    double.inject({ invalidJson: true });
    const error = await appErrorOf(embedder({ maxRetries: 0 }).embed(['a', 'b'], 'document', contextWithin(2_000)));
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('gives DEADLINE_EXCEEDED at the request deadline when the server hangs', async () => {
    double.inject({ hang: true }, 3);
    const started = Date.now();
    const error = await appErrorOf(embedder({ maxRetries: 2 }).embed(['a'], 'document', contextWithin(300)));
    const elapsed = Date.now() - started;
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('gives DEADLINE_EXCEEDED when latency outlasts the deadline', async () => {
    double.inject({ latencyMs: 600 });
    const error = await appErrorOf(embedder().embed(['a'], 'document', contextWithin(200)));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
  });

  it('gives UPSTREAM_FAILED when the server drops the connection', async () => {
    double.inject({ dropConnection: true });
    const error = await appErrorOf(embedder({ maxRetries: 0 }).embed(['a'], 'document', contextWithin(2_000)));
    expect(error.code).toBe('UPSTREAM_FAILED');
  });

  it('gives UNAVAILABLE when nothing listens at the base URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await appErrorOf(
      embedder({ baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 }).embed(['a'], 'document', contextWithin(2_000)),
    );
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.details).toEqual({ socketCode: 'ECONNREFUSED' });
  });

  it('gives UPSTREAM_FAILED when a vector has the wrong length', async () => {
    double.inject({ vectorLength: DIMS - 1 });
    const error = await appErrorOf(embedder().embed(['a'], 'document', contextWithin(2_000)));
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.message).toContain(`${DIMS - 1} dimensions, expected ${DIMS}`);
  });

  it('sends nothing when the deadline has already passed', async () => {
    const error = await appErrorOf(embedder().embed(['a'], 'document', testContext({ now: 1, deadline: systemClock.now() - 1 })));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    expect(double.requests).toHaveLength(0);
  });

  it.each([
    ['a wrong API key', 'UNAUTHENTICATED', { apiKey: 'sk-wrong' }, 'Incorrect API key'],
    ['an unknown model', 'NOT_FOUND', { model: 'no-such-model' }, 'no-such-model'],
  ] as const)('maps %s to %s with the server message', async (_what, code, overrides, text) => {
    const error = await appErrorOf(embedder(overrides).embed(['a'], 'document', contextWithin(2_000)));
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
  });

  it('refuses bad options at construction', () => {
    for (const bad of [{ dimensions: 0 }, { batchSize: 0 }, { batchSize: 4096 }, { maxRetries: -1 }, { model: '' }]) {
      expect(() => embedder(bad)).toThrow(AppError);
    }
  });

  it('maps the server 400 for an invalid request to VALIDATION_FAILED with its message', async () => {
    const error = await appErrorOf(embedder().embed([''], 'document', contextWithin(2_000)));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain("'$.input[0]' is invalid");
    expect(error.details).toMatchObject({ status: 400, param: 'input' });
  });
});
