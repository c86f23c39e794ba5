import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultVariant, type FeedbackRecord, HealthReply, type InteractionRecord, Subjects } from '@ragops/contracts';
import { MemoryFeedbackLog, MemoryInteractionLog, type RpcClient } from '@ragops/messaging';
import { type MetricsServer, startMetricsServer } from '@ragops/platform';
import { startServiceForTest, testContext } from '@ragops/testing';
import type { ServiceMetrics } from '@ragops/telemetry';
import { loadEvaluationConfig } from './evaluation.config.js';
import { EvaluationModule } from './evaluation.module.js';
import { createOnlineEvaluation } from './online-evaluation.factory.js';

const sha = `sha256:${'1'.repeat(64)}`;

function interaction(requestId: string, variant: string): InteractionRecord {
  return {
    schemaVersion: 1,
    requestId,
    tenant: 'acme',
    timestamp: 1,
    variant: { ...defaultVariant, id: variant },
    content: 'redacted',
    outcome: 'ok',
    query: { text: 'How does reciprocal rank fusion combine rankings?', hash: sha },
    filtered: false,
    retrieval: { index: 'default', hits: [{ chunkId: 'rrf#0', docId: 'rrf', score: 3, text: 'Reciprocal rank fusion sums 1/(k + rank) over the rankings, with k = 60.', textHash: sha }] },
    generation: {
      model: 'extractive',
      answer: { text: 'Reciprocal rank fusion sums 1/(k + rank) over the rankings, with k = 60. [1]', hash: sha },
      citations: [{ n: 1, chunkId: 'rrf#0', docId: 'rrf' }],
      finishReason: 'stop',
      usage: { promptTokens: 1, completionTokens: 1 },
      droppedChunks: 0,
    },
    latencyMs: { total: 3 },
  };
}

const feedback = (requestId: string, score: number): FeedbackRecord => ({ schemaVersion: 1, feedbackId: `f-${requestId}-${score}`, requestId, tenant: 'acme', timestamp: 2, score, content: 'redacted' });

/** The value of one sample in a Prometheus exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.indexOf('}'));
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

const until = async (cond: () => Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('EvaluationModule (in process, memory streams)', () => {
  const interactions = new MemoryInteractionLog({ retryDelayMs: 5 });
  // Feedback waits for its interaction by redelivery: 50 ms, then 100 ms, before counting as unknown.
  const feedbackLog = new MemoryFeedbackLog({ retryDelayMs: 50 });
  let svc: { rpc: RpcClient; close: () => Promise<void> };
  let metrics: ServiceMetrics;
  let server: MetricsServer;
  const warnings: string[] = [];
  const scrape = async () => (await fetch(`${server.url}/metrics`)).text();

  beforeAll(async () => {
    const config = loadEvaluationConfig({ EVAL_SAMPLE_RATE: '1', EVAL_FEEDBACK_JOIN_ATTEMPTS: '3' });
    const parts = createOnlineEvaluation(config);
    metrics = parts.metrics;
    const log = { warn: (_: object, m: string) => void warnings.push(m), error: (_: object, m: string) => void warnings.push(m) };
    svc = await startServiceForTest(EvaluationModule.register({ interactions, feedback: feedbackLog, evaluator: parts.evaluator, log }), 'evaluation');
    server = await startMetricsServer({ registry: metrics.registry, port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await svc.close();
    await server.close();
  });

  it('scores interactions per variant and exports them on /metrics with the catalogue names', async () => {
    await interactions.publish(interaction('a1', 'stable'));
    await interactions.publish(interaction('a2', 'canary'));
    await until(async () => sample(await scrape(), 'ragops_online_eval_judged_total', { variant: 'canary', outcome: 'scored' }) === 1);
    const text = await scrape();
    for (const variant of ['stable', 'canary']) {
      expect(sample(text, 'ragops_online_eval_score_count', { variant, eval_metric: 'faithfulness' })).toBe(1);
      expect(sample(text, 'ragops_online_eval_score_sum', { variant, eval_metric: 'faithfulness' })).toBe(1);
      expect(sample(text, 'ragops_online_eval_score_count', { variant, eval_metric: 'answer_relevance' })).toBe(1);
      expect(sample(text, 'ragops_online_eval_score_count', { variant, eval_metric: 'context_relevance' })).toBe(1);
      expect(sample(text, 'ragops_online_eval_interactions_total', { variant, decision: 'sampled' })).toBe(1);
      // No judge here, so nothing unparseable: a 0 per metric from the variant's first record, not a missing series.
      expect(sample(text, 'ragops_online_eval_unparseable_total', { variant, eval_metric: 'faithfulness' })).toBe(0);
    }
    expect(sample(text, 'ragops_online_eval_duration_seconds_count', { implementation: 'deterministic' })).toBe(2);
    expect(text).toContain('service="evaluation"');
  });

  it('counts feedback for the variant that served it, waiting for a late interaction', async () => {
    await feedbackLog.publish(feedback('a2', 1));
    await feedbackLog.publish(feedback('a2', 0));
    await feedbackLog.publish(feedback('late', 1)); // its interaction arrives after the feedback
    await new Promise((r) => setTimeout(r, 20));
    await interactions.publish(interaction('late', 'stable'));
    await until(async () => sample(await scrape(), 'ragops_feedback_total', { variant: 'stable', rating: 'positive' }) === 1);
    const text = await scrape();
    expect(sample(text, 'ragops_feedback_total', { variant: 'canary', rating: 'positive' })).toBe(1);
    expect(sample(text, 'ragops_feedback_total', { variant: 'canary', rating: 'negative' })).toBe(1);
  });

  it('skips an invalid record with a warning instead of failing or retrying it', async () => {
    await interactions.publish({ tenant: 'acme', timestamp: 3, nonsense: true } as unknown as InteractionRecord);
    await until(async () => warnings.includes('skipped an invalid interaction record'));
    await feedbackLog.publish({ tenant: 'acme', timestamp: 3, score: 7 } as unknown as FeedbackRecord);
    await until(async () => warnings.includes('skipped an invalid feedback record'));
  });

  it('answers its health probe over the transport, naming the implementation', async () => {
    expect(await svc.rpc.request(Subjects.health('evaluation'), { ctx: testContext(), data: {} }, HealthReply)).toEqual({
      service: 'evaluation',
      ok: true,
      details: { implementation: 'deterministic' },
    });
  });

  it('the HTTP listener serves /healthz and refuses anything else with a coded error', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const missing = await fetch(`${server.url}/v1/anything`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
    const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(await post.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  });
});

describe('EvaluationModule below sample rate 1 (records settled from their headers)', () => {
  const interactions = new MemoryInteractionLog({ retryDelayMs: 5 });
  const warnings: string[] = [];
  let svc: { close: () => Promise<void> };
  let metrics: ServiceMetrics;
  const exposition = () => metrics.registry.metrics();

  beforeAll(async () => {
    const parts = createOnlineEvaluation(loadEvaluationConfig({ EVAL_SAMPLE_RATE: '0' }));
    metrics = parts.metrics;
    const log = { warn: (_: object, m: string) => void warnings.push(m), error: (_: object, m: string) => void warnings.push(m) };
    svc = await startServiceForTest(EvaluationModule.register({ interactions, feedback: new MemoryFeedbackLog(), evaluator: parts.evaluator, log }), 'evaluation');
  });

  afterAll(async () => {
    await svc.close();
  });

  it('counts records outside the sample per variant, and failed queries as error, without reading their bodies', async () => {
    const failed: InteractionRecord = { ...interaction('n4', 'canary'), outcome: 'error', error: { code: 'UPSTREAM_FAILED', stage: 'generation' } };
    delete failed.generation;
    // Good headers, a body the record schema rejects: were it read, it would be skipped with a warning and not counted.
    const badBody = { ...interaction('n5', 'canary'), nonsense: true } as unknown as InteractionRecord;
    for (const r of [interaction('n1', 'stable'), interaction('n2', 'stable'), interaction('n3', 'canary'), failed, badBody]) await interactions.publish(r);
    await interactions.publish(interaction('n1', 'stable')); // a re-delivery
    await until(async () => sample(await exposition(), 'ragops_online_eval_interactions_total', { variant: 'stable', decision: 'duplicate' }) === 1);
    const text = await exposition();
    expect(sample(text, 'ragops_online_eval_interactions_total', { variant: 'stable', decision: 'not_sampled' })).toBe(2);
    expect(sample(text, 'ragops_online_eval_interactions_total', { variant: 'canary', decision: 'not_sampled' })).toBe(2);
    expect(sample(text, 'ragops_online_eval_interactions_total', { variant: 'canary', decision: 'error' })).toBe(1);
    expect(sample(text, 'ragops_online_eval_judged_total', { variant: 'stable' })).toBeUndefined();
    expect(warnings).toEqual([]);
  });
});
