import { describe, expect, it } from '@jest/globals';
import { AppError, defaultVariant, type FeedbackRecord, type InteractionRecord, ManualClock } from '@ragops/contracts';
import type { ChatModel } from '@ragops/rag';
import type { AnswerMetric } from '../answer/answer-metric.types.js';
import { createDeterministicMetrics } from '../answer/deterministic.metrics.js';
import { createJudgeMetrics } from '../answer/judge.metrics.js';
import { type InteractionDecision, type OnlineEvalObserver, OnlineEvaluator, type OnlineMetricName, UNKNOWN_VARIANT } from './online.evaluator.js';
import { withoutCitationMarkers } from '../answer/claim.matcher.js';
import { isSampled } from './online.sampler.js';

const sha = `sha256:${'0'.repeat(64)}`;

function record(requestId: string, overrides: Partial<InteractionRecord> = {}, variant = 'stable'): InteractionRecord {
  return {
    schemaVersion: 1,
    requestId,
    tenant: 'acme',
    timestamp: 1000,
    variant: { ...defaultVariant, id: variant },
    content: 'redacted',
    outcome: 'ok',
    query: { text: 'What does a readiness probe do?', hash: sha },
    filtered: false,
    retrieval: {
      index: 'default',
      hits: [
        { chunkId: 'p#0', docId: 'p', score: 2, text: 'A failing readiness probe removes the pod from the Service endpoints.', textHash: sha },
        { chunkId: 'q#0', docId: 'q', score: 1, text: 'Redis evicts keys when memory is full.', textHash: sha },
      ],
    },
    generation: {
      model: 'extractive',
      answer: { text: 'A failing readiness probe removes the pod from the Service endpoints. [1]', hash: sha },
      citations: [{ n: 1, chunkId: 'p#0', docId: 'p' }],
      finishReason: 'stop',
      usage: { promptTokens: 10, completionTokens: 5 },
      droppedChunks: 0,
    },
    latencyMs: { total: 5 },
    ...overrides,
  };
}

class Recorded implements OnlineEvalObserver {
  decisions: [string, InteractionDecision][] = [];
  scores: [string, OnlineMetricName, number][] = [];
  judgedList: [string, string][] = [];
  unparseableList: [string, OnlineMetricName, number][] = [];
  feedbackList: [string, string, number][] = [];
  seconds: number[] = [];
  interaction(v: string, d: InteractionDecision) {
    this.decisions.push([v, d]);
  }
  score(v: string, m: OnlineMetricName, x: number) {
    this.scores.push([v, m, x]);
  }
  judged(v: string, o: string) {
    this.judgedList.push([v, o]);
  }
  unparseable(v: string, m: OnlineMetricName, n: number) {
    this.unparseableList.push([v, m, n]);
  }
  feedback(v: string, r: string, s: number) {
    this.feedbackList.push([v, r, s]);
  }
  scoringSeconds(s: number) {
    this.seconds.push(s);
  }
}

function evaluator(sampleRate: number, metrics: Partial<Record<OnlineMetricName, AnswerMetric>> = createDeterministicMetrics()) {
  const observer = new Recorded();
  const e = new OnlineEvaluator({ metrics: { faithfulness: metrics.faithfulness, answer_relevancy: metrics.answer_relevancy, context_precision: metrics.context_precision }, sampleRate, clock: new ManualClock(0), observer, feedbackJoinAttempts: 3 });
  return { e, observer };
}

const feedback = (requestId: string, score: number, extra: Partial<FeedbackRecord> = {}): FeedbackRecord => ({
  schemaVersion: 1,
  feedbackId: `f-${requestId}`,
  requestId,
  tenant: 'acme',
  timestamp: 2000,
  score,
  content: 'redacted',
  ...extra,
});

describe('OnlineEvaluator', () => {
  it('scores a sampled interaction with the three reference-free metrics, per variant', async () => {
    const { e, observer } = evaluator(1);
    expect(await e.onInteraction(record('r1', {}, 'canary'))).toBe('sampled');
    expect(observer.decisions).toEqual([['canary', 'sampled']]);
    expect(observer.scores.map(([v, m]) => [v, m])).toEqual([
      ['canary', 'faithfulness'],
      ['canary', 'answer_relevancy'],
      ['canary', 'context_precision'],
    ]);
    const byMetric = Object.fromEntries(observer.scores.map(([, m, x]) => [m, x]));
    expect(byMetric.faithfulness).toBe(1); // the answer quotes the passage
    expect(byMetric.context_precision).toBe(1); // the first passage supports it
    expect(byMetric.answer_relevancy).toBeGreaterThan(0.5);
    expect(observer.judgedList).toEqual([['canary', 'scored']]);
    expect(observer.seconds).toHaveLength(1);
    expect(e.implementation).toBe('deterministic');
  });

  it('rate 0 judges nothing; rate 1 judges everything; in between, exactly the ids the sampler picks', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `req-${i}`);
    const none = evaluator(0);
    for (const id of ids) await none.e.onInteraction(record(id));
    expect(none.observer.judgedList).toEqual([]);
    expect(none.observer.decisions.every(([, d]) => d === 'not_sampled')).toBe(true);
    const all = evaluator(1);
    for (const id of ids) await all.e.onInteraction(record(id));
    expect(all.observer.judgedList).toHaveLength(200);
    const some = evaluator(0.3);
    for (const id of ids) await some.e.onInteraction(record(id));
    expect(some.observer.judgedList).toHaveLength(ids.filter((id) => isSampled(id, 0.3)).length);
  });

  it('skips failed queries, no-context answers, records without texts (hash mode) and re-deliveries', async () => {
    const { e, observer } = evaluator(1);
    expect(await e.onInteraction(record('e1', { outcome: 'error', error: { code: 'UPSTREAM_FAILED', stage: 'generation' }, generation: undefined }))).toBe('error');
    const noContext = record('n1');
    noContext.generation!.finishReason = 'no_context';
    expect(await e.onInteraction(noContext)).toBe('no_answer');
    expect(await e.onInteraction(record('h1', { content: 'hash', query: { hash: sha } }))).toBe('no_content');
    expect(await e.onInteraction(record('d1'))).toBe('sampled');
    expect(await e.onInteraction(record('d1'))).toBe('duplicate');
    expect(await e.onInteraction(record('d1', { timestamp: 2000 }))).toBe('sampled'); // another request reusing the id
    expect(observer.judgedList).toHaveLength(2);
  });

  it('counts judge failures and unparseable outputs, never NaN scores', async () => {
    const garbage: ChatModel = {
      model: 'judge',
      complete: async () => ({ choices: ['not json at all'], finishReason: 'stop', model: 'judge', usage: { promptTokens: 1, completionTokens: 1, estimated: false } }),
    };
    const { e, observer } = evaluator(1, createJudgeMetrics({ model: garbage, clock: new ManualClock(0), maxRetries: 1 }));
    await e.onInteraction(record('r1'));
    expect(observer.scores).toEqual([]);
    expect(observer.judgedList).toEqual([['stable', 'failed']]);
    expect(observer.unparseableList).toEqual([
      ['stable', 'faithfulness', 2],
      ['stable', 'answer_relevancy', 2],
      ['stable', 'context_precision', 2],
    ]);
    expect(e.implementation).toBe('llm-judge');

    const down: ChatModel = { model: 'judge', complete: () => Promise.reject(new AppError('UNAVAILABLE', 'judge down')) };
    const failing = evaluator(1, createJudgeMetrics({ model: down, clock: new ManualClock(0) }));
    await failing.e.onInteraction(record('r2'));
    expect(failing.observer.judgedList).toEqual([['stable', 'failed']]);
  });

  it('a metric that throws is a failed judgment, not a lost interaction', async () => {
    const broken: AnswerMetric = { name: 'faithfulness', implementation: 'deterministic', version: 'x', id: 'x', score: () => Promise.reject(new Error('bug')) };
    const { e, observer } = evaluator(1, { faithfulness: broken });
    await e.onInteraction(record('r1'));
    expect(observer.judgedList).toEqual([['stable', 'failed']]);
  });

  it('attributes feedback to the variant that served the request; positive at score ≥ 0.5', async () => {
    const { e, observer } = evaluator(0);
    await e.onInteraction(record('r1', {}, 'canary'));
    expect(e.onFeedback(feedback('r1', 1), 1)).toBe('ack');
    expect(e.onFeedback(feedback('r1', 0.5), 1)).toBe('ack');
    expect(e.onFeedback(feedback('r1', 0.49), 1)).toBe('ack');
    expect(e.onFeedback(feedback('r9', 0, { variant: 'stable' }), 1)).toBe('ack'); // the gateway knew the variant
    expect(observer.feedbackList).toEqual([
      ['canary', 'positive', 1],
      ['canary', 'positive', 0.5],
      ['canary', 'negative', 0.49],
      ['stable', 'negative', 0],
    ]);
  });

  it('waits (retry) for a not-yet-seen interaction, then counts the feedback as unknown', async () => {
    const { e, observer } = evaluator(0);
    expect(e.onFeedback(feedback('later', 1), 1)).toBe('retry');
    expect(e.onFeedback(feedback('later', 1), 2)).toBe('retry');
    await e.onInteraction(record('later', {}, 'canary'));
    expect(e.onFeedback(feedback('later', 1), 3)).toBe('ack');
    expect(e.onFeedback(feedback('never', 0), 3)).toBe('ack');
    expect(observer.feedbackList).toEqual([
      ['canary', 'positive', 1],
      [UNKNOWN_VARIANT, 'negative', 0],
    ]);
  });

  it('attributes feedback for requests known only from the interaction index (another replica scores the record)', async () => {
    const { e, observer } = evaluator(1);
    e.rememberVariant('acme', 'elsewhere', 'canary');
    expect(e.onFeedback(feedback('elsewhere', 1), 1)).toBe('ack');
    expect(observer.feedbackList).toEqual([['canary', 'positive', 1]]);
    // The index entry does not make the record itself a duplicate.
    expect(await e.onInteraction(record('elsewhere', {}, 'canary'))).toBe('sampled');
    expect(await e.onInteraction(record('elsewhere', {}, 'canary'))).toBe('duplicate');
  });

  it('feedback is joined per tenant: the same request id of another tenant is another request', async () => {
    const { e, observer } = evaluator(0);
    await e.onInteraction(record('r1', {}, 'canary'));
    expect(e.onFeedback(feedback('r1', 1, { tenant: 'globex' }), 3)).toBe('ack');
    expect(observer.feedbackList).toEqual([[UNKNOWN_VARIANT, 'positive', 1]]);
  });

  it('previewInteraction decides from the summary what onInteraction decides from the record, counting it the same', async () => {
    const summary = (r: InteractionRecord) => ({ tenant: r.tenant, requestId: r.requestId, variant: r.variant.id, timestamp: r.timestamp, outcome: r.outcome });
    const failed = (id: string) => record(id, { outcome: 'error', error: { code: 'UPSTREAM_FAILED', stage: 'generation' }, generation: undefined }, 'canary');
    const noContext = (id: string) => {
      const r = record(id);
      r.generation!.finishReason = 'no_context';
      return r;
    };
    const stream: InteractionRecord[] = [];
    for (let i = 0; i < 60; i++) {
      const r = i % 7 === 0 ? failed(`q-${i}`) : i % 5 === 0 ? noContext(`q-${i}`) : record(`q-${i}`, {}, i % 2 ? 'canary' : 'stable');
      stream.push(r, ...(i % 4 === 0 ? [r] : [])); // every fourth one delivered twice
    }
    const full = evaluator(0.3);
    for (const r of stream) await full.e.onInteraction(r);
    const previewed = evaluator(0.3);
    let read = 0;
    for (const r of stream) {
      if (previewed.e.previewInteraction(summary(r)) !== undefined) continue;
      read++;
      await previewed.e.onInteraction(r);
    }
    expect(previewed.observer.decisions).toEqual(full.observer.decisions);
    expect(previewed.observer.judgedList).toEqual(full.observer.judgedList);
    const decided = full.observer.decisions.map(([, d]) => d);
    for (const d of ['not_sampled', 'error', 'duplicate', 'sampled'] as const) expect(decided).toContain(d);
    // Only records in the sample (scored or skipped for their content) were read.
    expect(read).toBe(decided.filter((d) => d === 'sampled' || d === 'no_answer' || d === 'no_content').length);
  });

  it('a previewed record outside the sample still joins its feedback; one in the sample is left to onInteraction', async () => {
    const { e, observer } = evaluator(0);
    expect(e.previewInteraction({ tenant: 'acme', requestId: 'p1', variant: 'canary', timestamp: 1000, outcome: 'ok' })).toBe('not_sampled');
    expect(e.onFeedback(feedback('p1', 1), 1)).toBe('ack');
    expect(observer.feedbackList).toEqual([['canary', 'positive', 1]]);
    const all = evaluator(1);
    expect(all.e.previewInteraction({ tenant: 'acme', requestId: 'p2', variant: 'canary', timestamp: 1000, outcome: 'ok' })).toBeUndefined();
    expect(all.observer.decisions).toEqual([]);
    expect(await all.e.onInteraction(record('p2', {}, 'canary'))).toBe('sampled'); // not taken for a re-delivery
  });

  it('rejects a bad sample rate or a metric under the wrong name', () => {
    const observer = new Recorded();
    expect(() => new OnlineEvaluator({ metrics: {}, sampleRate: 2, clock: new ManualClock(0), observer })).toThrow(AppError);
    const m = createDeterministicMetrics();
    expect(() => new OnlineEvaluator({ metrics: { faithfulness: m.answer_relevancy }, sampleRate: 1, clock: new ManualClock(0), observer })).toThrow(/given as faithfulness/);
  });
});

describe('withoutCitationMarkers', () => {
  it('removes [n] and [n, m] markers wherever they stand, and nothing else', () => {
    expect(withoutCitationMarkers('Probes gate traffic. [1] Limits throttle [2, 3].')).toBe('Probes gate traffic. Limits throttle.');
    expect(withoutCitationMarkers('See [1,2][3] now')).toBe('See now');
    expect(withoutCitationMarkers('Arrays like a[0] and [x] stay; so does [12345].')).toBe('Arrays like a[0] and [x] stay; so does [12345].');
  });
});
