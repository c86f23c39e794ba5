import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, systemClock, type ChunkHit } from '@ragops/contracts';
import { OpenAICompatibleReranker, type OpenAICompatibleRerankerOptions } from '@ragops/models';
import { appErrorOf, contextWithin, OpenAIDoubleServer, testContext } from '@ragops/testing';

const MODEL = 'BAAI/bge-reranker-base';

function hit(id: string, text: string, score: number, title?: string): ChunkHit {
  return { chunkId: `${id}#0`, docId: id, score, text, ...(title ? { title } : {}) };
}

/** Fused order (by RRF score) that the reranker should overturn. */
const hits: ChunkHit[] = [
  hit('cats', 'cats sleep most of the day', 0.05),
  hit('probe-restart', 'liveness probes restart containers', 0.04),
  hit('gate', 'traffic is gated until the container is ready', 0.03, 'Readiness probes'),
  hit('rate', 'rate limits protect the server', 0.02),
  hit('ready', 'a readiness probe marks a pod ready for traffic', 0.01),
];
const query = 'readiness probe traffic';
const textOf = (h: ChunkHit) => (h.title ? `${h.title}\n\n${h.text}` : h.text);
/** What the double will score, best first, ties in incoming order. */
const expected = hits
  .map((h, i) => ({ h, i, score: OpenAIDoubleServer.relevance(query, textOf(h)) }))
  .sort((a, b) => b.score - a.score || a.i - b.i);

describe('OpenAICompatibleReranker against the double', () => {
  let double: OpenAIDoubleServer;
  const jina = (overrides: Partial<OpenAICompatibleRerankerOptions> = {}) =>
    new OpenAICompatibleReranker({ baseURL: double.baseURL, model: MODEL, apiKey: 'sk-test', maxRetries: 1, baseDelayMs: 20, random: () => 0.5, ...overrides });
  const tei = (overrides: Partial<OpenAICompatibleRerankerOptions> = {}) => jina({ baseURL: double.rootURL, flavor: 'tei', model: undefined, ...overrides });

  beforeAll(async () => {
    double = await OpenAIDoubleServer.start({ apiKey: 'sk-test', models: [MODEL], teiMaxClientBatchSize: 2 });
  });
  afterAll(async () => {
    await double.close();
  });
  beforeEach(() => double.reset());

  it('sanity: the fixture has a reranked order different from the fused one', () => {
    expect(expected.map((e) => e.i)).not.toEqual([0, 1, 2, 3, 4]);
    expect(expected[0]!.score).toBeGreaterThan(expected[2]!.score);
  });

  describe('jina flavour (vLLM, Jina, Cohere-compatible)', () => {
    it('posts { model, query, documents, top_n, return_documents } and returns the top N with rerank scores', async () => {
      const reranked = await jina().rerank(query, hits, 3, contextWithin(2_000));
      expect(reranked).toEqual(expected.slice(0, 3).map((e) => ({ ...e.h, score: e.score })));
      expect(double.requests).toHaveLength(1);
      const { path, headers, body } = double.requests[0]!;
      expect(path).toBe('/v1/rerank');
      expect(headers.authorization).toBe('Bearer sk-test');
      expect(body).toEqual({ model: MODEL, query, documents: hits.map(textOf), top_n: 3, return_documents: false });
    });

    it('splits long candidate lists, asking each batch for every score, and merges them', async () => {
      const reranked = await jina({ maxDocumentsPerRequest: 2 }).rerank(query, hits, 4, contextWithin(2_000));
      expect(reranked.map((h) => h.chunkId)).toEqual(expected.slice(0, 4).map((e) => e.h.chunkId));
      expect(double.requests.map((r) => (r.body as { documents: string[]; top_n: number }).documents.length)).toEqual([2, 2, 1]);
      expect(double.requests.map((r) => (r.body as { top_n: number }).top_n)).toEqual([2, 2, 1]);
    });

    it('returns every hit when topN exceeds them, and [] for no hits without a request', async () => {
      expect(await jina().rerank(query, hits, 50, contextWithin(2_000))).toHaveLength(hits.length);
      expect((double.requests[0]!.body as { top_n: number }).top_n).toBe(hits.length);
      double.reset();
      expect(await jina().rerank(query, [], 5, contextWithin(2_000))).toEqual([]);
      expect(double.requests).toHaveLength(0);
    });

    it.each([
      ['no results array', { data: [] }, 'no `results` array'],
      ['an index out of range', { results: [{ index: 9, relevance_score: 0.5 }, { index: 0, relevance_score: 0.1 }] }, 'index 9 outside 0..4'],
      ['a negative index', { results: [{ index: -1, relevance_score: 0.5 }, { index: 0, relevance_score: 0.1 }] }, 'index -1'],
      ['a duplicate index', { results: [{ index: 1, relevance_score: 0.5 }, { index: 1, relevance_score: 0.1 }] }, 'appears twice'],
      ['a missing score', { results: [{ index: 1 }, { index: 0, relevance_score: 0.1 }] }, 'no numeric relevance_score'],
      ['a string score', { results: [{ index: 1, relevance_score: '0.9' }, { index: 0, relevance_score: 0.1 }] }, 'no numeric relevance_score'],
      ['fewer results than asked', { results: [{ index: 1, relevance_score: 0.5 }] }, '1 results for 2 documents'],
    ])('gives UPSTREAM_FAILED for a response with %s, without retrying', async (_what, body, message) => {
      double.inject({ body });
      const error = await appErrorOf(jina().rerank(query, hits, 2, contextWithin(2_000)));
      expect(error.code).toBe('UPSTREAM_FAILED');
      expect(error.message).toContain(message);
      expect(double.requests).toHaveLength(1);
    });

    it('gives UPSTREAM_FAILED for invalid JSON', async () => {
      double.inject({ invalidJson: true });
      const error = await appErrorOf(jina().rerank(query, hits, 2, contextWithin(2_000)));
      expect(error.code).toBe('UPSTREAM_FAILED');
      expect(error.cause).toBeInstanceOf(SyntaxError);
    });

    it('maps an unknown model to NOT_FOUND and a bad key to UNAUTHENTICATED, with the server message', async () => {
      const missing = await appErrorOf(jina({ model: 'no-such-reranker' }).rerank(query, hits, 2, contextWithin(2_000)));
      expect(missing.code).toBe('NOT_FOUND');
      expect(missing.message).toContain('no-such-reranker');
      const denied = await appErrorOf(jina({ apiKey: 'sk-wrong' }).rerank(query, hits, 2, contextWithin(2_000)));
      expect(denied.code).toBe('UNAUTHENTICATED');
      expect(denied.message).toContain('Incorrect API key');
    });
  });

  describe('tei flavour', () => {
    it('posts { query, texts, truncate, raw_scores, return_text } to /rerank at the root, in batches of its client limit', async () => {
      const reranked = await tei({ maxDocumentsPerRequest: 2 }).rerank(query, hits, 3, contextWithin(2_000));
      expect(reranked).toEqual(expected.slice(0, 3).map((e) => ({ ...e.h, score: e.score })));
      expect(double.requests.map((r) => r.path)).toEqual(['/rerank', '/rerank', '/rerank']);
      expect(double.requests[0]!.body).toEqual({ query, texts: hits.slice(0, 2).map(textOf), truncate: true, raw_scores: false, return_text: false });
    });

    it('reports a batch the server refuses as PAYLOAD_TOO_LARGE with its message (client limit above the server one)', async () => {
      const error = await appErrorOf(tei().rerank(query, hits, 3, contextWithin(2_000)));
      expect(error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(error.message).toContain('batch size 5 > maximum allowed batch size 2');
    });

    it.each([
      ['an object instead of an array', { results: [] }, 'not an array of ranks'],
      ['a missing score', [{ index: 0 }, { index: 1, score: 0.2 }], 'no numeric score'],
      ['an index beyond the batch', [{ index: 0, score: 0.1 }, { index: 2, score: 0.2 }], 'index 2 outside 0..1'],
    ])('gives UPSTREAM_FAILED for a TEI response with %s', async (_what, body, message) => {
      double.inject({ body });
      const error = await appErrorOf(tei({ maxDocumentsPerRequest: 2 }).rerank(query, hits.slice(0, 2), 2, contextWithin(2_000)));
      expect(error.code).toBe('UPSTREAM_FAILED');
      expect(error.message).toContain(message);
    });
  });

  describe('retries and deadlines', () => {
    it('retries a 503 and recovers', async () => {
      double.inject({ status: 503 });
      expect(await jina().rerank(query, hits, 2, contextWithin(2_000))).toHaveLength(2);
      expect(double.requests).toHaveLength(2);
    });

    it('fails at once with RATE_LIMITED when retry-after exceeds the deadline', async () => {
      double.inject({ status: 429, retryAfter: 10 });
      const started = Date.now();
      const error = await appErrorOf(jina({ maxRetries: 3 }).rerank(query, hits, 2, contextWithin(1_000)));
      expect(Date.now() - started).toBeLessThan(500);
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.details).toEqual({ status: 429, retryAfterSeconds: 10 });
      expect(double.requests).toHaveLength(1);
    });

    it('gives DEADLINE_EXCEEDED when the server hangs', async () => {
      double.inject({ hang: true }, 3);
      const started = Date.now();
      const error = await appErrorOf(jina().rerank(query, hits, 2, contextWithin(250)));
      expect(error.code).toBe('DEADLINE_EXCEEDED');
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('fails the whole rerank when one batch fails, cancelling the others', async () => {
      double.inject({ latencyMs: 300 }, 2);
      double.inject({ body: { results: 'broken' } });
      const started = Date.now();
      const error = await appErrorOf(tei({ maxDocumentsPerRequest: 2 }).rerank(query, hits, 3, contextWithin(5_000)));
      expect(error.code).toBe('UPSTREAM_FAILED');
      expect(error.message).toContain('not an array of ranks');
      expect(Date.now() - started).toBeLessThan(250);
      expect(double.requests).toHaveLength(3);
      for (let i = 0; i < 50 && !double.requests.slice(0, 2).every((r) => r.abandoned); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(double.requests.slice(0, 2).map((r) => r.abandoned)).toEqual([true, true]);
    });

    it('gives UNAVAILABLE when nothing listens', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const error = await appErrorOf(jina({ baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 }).rerank(query, hits, 2, contextWithin(2_000)));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.details).toEqual({ socketCode: 'ECONNREFUSED' });
    });

    it('sends nothing when the deadline has passed', async () => {
      const error = await appErrorOf(jina().rerank(query, hits, 2, testContext({ now: 1, deadline: systemClock.now() - 1 })));
      expect(error.code).toBe('DEADLINE_EXCEEDED');
      expect(double.requests).toHaveLength(0);
    });
  });

  it('refuses bad options and a bad topN', async () => {
    for (const bad of [{ baseURL: '' }, { model: undefined }, { maxDocumentsPerRequest: 0 }, { flavor: 'cohere' as never }, { maxRetries: -1 }]) {
      expect(() => jina(bad)).toThrow(AppError);
    }
    expect(() => tei()).not.toThrow();
    expect((await appErrorOf(jina().rerank(query, hits, 0, contextWithin(1_000)))).code).toBe('VALIDATION_FAILED');
  });
});
