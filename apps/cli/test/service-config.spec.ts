import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../../..');

interface Exit {
  code: number | null;
  stderr: string;
}

/** Runs a built service entry point with only `env` (plus PATH) and returns how it exited. */
function runService(service: string, env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'services', service, 'dist/main.js')],
      { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env }, timeout: 20_000 },
      (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
    );
  });
}

/**
 * Each service validates its whole configuration before connecting to anything: a bad or incomplete one exits
 * non-zero and names every offending key in one message (NATS_URL points nowhere, so a service that got past
 * validation would fail differently).
 */
describe('service start-up with a bad configuration', () => {
  // METRICS_PORT 0: the price-table case gets past the metrics listener, whose default port another test may hold.
  const nowhere = { NATS_URL: 'nats://127.0.0.1:1', METRICS_PORT: '0' };

  it.each([
    [
      'embedding',
      { EMBEDDINGS: 'openai', EMBEDDING_DIMENSIONS: 'lots', CACHE: 'memcached', REDIS_URL: 'http://x' },
      ['EMBEDDING_DIMENSIONS', 'CACHE', 'REDIS_URL', 'EMBEDDING_MODEL', 'EMBEDDING_API_KEY'],
    ],
    ['embedding', { EMBEDDINGS: 'model2vec', HF_ENDPOINT: 'not a url' }, ['EMBEDDING_MODEL', 'HF_ENDPOINT']],
    ['retrieval', { VECTOR_STORE: 'qdrant', EMBEDDINGS: 'gpt', BM25_B: '2' }, ['QDRANT_URL', 'EMBEDDINGS', 'BM25_B']],
    ['generation', { LLM_PROVIDER: 'openai', LLM_TEMPERATURE: '5', LLM_STREAM: 'sometimes' }, ['LLM_MODEL', 'LLM_API_KEY', 'LLM_TEMPERATURE', 'LLM_STREAM']],
    ['retrieval', { RERANK_PROVIDER: 'openai', RERANK_FLAVOR: 'cohere' }, ['RERANK_BASE_URL', 'RERANK_MODEL', 'RERANK_FLAVOR']],
    ['ingest', { VECTOR_STORE: 'pinecone', INGEST_CONCURRENCY: '0', CHUNK_MAX_TOKENS: 'x' }, ['VECTOR_STORE', 'INGEST_CONCURRENCY', 'CHUNK_MAX_TOKENS']],
    ['gateway', { RATE_LIMIT_REQUESTS: '-5', RATE_LIMIT_STORE: 'redis', RATE_LIMIT_FAIL: 'sometimes' }, ['RATE_LIMIT_REQUESTS', 'REDIS_URL', 'RATE_LIMIT_FAIL']],
  ])('%s exits 1 naming every bad key (%j)', async (service, env, keys) => {
    const exit = await runService(service, { ...nowhere, ...env });
    expect(exit.code).toBe(1);
    const line = exit.stderr.split('\n').find((l) => l.startsWith(`ragops ${service}: invalid ${service} configuration`));
    expect(line).toBeDefined();
    for (const key of keys) expect(line).toContain(`${key}=`);
  });

  it('generation exits 1 on a price table that does not parse, saying what is wrong with it', async () => {
    const exit = await runService('generation', { ...nowhere, LLM_PROVIDER: 'openai', LLM_MODEL: 'm', LLM_API_KEY: 'k', LLM_PRICES: '{"gpt-4o": {"inputPer1M": -1}}' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/ragops generation: .*LLM_PRICES: .*gpt-4o/);
  });
});
