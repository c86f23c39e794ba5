import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { FeedbackRecord, InteractionRecord, parseOrThrow, Streams } from '@ragops/contracts';
import { connectNats } from '@ragops/platform';
import { startNatsServer, type NatsServerHandle } from '@ragops/testing';
import { GatewayClient } from '../src/gateway.client.js';
import { DistributedPlatform } from './distributed.harness.js';
import { eventually, readStream, type RunningEvaluation, sample, startEvaluation, startRecordingGateway } from './interactions.harness.js';

const root = join(import.meta.dirname, '../../..');
const corpusDir = join(root, 'data/sample-corpus/docs');

async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, requestId: res.headers.get('x-request-id'), body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
}

// A query carrying an e-mail address and a Luhn-valid card number (a Visa test number), written with spaces.
const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';
const PII_QUERY = `My card ${CARD} was charged twice, reply to ${EMAIL}: how do multi-window burn-rate alerts work?`;

/**
 * Online evaluation over real NATS (a private nats-server): two gateways serving different variants publish an
 * interaction record per query to RAGOPS_INTERACTIONS; two evaluation services read the stream with their own
 * durable consumers — one samples everything, one nothing — and feedback flows through RAGOPS_FEEDBACK.
 */
describe('interaction records and online evaluation over JetStream', () => {
  let nats: NatsServerHandle;
  let platform: DistributedPlatform;
  let stable: { url: string; close: () => Promise<void> };
  let canary: { url: string; close: () => Promise<void> };
  let all: RunningEvaluation;
  let none: RunningEvaluation;
  let nc: NatsConnection;
  const answered: { requestId: string; variant: string; finishReason: string }[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    platform = new DistributedPlatform(nats.url);
    await platform.startEmbedding();
    await platform.startRetrieval('r1');
    await platform.startGeneration();
    await platform.startIngest();
    stable = await startRecordingGateway(nats.url);
    canary = await startRecordingGateway(nats.url, { VARIANT_ID: 'canary', DEFAULT_TOPK: '3' });
    all = await startEvaluation(nats.url, { EVAL_SAMPLE_RATE: '1' });
    none = await startEvaluation(nats.url, { EVAL_SAMPLE_RATE: '0' }, 'eval-rate-zero');
    nc = await connectNats(nats.url, 'online-eval-test');

    const files = (await readdir(corpusDir)).filter((f) => f.endsWith('.md')).sort();
    const documents = await Promise.all(files.map(async (f) => ({ id: f.replace(/\.md$/, ''), format: 'markdown' as const, text: await readFile(join(corpusDir, f), 'utf8') })));
    const submitted = await post(stable.url, '/v1/documents', { documents }, { 'x-ragops-tenant': 'acme' });
    expect(submitted.status).toBe(202);
    expect((await new GatewayClient(stable.url, 'acme').waitForJob(String(submitted.body.jobId), 30_000, 50)).status).toBe('done');

    const questions = ['What value of k do we use for reciprocal rank fusion?', 'How does a circuit breaker half-open state work?', PII_QUERY];
    for (const [gateway, variant] of [[stable.url, 'default'], [canary.url, 'canary']] as const) {
      for (const q of questions) {
        const res = await post(gateway, '/v1/query', { query: q }, { 'x-ragops-tenant': 'acme' });
        expect(res.status).toBe(200);
        answered.push({ requestId: String(res.body.requestId), variant, finishReason: String(res.body.finishReason) });
      }
    }
  }, 120_000);

  afterAll(async () => {
    // Each Nest NATS microservice takes a few seconds to close.
    await all?.close();
    await none?.close();
    await stable?.close();
    await canary?.close();
    await nc?.drain();
    await platform?.close();
    await nats?.stop();
  }, 90_000);

  it('publishes one record per query with the request, variant, hits, prompt hash, answer, latency and usage', async () => {
    await eventually(async () => (await readStream(nc, Streams.interactions)).length >= answered.length, 15_000, 'all records stored');
    const records = (await readStream(nc, Streams.interactions)).map((r) => parseOrThrow(InteractionRecord, r, 'record'));
    expect(records.map((r) => r.requestId).sort()).toEqual(answered.map((a) => a.requestId).sort());
    for (const r of records) {
      const a = answered.find((x) => x.requestId === r.requestId)!;
      expect(r).toMatchObject({ schemaVersion: 1, tenant: 'acme', outcome: 'ok', content: 'redacted', variant: { id: a.variant } });
      expect(r.variant.retrieval.topK).toBe(a.variant === 'canary' ? 3 : 5);
      expect(r.retrieval!.hits.length).toBeGreaterThan(0);
      expect(r.retrieval!.hits.length).toBeLessThanOrEqual(r.variant.retrieval.topK);
      for (const h of r.retrieval!.hits) {
        expect(h.chunkId.startsWith(`${h.docId}#`)).toBe(true);
        expect(Number.isFinite(h.score)).toBe(true);
        expect(h.text).toBeDefined(); // passages stored (redacted) for online scoring
      }
      expect(r.generation).toMatchObject({ model: 'extractive', finishReason: a.finishReason });
      expect(r.generation!.promptHash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(r.generation!.prompt).toBeUndefined();
      expect(r.generation!.answer.hash).toMatch(/^sha256:/);
      expect(r.generation!.usage.promptTokens).toBeGreaterThan(0);
      expect(r.latencyMs.total).toBeGreaterThanOrEqual((r.latencyMs.retrieval ?? 0) + (r.latencyMs.generation ?? 0) - 1);
      expect(r.latencyMs.retrievalStages).toHaveProperty('searchMs');
      expect(r.traceId).toBeUndefined(); // tracing is off in this suite
    }
  });

  it('stores neither the e-mail address nor the card number under the default content setting', async () => {
    const raw = (await readStream(nc, Streams.interactions)) as InteractionRecord[];
    const pii = raw.filter((r) => r.query.text?.includes('charged twice'));
    expect(pii).toHaveLength(2);
    for (const r of pii) {
      expect(r.query.text).toContain('[EMAIL]');
      expect(r.query.text).toContain('[CARD]');
    }
    const everything = JSON.stringify(raw);
    expect(everything).not.toContain(EMAIL);
    expect(everything).not.toContain('jane.doe');
    for (const form of [CARD, CARD.replace(/ /g, ''), CARD.replace(/ /g, '-')]) expect(everything).not.toContain(form);
  });

  it('scores every interaction per variant at sample rate 1 and none at rate 0', async () => {
    const scorable = (variant: string) => answered.filter((a) => a.variant === variant && a.finishReason !== 'no_context').length;
    await eventually(async () => {
      const text = await all.scrape();
      return ['default', 'canary'].every((v) => (sample(text, 'ragops_online_eval_interactions_total', { variant: v }) ?? 0) === 3);
    }, 20_000, 'all interactions read');
    const text = await all.scrape();
    for (const variant of ['default', 'canary']) {
      expect(scorable(variant)).toBeGreaterThan(0);
      expect(sample(text, 'ragops_online_eval_judged_total', { variant, outcome: 'scored' })).toBe(scorable(variant));
      for (const metric of ['faithfulness', 'answer_relevance', 'context_relevance']) {
        const count = sample(text, 'ragops_online_eval_score_count', { variant, eval_metric: metric }) ?? 0;
        const sum = sample(text, 'ragops_online_eval_score_sum', { variant, eval_metric: metric }) ?? 0;
        expect(count).toBeGreaterThan(0);
        expect(sum / count).toBeGreaterThanOrEqual(0);
        expect(sum / count).toBeLessThanOrEqual(1);
      }
      // Extractive answers quote the passages: faithful by construction.
      expect((sample(text, 'ragops_online_eval_score_sum', { variant, eval_metric: 'faithfulness' }) ?? 0) / (sample(text, 'ragops_online_eval_score_count', { variant, eval_metric: 'faithfulness' }) ?? 1)).toBeGreaterThan(0.9);
    }

    await eventually(async () => (sample(await none.scrape(), 'ragops_online_eval_interactions_total', { decision: 'not_sampled' }) ?? 0) === answered.length, 20_000, 'rate 0 read');
    const zero = await none.scrape();
    // Decided from the records' headers, per variant, without decoding them.
    for (const variant of ['default', 'canary']) expect(sample(zero, 'ragops_online_eval_interactions_total', { variant, decision: 'not_sampled' })).toBe(3);
    expect(sample(zero, 'ragops_online_eval_judged_total')).toBeUndefined();
    expect(sample(zero, 'ragops_online_eval_score_count')).toBeUndefined();
  });

  it('stores valid feedback and counts it per variant; bad feedback is a 400 that stores nothing', async () => {
    const [s1, s2] = answered.filter((a) => a.variant === 'default');
    const [c1] = answered.filter((a) => a.variant === 'canary');
    expect((await post(stable.url, '/v1/feedback', { requestId: s1!.requestId, rating: 'up' }, { 'x-ragops-tenant': 'acme' })).status).toBe(202);
    expect((await post(stable.url, '/v1/feedback', { requestId: s2!.requestId, score: 0.1, comment: `call me at ${EMAIL}` }, { 'x-ragops-tenant': 'acme' })).status).toBe(202);
    // Feedback on a canary answer sent to the other gateway: the evaluation service still finds its variant.
    expect((await post(stable.url, '/v1/feedback', { requestId: c1!.requestId, rating: 'up' }, { 'x-ragops-tenant': 'acme' })).status).toBe(202);
    for (const bad of [{ requestId: s1!.requestId }, { requestId: s1!.requestId, rating: 'sideways' }, { requestId: s1!.requestId, score: 3 }, { rating: 'up' }]) {
      const res = await post(stable.url, '/v1/feedback', bad);
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe('VALIDATION_FAILED');
    }
    await eventually(async () => {
      const text = await all.scrape();
      return sample(text, 'ragops_feedback_total', { variant: 'canary', rating: 'positive' }) === 1 && sample(text, 'ragops_feedback_total', { variant: 'default' }) === 2;
    }, 20_000, 'feedback counted');
    const text = await all.scrape();
    expect(sample(text, 'ragops_feedback_total', { variant: 'default', rating: 'positive' })).toBe(1);
    expect(sample(text, 'ragops_feedback_total', { variant: 'default', rating: 'negative' })).toBe(1);
    const stored = (await readStream(nc, Streams.feedback)).map((f) => parseOrThrow(FeedbackRecord, f, 'feedback'));
    expect(stored).toHaveLength(3);
    expect(JSON.stringify(stored)).not.toContain(EMAIL);
  });

  it('a replica that scores none of the records still attributes feedback, from the interaction index', async () => {
    const [c2] = answered.filter((a) => a.variant === 'canary').slice(1);
    const feedbackOnly = await startEvaluation(nats.url, { EVAL_SAMPLE_RATE: '1' }, 'feedback-only-replica', { readInteractions: false });
    try {
      expect((await post(canary.url, '/v1/feedback', { requestId: c2!.requestId, rating: 'down' }, { 'x-ragops-tenant': 'acme' })).status).toBe(202);
      // Its own durable consumer reads all four feedback records; every one is joined through the index.
      await eventually(async () => (sample(await feedbackOnly.scrape(), 'ragops_feedback_total') ?? 0) === 4, 20_000, 'feedback read');
      const text = await feedbackOnly.scrape();
      expect(sample(text, 'ragops_feedback_total', { variant: 'canary' })).toBe(2);
      expect(sample(text, 'ragops_feedback_total', { variant: 'default' })).toBe(2);
      expect(sample(text, 'ragops_feedback_total', { variant: 'unknown' })).toBeUndefined();
      expect(sample(text, 'ragops_online_eval_judged_total')).toBeUndefined();
    } finally {
      await feedbackOnly.close();
    }
  });

  it('the evaluation service binary refuses a bad configuration, naming every key', async () => {
    const exit = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [join(root, 'services/evaluation/dist/main.js')],
        { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', NATS_URL: 'nats://127.0.0.1:1', EVAL_SAMPLE_RATE: '2', JUDGE_MODEL: 'gpt-4o-mini', METRICS_PORT: '-1' }, timeout: 20_000 },
        (err, _out, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
      ),
    );
    expect(exit.code).toBe(1);
    const line = exit.stderr.split('\n').find((l) => l.startsWith('ragops evaluation: invalid evaluation configuration'));
    for (const key of ['EVAL_SAMPLE_RATE=', 'JUDGE_API_KEY=', 'METRICS_PORT=']) expect(line).toContain(key);
  });
});
