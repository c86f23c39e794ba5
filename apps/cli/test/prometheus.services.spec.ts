import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SourceDocument } from '@ragops/contracts';
import { DEFAULT_METRICS_USED, exposedSeriesNames, METRIC_DEFS } from '@ragops/telemetry';
import { OpenAIDoubleServer, startNatsServer, type NatsServerHandle } from '@ragops/testing';
import { promqlExpressions } from '../../observability/src/promql.catalogue.js';
import { evaluateAll, type PrometheusHandle, problemOf, promtoolCheckMetrics, startPrometheus } from '../../observability/test/prometheus.harness.js';
import { startAllInOne } from '../src/platform/all-in-one.platform.js';
import { MeteredDistributedPlatform } from './metrics.harness.js';

/**
 * The end-to-end check of the observability artifacts: the platform runs in distributed mode over a private
 * nats-server, every service metered as in production and serving /metrics on loopback; a handful of real requests
 * (ingest, queries, searches, a bad request, feedback, a model outage) go through the gateway; then a real Prometheus
 * (Debian's binary) scrapes every service and evaluates the repository's rules, and every PromQL expression a dashboard
 * or a rule uses must return a series — alerts may be empty (not firing) but must evaluate. Model servers are the
 * OpenAI protocol double: embeddings, chat (streamed, priced) and rerank, so every LLM and cache metric is exercised.
 */
const documents: SourceDocument[] = [
  { id: 'rrf', title: 'Fusion', text: 'Reciprocal rank fusion combines rankings. We use k = 60 for reciprocal rank fusion, as Cormack et al. suggest.' },
  { id: 'burn', title: 'Alerts', text: 'Multi-window burn-rate alerts page when the error budget burns fast over both a long and a short window.' },
  { id: 'probes', title: 'Probes', text: 'A readiness probe gates traffic to a pod; a liveness probe restarts a stuck container.' },
  // The same passage under another id: a search for it returns a duplicate chunk.
  { id: 'probes-copy', title: 'Probes', text: 'A readiness probe gates traffic to a pod; a liveness probe restarts a stuck container.' },
];

let nats: NatsServerHandle;
let double: OpenAIDoubleServer;
let platform: MeteredDistributedPlatform;
let prometheus: PrometheusHandle;

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${platform.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function waitFor<T>(what: string, read: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The value of the first sample of `name` whose labels include all of `labels`, summed over services' expositions. */
function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total = (total ?? 0) + Number(m[3]);
  }
  return total;
}

async function scrape(url: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${url}/metrics`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

async function allExpositions(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of platform.services) out.set(s.service, (await scrape(s.url)).text);
  return out;
}

beforeAll(async () => {
  nats = await startNatsServer();
  double = await OpenAIDoubleServer.start();
  platform = new MeteredDistributedPlatform({
    NATS_URL: nats.url,
    EMBEDDINGS: 'openai',
    EMBEDDING_MODEL: 'double-embedder',
    EMBEDDING_DIMENSIONS: '32',
    EMBEDDING_BASE_URL: double.baseURL,
    EMBEDDING_API_KEY: 'test',
    VECTOR_STORE: 'replicated',
    RERANK_PROVIDER: 'openai',
    RERANK_BASE_URL: double.baseURL,
    RERANK_MODEL: 'double-reranker',
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: double.baseURL,
    LLM_API_KEY: 'test',
    LLM_MODEL: 'double-chat',
    LLM_PRICES: JSON.stringify({ 'double-chat': { inputPer1M: 1, outputPer1M: 2 } }),
    LLM_CONTEXT_WINDOW: '4096',
    // The gateway's variant: hybrid with rerank, so a query crosses every stage.
    RETRIEVAL_MODE: 'hybrid',
    RERANK: 'true',
    MODEL: 'double-chat',
    INTERACTIONS: 'on',
    EVAL_SAMPLE_RATE: '1',
  });
  await platform.start();
  prometheus = await startPrometheus(platform.services.map((s) => ({ job: s.service, address: new URL(s.url).host })));

  const submitted = await post('/v1/documents', { documents });
  expect(submitted.status).toBe(202);
  await waitFor(
    'the ingest job',
    async () => {
      const res = await fetch(`${platform.url}/v1/jobs/${String(submitted.json.jobId)}`);
      const view = (await res.json()) as { status: string };
      return view.status === 'done' ? view : undefined;
    },
    15_000,
  );

  const question = 'What value of k do we use for reciprocal rank fusion?';
  const first = await post('/v1/query', { query: question });
  expect(first.status).toBe(200);
  expect((await post('/v1/query', { query: question })).status).toBe(200); // the query embedding now comes from the cache
  expect((await post('/v1/search', { query: 'readiness probe liveness probe' })).status).toBe(200);
  expect((await post('/v1/search', { query: 'readiness probe', filter: { docId: 'no-such-document' } })).status).toBe(200);
  expect((await post('/v1/query', { topK: 0 })).status).toBe(400);
  expect((await post('/v1/feedback', { requestId: String(first.json.requestId), rating: 'up' })).status).toBe(202);
  // A model outage: the reranker's three attempts fail (the query falls back to fused order), then the chat model's.
  double.inject({ status: 503 }, 6);
  expect((await post('/v1/query', { query: question })).status).toBeGreaterThanOrEqual(500);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await platform?.close();
  await double?.close();
  await nats?.stop();
});

describe('the running services, scraped by a real Prometheus', () => {
  it('every service serves /metrics in the Prometheus text format that promtool accepts, and /healthz', async () => {
    expect(platform.services.map((s) => s.service).sort()).toEqual(['embedding', 'evaluation', 'gateway', 'generation', 'ingest', 'retrieval']);
    for (const s of platform.services) {
      const { status, type, text } = await scrape(s.url);
      expect([s.service, status, type]).toEqual([s.service, 200, 'text/plain; version=0.0.4; charset=utf-8']);
      expect([s.service, promtoolCheckMetrics(text)]).toEqual([s.service, { status: 0, output: '' }]);
      expect(text).toContain(`service="${s.service}"`);
      if (s.service !== 'gateway') expect([s.service, (await fetch(`${s.url}/healthz`)).status]).toEqual([s.service, 200]);
    }
  });

  it('records what the requests did, in the service the catalogue names', async () => {
    const t = await allExpositions();
    const get = (service: string, name: string, labels: Record<string, string> = {}) => sampleValue(t.get(service)!, name, labels);
    // ingest: four documents, each one chunk, into the default index; nothing left in the queue
    expect(get('ingest', 'ragops_ingest_documents_total', { index: 'default', outcome: 'indexed' })).toBe(documents.length);
    expect(get('ingest', 'ragops_ingest_chunks_indexed_total', { index: 'default' })).toBe(documents.length);
    expect(get('ingest', 'ragops_chunk_size_tokens_count', { index: 'default' })).toBe(documents.length);
    expect(get('ingest', 'ragops_ingest_queue_depth_messages', { stream: 'RAGOPS_INGEST' })).toBe(0);
    // embedding: the repeated question was a cache hit, every other query text a miss
    expect(get('embedding', 'ragops_cache_requests_total', { cache: 'embedding', result: 'hit' })).toBeGreaterThanOrEqual(2);
    expect(get('embedding', 'ragops_cache_requests_total', { cache: 'embedding', result: 'miss' })).toBe(3);
    // retrieval: five searches, the filtered one empty, the copied passage a duplicate, one rerank failed
    expect(get('retrieval', 'ragops_retrieval_hits_count', { variant: 'default' })).toBe(5);
    expect(get('retrieval', 'ragops_retrieval_empty_results_total', { variant: 'default' })).toBe(1);
    expect(get('retrieval', 'ragops_retrieval_duplicate_chunks_total', { variant: 'default' })).toBeGreaterThanOrEqual(1);
    expect(get('retrieval', 'ragops_retrieval_rerank_total', { variant: 'default', outcome: 'failed' })).toBe(1);
    expect(get('retrieval', 'ragops_retrieval_rerank_total', { variant: 'default', outcome: 'applied' })).toBe(4);
    expect(get('retrieval', 'ragops_retries_total', { dependency: 'reranker' })).toBe(2);
    // generation: two answered calls with tokens, cost and time to first token; the outage's call failed after retries
    const llm = { model: 'double-chat', variant: 'default' };
    expect(get('generation', 'ragops_llm_requests_total', { ...llm, outcome: 'success' })).toBe(2);
    expect(get('generation', 'ragops_llm_requests_total', { ...llm, outcome: 'error' })).toBe(1);
    expect(get('generation', 'ragops_retries_total', { dependency: 'llm' })).toBe(2);
    expect(get('generation', 'ragops_llm_tokens_total', { ...llm, tenant: 'default', token_type: 'prompt' })).toBeGreaterThan(0);
    expect(get('generation', 'ragops_llm_cost_usd_total', { ...llm, tenant: 'default' })).toBeGreaterThan(0);
    expect(get('generation', 'ragops_llm_time_to_first_token_seconds_count', llm)).toBe(2);
    expect(get('generation', 'ragops_llm_context_window_utilization_ratio_count', llm)).toBe(2);
    // gateway: requests per variant and operation, the bad request by its code, the 5xx by its
    expect(get('gateway', 'ragops_request_duration_seconds_count', { variant: 'default', operation: 'query', outcome: 'success' })).toBe(2);
    expect(get('gateway', 'ragops_request_duration_seconds_count', { variant: 'default', operation: 'query', outcome: 'client_error' })).toBe(1);
    expect(get('gateway', 'ragops_request_duration_seconds_count', { variant: 'default', operation: 'query', outcome: 'server_error' })).toBe(1);
    expect(get('gateway', 'ragops_errors_total', { code: 'VALIDATION_FAILED' })).toBe(1);
    expect(get('gateway', 'ragops_variant_info', { variant: 'default', model: 'double-chat', retrieval_mode: 'hybrid' })).toBe(1);
    expect(get('gateway', 'ragops_inflight_requests', { transport: 'http' })).toBe(0);
    // evaluation: the thumbs-up, joined to the variant that served the answer
    await waitFor('the feedback count', async () => (sampleValue((await scrape(platform.services.find((s) => s.service === 'evaluation')!.url)).text, 'ragops_feedback_total', { variant: 'default', rating: 'positive' }) === 1 ? true : undefined), 15_000);
  });

  it('every dashboard and rule expression returns a series (alerts: evaluates), and none names a metric no service exports', async () => {
    const expressions = promqlExpressions();
    const results = await evaluateAll(prometheus, expressions, 40_000);
    const problems = results.flatMap((x) => {
      const problem = problemOf(x);
      return problem ? [`${x.e.source}: ${problem} — ${x.e.query.replace(/\s+/g, ' ').slice(0, 160)}`] : [];
    });
    if (problems.length > 0 && problems.every((p) => p.includes('unreachable'))) throw new Error(`Prometheus did not answer:\n${prometheus.log()}`);

    // Every series name an expression reads, against the names the services' expositions really hold.
    const exported = new Set<string>();
    for (const text of (await allExpositions()).values()) for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*)[{ ]/gm)) exported.add(m[1]!);
    const known = new Set([...METRIC_DEFS.flatMap(exposedSeriesNames), ...DEFAULT_METRICS_USED.flatMap(exposedSeriesNames)]);
    const missing = expressions.flatMap((e) =>
      [...new Set(e.query.match(/\b(?:ragops|nodejs|process|http_server)_[a-z0-9_]+\b/g) ?? [])]
        .filter((name) => !exported.has(name))
        .map((name) => `${e.source}: ${name} is ${known.has(name) ? 'in the catalogue but' : 'not in the catalogue and'} not exported by any service`),
    );
    expect(missing).toEqual([]);
    expect(problems).toEqual([]);
    expect(results.filter((x) => x.e.kind === 'alert').length).toBeGreaterThan(5);
    expect(results.length).toBeGreaterThan(100);
  }, 50_000);
});

describe('the all-in-one process', () => {
  it("serves every service's series on the gateway's one /metrics, each family once, as promtool accepts", async () => {
    const aio = await startAllInOne({
      env: { RAGOPS_DATA_DIR: 'none', RAGOPS_SAMPLE_CORPUS: 'none', LOG_LEVEL: 'silent', RETRIEVAL_MODE: 'hybrid', INTERACTIONS: 'on', EVAL_SAMPLE_RATE: '1' },
      port: 0,
      host: '127.0.0.1',
      evaluationPort: 0,
    });
    try {
      const submit = await fetch(`${aio.url}/v1/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ documents }) });
      expect(submit.status).toBe(202);
      const { jobId } = (await submit.json()) as { jobId: string };
      await waitFor('the ingest job', async () => ((await (await fetch(`${aio.url}/v1/jobs/${jobId}`)).json()) as { status: string }).status === 'done' || undefined, 15_000);
      const query = await fetch(`${aio.url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'What is a readiness probe?' }) });
      expect(query.status).toBe(200);
      const { status, text } = await scrape(aio.url);
      expect(status).toBe(200);
      for (const service of ['gateway', 'embedding', 'retrieval', 'generation', 'ingest', 'evaluation']) expect([service, text.includes(`service="${service}"`)]).toEqual([service, true]);
      const types = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
      expect(types.length).toBe(new Set(types).size);
      expect(sampleValue(text, 'ragops_ingest_documents_total', { service: 'ingest', outcome: 'indexed' })).toBe(documents.length);
      expect(sampleValue(text, 'ragops_retrieval_hits_count', { service: 'retrieval' })).toBe(1);
      expect(sampleValue(text, 'ragops_request_duration_seconds_count', { service: 'gateway', operation: 'query', outcome: 'success' })).toBe(1);
      expect(promtoolCheckMetrics(text)).toEqual({ status: 0, output: '' });
    } finally {
      await aio.close();
    }
  }, 30_000);
});
