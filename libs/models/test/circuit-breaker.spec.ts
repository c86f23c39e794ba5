import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { AppError, systemClock, type ChunkHit } from '@ragops/contracts';
import {
  DependencyBreaker,
  isOpenCircuit,
  OpenAIChatModel,
  OpenAICompatibleReranker,
  OpenAIEmbedder,
  type BreakerState,
  type OpenAIChatModelOptions,
} from '@ragops/models';
import type { ChatDelta, ChatRequest } from '@ragops/rag';
import { appErrorOf, contextWithin, OpenAIDoubleServer, testContext } from '@ragops/testing';

const MODEL = 'gpt-4o-mini';
const EMBEDDING_MODEL = 'text-embedding-3-small';
const RERANK_MODEL = 'BAAI/bge-reranker-base';
/** Long enough that an open circuit stays open for the rest of a test. */
const LONG_MS = 60_000;
/** Short half-open time; tests wait HALF_OPEN_MS + slack before probing. */
const HALF_OPEN_MS = 200;

async function drain(iterable: AsyncIterable<ChatDelta>): Promise<AppError | undefined> {
  try {
    for await (const delta of iterable) void delta;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Context:\n[1] A readiness probe gates traffic.\n\nQuestion: what does it do?' }] };

/** A breaker whose state changes are recorded, as adapters.factory records them in the metric. */
function breaker(threshold: number, halfOpenAfterMs: number, dependency = 'llm'): { breaker: DependencyBreaker; states: BreakerState[] } {
  const states: BreakerState[] = [];
  return { breaker: new DependencyBreaker({ dependency, threshold, halfOpenAfterMs, onStateChange: (s) => states.push(s) }), states };
}

describe('circuit breakers on the model adapters, against the OpenAI double', () => {
  let double: OpenAIDoubleServer;
  const chat = (b: DependencyBreaker, overrides: Partial<OpenAIChatModelOptions> = {}) =>
    new OpenAIChatModel({ baseURL: double.baseURL, apiKey: 'sk-test', model: MODEL, maxRetries: 0, baseDelayMs: 20, maxDelayMs: 40, random: () => 0.5, breaker: b, ...overrides });

  beforeAll(async () => {
    double = await OpenAIDoubleServer.start({ apiKey: 'sk-test', models: [MODEL, EMBEDDING_MODEL, RERANK_MODEL] });
  });
  afterAll(async () => {
    await double.close();
  });
  beforeEach(() => double.reset());

  describe('chat model', () => {
    it('opens after the threshold of failed attempts (retries count), then fails fast with UNAVAILABLE without a request', async () => {
      const { breaker: b, states } = breaker(3, LONG_MS);
      double.inject({ status: 500 }, 3);
      const first = await appErrorOf(chat(b, { maxRetries: 2 }).complete(ask, contextWithin(5_000)));
      expect(first.code).toBe('UPSTREAM_FAILED');
      expect(double.requests).toHaveLength(3);
      expect(b.state).toBe('open');
      expect(states).toEqual(['closed', 'open']);

      const started = Date.now();
      const open = await appErrorOf(chat(b, { maxRetries: 2 }).complete(ask, contextWithin(5_000)));
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(double.requests).toHaveLength(3);
      expect(open.code).toBe('UNAVAILABLE');
      expect(isOpenCircuit(open)).toBe(true);
      expect(open.details).toMatchObject({ dependency: 'llm', circuit: 'open' });
      const { retryAfterSeconds } = open.details as { retryAfterSeconds: number };
      expect(retryAfterSeconds).toBeGreaterThanOrEqual(50);
      expect(retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(open.message).toContain('llm circuit breaker is open after 3 consecutive failures');
      expect(open.message).toMatch(/until \d{4}-\d\d-\d\dT[\d:.]+Z \(in \d+ s\)/);
      expect(open.cause).toBeInstanceOf(AppError);
    });

    it('half-opens after the configured time: a failed probe re-opens it, a successful one closes it', async () => {
      const { breaker: b, states } = breaker(1, HALF_OPEN_MS);
      const model = chat(b);
      double.inject({ status: 503 });
      expect((await appErrorOf(model.complete(ask, contextWithin(5_000)))).code).toBe('UPSTREAM_FAILED');
      expect((await appErrorOf(model.complete(ask, contextWithin(5_000)))).code).toBe('UNAVAILABLE');
      expect(double.requests).toHaveLength(1);

      await sleep(HALF_OPEN_MS + 100);
      double.inject({ status: 502 });
      const probe = await appErrorOf(model.complete(ask, contextWithin(5_000)));
      expect(probe.code).toBe('UPSTREAM_FAILED');
      expect(double.requests).toHaveLength(2);
      const reopened = await appErrorOf(model.complete(ask, contextWithin(5_000)));
      expect(reopened.code).toBe('UNAVAILABLE');
      expect(reopened.message).toContain('since its probe call failed');
      expect(double.requests).toHaveLength(2);

      await sleep(HALF_OPEN_MS + 100);
      expect((await model.complete(ask, contextWithin(5_000))).choices).toHaveLength(1);
      expect(b.state).toBe('closed');
      expect((await model.complete(ask, contextWithin(5_000))).choices).toHaveLength(1);
      expect(double.requests).toHaveLength(4);
      expect(states).toEqual(['closed', 'open', 'half_open', 'open', 'half_open', 'closed']);
    });

    it('reports closed → open → half_open → closed through the state callback', async () => {
      const { breaker: b, states } = breaker(2, HALF_OPEN_MS);
      double.inject({ status: 500 }, 2);
      await appErrorOf(chat(b, { maxRetries: 1 }).complete(ask, contextWithin(5_000)));
      await sleep(HALF_OPEN_MS + 100);
      await chat(b).complete(ask, contextWithin(5_000));
      expect(states).toEqual(['closed', 'open', 'half_open', 'closed']);
    });

    it('does not count 4xx or 429: the server answered', async () => {
      const { breaker: b, states } = breaker(1, LONG_MS);
      const cases: Array<[Partial<OpenAIChatModelOptions>, (() => void) | undefined, string]> = [
        [{}, () => double.inject({ status: 400, message: 'bad request' }), 'VALIDATION_FAILED'],
        [{ apiKey: 'sk-wrong' }, undefined, 'UNAUTHENTICATED'],
        [{ model: 'no-such-model' }, undefined, 'NOT_FOUND'],
        [{}, () => double.inject({ status: 429, retryAfter: 30 }), 'RATE_LIMITED'],
        [{}, () => double.inject({ status: 429, retryAfter: 30 }), 'RATE_LIMITED'],
      ];
      for (const [overrides, fault, code] of cases) {
        fault?.();
        expect((await appErrorOf(chat(b, overrides).complete(ask, contextWithin(2_000)))).code).toBe(code);
      }
      expect(double.requests).toHaveLength(5);
      expect(b.state).toBe('closed');
      expect((await chat(b).complete(ask, contextWithin(2_000))).choices).toHaveLength(1);
      expect(states).toEqual(['closed']);
    });

    it('does not count a deadline that passed before the call: nothing was sent', async () => {
      const { breaker: b } = breaker(1, LONG_MS);
      for (let i = 0; i < 3; i++) {
        const error = await appErrorOf(chat(b).complete(ask, testContext({ now: 1, deadline: systemClock.now() - 1 })));
        expect(error.code).toBe('DEADLINE_EXCEEDED');
      }
      expect(double.requests).toHaveLength(0);
      expect(b.state).toBe('closed');
    });

    it('counts a server that hangs until the deadline (a timeout)', async () => {
      const { breaker: b } = breaker(1, LONG_MS);
      double.inject({ hang: true });
      expect((await appErrorOf(chat(b).complete(ask, contextWithin(300)))).code).toBe('DEADLINE_EXCEEDED');
      expect(b.state).toBe('open');
      expect((await appErrorOf(chat(b).complete(ask, contextWithin(2_000)))).code).toBe('UNAVAILABLE');
      expect(double.requests).toHaveLength(1);
    });

    it('counts streams that break before any text, and fails stream() fast while open', async () => {
      const { breaker: b } = breaker(2, LONG_MS);
      double.inject({ truncateAfterChunks: 1 }, 2);
      const broken = await drain(chat(b, { stream: true, idleTimeoutMs: 300, maxRetries: 1 }).stream(ask, contextWithin(5_000)));
      expect(broken?.code).toBe('UPSTREAM_FAILED');
      expect(double.requests).toHaveLength(2);
      const open = await drain(chat(b, { stream: true }).stream(ask, contextWithin(5_000)));
      expect(open?.code).toBe('UNAVAILABLE');
      expect(isOpenCircuit(open)).toBe(true);
      expect(double.requests).toHaveLength(2);
    });
  });

  describe('embedder', () => {
    const embedder = (b: DependencyBreaker) =>
      new OpenAIEmbedder({ baseURL: double.baseURL, apiKey: 'sk-test', model: EMBEDDING_MODEL, dimensions: 16, maxRetries: 0, breaker: b });

    it('opens on malformed bodies and dropped connections, fails fast while open, and closes after a good probe', async () => {
      const { breaker: b, states } = breaker(2, HALF_OPEN_MS, 'embeddings');
      double.inject({ invalidJson: true });
      double.inject({ dropConnection: true });
      expect((await appErrorOf(embedder(b).embed(['a'], 'query', contextWithin(2_000)))).code).toBe('UPSTREAM_FAILED');
      expect((await appErrorOf(embedder(b).embed(['a'], 'query', contextWithin(2_000)))).code).toBe('UPSTREAM_FAILED');
      const open = await appErrorOf(embedder(b).embed(['a'], 'query', contextWithin(2_000)));
      expect(open.code).toBe('UNAVAILABLE');
      expect(open.message).toContain('embeddings circuit breaker is open');
      expect(open.details).toMatchObject({ dependency: 'embeddings', retryAfterSeconds: 1 });
      expect(double.requests).toHaveLength(2);

      await sleep(HALF_OPEN_MS + 100);
      expect(await embedder(b).embed(['a'], 'query', contextWithin(2_000))).toEqual([OpenAIDoubleServer.vectorFor('a', 16)]);
      expect(states).toEqual(['closed', 'open', 'half_open', 'closed']);
    });
  });

  describe('reranker', () => {
    const hits: ChunkHit[] = ['cats sleep', 'readiness probe', 'traffic gates', 'probe traffic readiness', 'rate limits'].map((text, i) => ({
      chunkId: `d${i}#0`,
      docId: `d${i}`,
      score: 1 - i / 10,
      text,
    }));
    const reranker = (b: DependencyBreaker) =>
      new OpenAICompatibleReranker({ baseURL: double.baseURL, model: RERANK_MODEL, apiKey: 'sk-test', maxRetries: 0, maxDocumentsPerRequest: 2, breaker: b });

    it('opens on a 503; while a probe runs, the other batches wait for its verdict and then go ahead', async () => {
      const { breaker: b, states } = breaker(1, HALF_OPEN_MS, 'reranker');
      double.inject({ status: 503 });
      expect((await appErrorOf(reranker(b).rerank('readiness probe traffic', hits, 3, contextWithin(2_000)))).code).toBe('UPSTREAM_FAILED');
      const sent = double.requests.length;
      expect((await appErrorOf(reranker(b).rerank('readiness probe traffic', hits, 3, contextWithin(2_000)))).code).toBe('UNAVAILABLE');
      expect(double.requests).toHaveLength(sent);

      await sleep(HALF_OPEN_MS + 100);
      double.reset();
      const reranked = await reranker(b).rerank('readiness probe traffic', hits, 3, contextWithin(2_000));
      expect(reranked.map((h) => h.docId)).toEqual(['d3', 'd1', 'd2']);
      // Three batches of at most 2: the probe, then the two that waited for it.
      expect(double.requests).toHaveLength(3);
      expect(states).toEqual(['closed', 'open', 'half_open', 'closed']);
    });
  });

  it('refuses a breaker without a positive threshold or half-open time', () => {
    const bad: Array<[number, number]> = [[0, 1_000], [1.5, 1_000], [3, 0], [3, -1]];
    for (const [threshold, halfOpenAfterMs] of bad) {
      expect(() => new DependencyBreaker({ dependency: 'llm', threshold, halfOpenAfterMs })).toThrow(AppError);
    }
  });
});
