import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { OpenAIDoubleServer } from '@ragops/testing';
import { ingestPath } from '../src/cli.commands.js';
import { GatewayClient } from '../src/gateway.client.js';
import { startAllInOne, type AllInOnePlatform } from '../src/platform/all-in-one.platform.js';

const root = join(import.meta.dirname, '../../..');
const corpus = join(root, 'data/sample-corpus/docs');

/**
 * Adapter selection end to end: the all-in-one platform configured for an OpenAI-compatible server (embeddings,
 * chat completions and rerank) — here the protocol double — answers through the real `openai` SDK adapters.
 */
describe('all-in-one on an OpenAI-compatible model server (EMBEDDINGS=openai, LLM_PROVIDER=openai, RERANK_PROVIDER=openai)', () => {
  let server: OpenAIDoubleServer;
  let platform: AllInOnePlatform;
  let client: GatewayClient;

  beforeAll(async () => {
    server = await OpenAIDoubleServer.start({ apiKey: 'sk-test' });
    platform = await startAllInOne({
      port: 0,
      env: {
        LOG_LEVEL: 'silent',
        RAGOPS_DATA_DIR: 'none',
        RAGOPS_SAMPLE_CORPUS: 'none',
        EMBEDDINGS: 'openai',
        EMBEDDING_MODEL: 'text-embedding-3-small',
        EMBEDDING_DIMENSIONS: '64',
        EMBEDDING_BASE_URL: server.baseURL,
        EMBEDDING_API_KEY: 'sk-test',
        LLM_PROVIDER: 'openai',
        LLM_MODEL: 'gpt-4o-mini-2024-07-18',
        LLM_BASE_URL: server.baseURL,
        LLM_API_KEY: 'sk-test',
        LLM_PRICES: '{"gpt-4o-mini": {"inputPer1M": 0.15, "outputPer1M": 0.6}}',
        RERANK_PROVIDER: 'openai',
        RERANK_BASE_URL: server.baseURL,
        RERANK_MODEL: 'jina-reranker-v2',
        RERANK: 'true',
        RETRIEVAL_MODE: 'hybrid',
        MODEL: 'gpt-4o-mini',
      },
    });
    client = new GatewayClient(platform.url);
    expect(await ingestPath(client, corpus)).toMatch(/58 indexed, 0 unchanged, 0 failed/);
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
    await server?.close();
  });

  const requestsTo = (path: string) => server.requests.filter((r) => r.path === path);

  it('embedded every chunk through /v1/embeddings with the configured model and dimensions', () => {
    const embeddings = requestsTo('/v1/embeddings');
    expect(embeddings.length).toBeGreaterThan(0);
    for (const r of embeddings) expect(r.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 64 });
  });

  it('answers a query with the chat model: citations, token usage and cost from the price table', async () => {
    server.reset();
    const answer = await client.query('What value of k do we use for reciprocal rank fusion?');
    expect(requestsTo('/v1/embeddings')).toHaveLength(1); // the query vector (hybrid mode)
    expect(requestsTo('/v1/rerank')).toHaveLength(1);
    const [chat] = requestsTo('/v1/chat/completions');
    expect(chat?.body).toMatchObject({ model: 'gpt-4o-mini-2024-07-18', stream: true });
    expect(answer.answer).toMatch(/^The passages answer/);
    expect(answer.citations.length).toBeGreaterThan(0);
    const { usage, costUsd, model } = answer as typeof answer & { usage: { promptTokens: number; completionTokens: number }; costUsd?: number; model: string };
    expect(model).toBe('gpt-4o-mini-2024-07-18');
    expect(usage.promptTokens).toBeGreaterThan(100);
    expect(usage.completionTokens).toBeGreaterThan(0);
    expect(costUsd).toBeCloseTo((usage.promptTokens * 0.15 + usage.completionTokens * 0.6) / 1e6, 12);
  });

  it('caches query embeddings: the same question again does not reach /v1/embeddings', async () => {
    await client.query('How are ingest batches deduplicated?');
    server.reset();
    await client.query('How are ingest batches deduplicated?');
    expect(requestsTo('/v1/embeddings')).toHaveLength(0);
    expect(requestsTo('/v1/chat/completions')).toHaveLength(1);
  });

  it('reranks fused candidates: the reranker saw more candidates than top-K and its order is served', async () => {
    server.reset();
    const result = await client.search('burn rate alert windows', 3);
    const [rerank] = requestsTo('/v1/rerank');
    const body = rerank?.body as { query: string; documents: string[]; top_n?: number };
    expect(body.query).toBe('burn rate alert windows');
    expect(body.documents.length).toBeGreaterThan(3);
    const relevance = result.hits.map((h) => OpenAIDoubleServer.relevance(body.query, h.text));
    expect([...relevance].sort((a, b) => b - a)).toEqual(relevance);
  });

  it('a model-server outage fails the query with a typed error, not a 500', async () => {
    server.inject({ status: 503 }, 10);
    const res = await fetch(`${platform.url}/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'a question nobody asked before' }),
    });
    server.reset();
    const body = (await res.json()) as { error: { code: string } };
    expect(res.status).toBe(502);
    expect(body.error.code).toBe('UPSTREAM_FAILED');
  });
});
