import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { httpStatusOf, loadConfig, systemClock, type ChunkHit } from '@ragops/contracts';
import { isOpenCircuit } from '@ragops/models';
import {
  createAnswerGenerator,
  createReranker,
  EmbeddingProviderEnv,
  LlmEnv,
  LlmRules,
  markCircuitsClosed,
  RerankEnv,
  RerankRules,
  startMetricsServer,
  type MetricsServer,
} from '@ragops/platform';
import { Retriever, type Embedder, type RerankOutcome } from '@ragops/rag';
import { createBm25Encoder } from '@ragops/search';
import { createMetrics } from '@ragops/telemetry';
import { appErrorOf, contextWithin, OpenAIDoubleServer } from '@ragops/testing';
import { createAnalyzer } from '@ragops/text';
import { MemoryVectorStore } from '@ragops/vector-store';

const CHAT_MODEL = 'gpt-4o-mini';
const RERANK_MODEL = 'BAAI/bge-reranker-base';

/** The value of the sample of `name` whose labels include `labels`, from a Prometheus text exposition. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('circuit breakers built from configuration', () => {
  let double: OpenAIDoubleServer;

  beforeAll(async () => {
    double = await OpenAIDoubleServer.start({ apiKey: 'sk-test', models: [CHAT_MODEL, RERANK_MODEL] });
  });
  afterAll(async () => {
    await double.close();
  });
  beforeEach(() => double.reset());

  describe('configuration', () => {
    it('every model provider reads BREAKER_THRESHOLD (default 5) and BREAKER_HALF_OPEN_AFTER_MS (default 30 s)', () => {
      for (const schema of [LlmEnv, RerankEnv, EmbeddingProviderEnv]) {
        expect(schema.parse({})).toMatchObject({ BREAKER_THRESHOLD: 5, BREAKER_HALF_OPEN_AFTER_MS: 30_000 });
      }
      expect(loadConfig(LlmEnv, { BREAKER_THRESHOLD: '0', BREAKER_HALF_OPEN_AFTER_MS: '5000' }, 'generation')).toMatchObject({
        BREAKER_THRESHOLD: 0,
        BREAKER_HALF_OPEN_AFTER_MS: 5_000,
      });
    });

    it.each([
      [{ BREAKER_THRESHOLD: '-1' }, 'BREAKER_THRESHOLD="-1": must be at least 0'],
      [{ BREAKER_THRESHOLD: 'lots' }, 'BREAKER_THRESHOLD="lots": must be a number'],
      [{ BREAKER_THRESHOLD: '2.5' }, 'BREAKER_THRESHOLD="2.5": must be a whole number'],
      [{ BREAKER_HALF_OPEN_AFTER_MS: '30' }, 'BREAKER_HALF_OPEN_AFTER_MS="30": must be at least 1000'],
      [{ BREAKER_HALF_OPEN_AFTER_MS: '86400000' }, 'BREAKER_HALF_OPEN_AFTER_MS="86400000": must be at most 3600000'],
    ])('refuses %j, naming the key', (env, message) => {
      expect(() => loadConfig(RerankEnv, env, 'retrieval')).toThrow(message);
    });
  });

  it('BREAKER_THRESHOLD=0 turns the breaker off: every call reaches the failing server', async () => {
    const config = loadConfig(
      RerankEnv,
      { RERANK_PROVIDER: 'openai', RERANK_BASE_URL: double.baseURL, RERANK_MODEL, RERANK_API_KEY: 'sk-test', BREAKER_THRESHOLD: '0' },
      'retrieval',
      RerankRules,
    );
    const reranker = createReranker(config)!;
    const hits: ChunkHit[] = [{ chunkId: 'a#0', docId: 'a', score: 1, text: 'a readiness probe' }];
    double.inject({ status: 503 }, 6);
    for (let i = 0; i < 2; i++) {
      const error = await appErrorOf(reranker.rerank('readiness', hits, 1, contextWithin(5_000)));
      expect([error.code, isOpenCircuit(error)]).toEqual(['UPSTREAM_FAILED', false]);
    }
    expect(double.requests).toHaveLength(6);
  });

  it('a reranker whose breaker is open makes retrieval answer in fused order, without calling it', async () => {
    const config = loadConfig(
      RerankEnv,
      { RERANK_PROVIDER: 'openai', RERANK_BASE_URL: double.baseURL, RERANK_MODEL, RERANK_API_KEY: 'sk-test', BREAKER_THRESHOLD: '1' },
      'retrieval',
      RerankRules,
    );
    const reranker = createReranker(config, { metrics: createMetrics('retrieval') })!;
    const sparse = createBm25Encoder({ analyzer: createAnalyzer() });
    const store = new MemoryVectorStore();
    await store.ensureIndex('default', { dimensions: 2 });
    const docs = ['readiness probes gate traffic', 'a probe restarts containers', 'traffic shaping and probe timing', 'readiness of the traffic probe', 'cats'];
    await store.upsert(
      'default',
      docs.map((text, i) => ({ chunkId: `d${i}#0`, docId: `d${i}`, tenant: 'acme', chunkIndex: 0, docHash: 'h', text, dense: [1, 0], sparse: sparse.encodeDocument(text) })),
    );
    // Sparse mode never embeds the query.
    const embedder: Embedder = { model: 'unused', dimensions: 2, embed: () => Promise.reject(new Error('not called in sparse mode')) };
    const outcomes: Array<[RerankOutcome, string | undefined, boolean]> = [];
    const retriever = new Retriever(store, embedder, sparse, systemClock, {
      reranker,
      observeRerank: (outcome, error) => outcomes.push([outcome, error?.code, isOpenCircuit(error)]),
    });
    const query = { query: 'readiness probe traffic' };
    const fused = (await retriever.search(query, contextWithin(5_000, { mode: 'sparse', topK: 3, rerank: false }))).hits;
    const reranking = () => retriever.search(query, contextWithin(5_000, { mode: 'sparse', topK: 3, rerank: true }));

    await reranking();
    expect(double.requests).toHaveLength(1);
    // The 503 opens the circuit; the retry it earns then finds the circuit open and is not made.
    double.inject({ status: 503 }, 3);
    expect((await reranking()).hits).toEqual(fused);
    expect(double.requests).toHaveLength(2);
    expect((await reranking()).hits).toEqual(fused);
    expect(double.requests).toHaveLength(2);
    expect(outcomes).toEqual([
      ['skipped', undefined, false],
      ['applied', undefined, false],
      ['failed', 'UNAVAILABLE', true],
      ['failed', 'UNAVAILABLE', true],
    ]);
  });

  describe("the generation service's /metrics", () => {
    let server: MetricsServer | undefined;
    afterAll(async () => {
      await server?.close();
    });

    it('shows the llm breaker closed, then open with fast-failed calls counted as circuit_open', async () => {
      // Built as services/generation/src/main.ts builds it.
      const metrics = createMetrics('generation');
      server = await startMetricsServer({ registry: metrics.registry, port: 0, host: '127.0.0.1' });
      const config = loadConfig(
        LlmEnv,
        { LLM_PROVIDER: 'openai', LLM_BASE_URL: double.baseURL, LLM_MODEL: CHAT_MODEL, LLM_API_KEY: 'sk-test', LLM_STREAM: 'false', BREAKER_THRESHOLD: '1' },
        'generation',
        LlmRules,
      );
      markCircuitsClosed(metrics, ['llm']);
      const generator = createAnswerGenerator(config, { metrics });
      const scrape = async () => (await fetch(`${server!.url}/metrics`)).text();
      const state = (text: string, s: string) => sample(text, 'ragops_circuit_breaker_state', { dependency: 'llm', state: s });

      const input = { query: 'what gates traffic?', chunks: [{ chunkId: 'a#0', docId: 'a', score: 1, text: 'A readiness probe gates traffic.' }] };
      await generator.generate(input, contextWithin(5_000));
      let text = await scrape();
      expect([state(text, 'closed'), state(text, 'open'), state(text, 'half_open')]).toEqual([1, 0, 0]);

      double.inject({ status: 500 }, 3);
      const first = await appErrorOf(generator.generate(input, contextWithin(5_000)));
      const second = await appErrorOf(generator.generate(input, contextWithin(5_000)));
      for (const error of [first, second]) {
        expect(isOpenCircuit(error)).toBe(true);
        expect(httpStatusOf(error.code)).toBe(503);
      }
      expect(double.requests).toHaveLength(2);

      text = await scrape();
      expect([state(text, 'closed'), state(text, 'open'), state(text, 'half_open')]).toEqual([0, 1, 0]);
      expect(sample(text, 'ragops_llm_requests_total', { model: CHAT_MODEL, outcome: 'circuit_open' })).toBe(2);
    });
  });
});
