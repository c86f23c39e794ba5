import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultVariant, type RequestContext } from '@ragops/contracts';
import { OpenAIDoubleServer } from '@ragops/testing';
import { answerMetricFactories, resolveAnswerMetrics } from './answer-metrics.registry.js';

const ctx = (): RequestContext => ({ requestId: 'r', tenant: 't', deadline: Date.now() + 30_000, variant: defaultVariant });
const sample = {
  id: 'q1',
  question: 'What value of k does reciprocal rank fusion use?',
  answer: 'Reciprocal rank fusion uses k = 60.',
  contexts: ['Reciprocal rank fusion adds 1 / (k + rank) for each list; we use k = 60 as in the original paper.'],
};

describe('answer metrics for eval run', () => {
  let judge: OpenAIDoubleServer;
  beforeAll(async () => {
    judge = await OpenAIDoubleServer.start();
  });
  afterAll(() => judge.close());

  it('offers the five deterministic metrics and their judge:* counterparts', () => {
    expect([...answerMetricFactories({}).keys()].sort()).toEqual(
      ['answer_correctness', 'answer_relevancy', 'context_precision', 'context_recall', 'faithfulness'].flatMap((n) => [n, `judge:${n}`]).sort(),
    );
  });

  it('scores deterministically without a model, labelled as such', async () => {
    const [faithfulness] = resolveAnswerMetrics(['faithfulness']);
    expect(faithfulness).toMatchObject({ name: 'faithfulness', implementation: 'deterministic' });
    expect((await faithfulness!.score(sample, ctx())).value).toBe(1);
  });

  it('judge:* metrics call the configured model and record the judge in their id', async () => {
    judge.replyWith(JSON.stringify({ claims: [{ claim: 'RRF uses k = 60.', supported: true }, { claim: 'It is the paper value.', supported: false }] }));
    const env = { JUDGE_MODEL: 'gpt-4o-mini', JUDGE_API_KEY: 'k', JUDGE_BASE_URL: judge.baseURL };
    const [metric] = resolveAnswerMetrics(['judge:faithfulness'], answerMetricFactories(env));
    expect(metric!.implementation).toBe('llm-judge');
    expect(metric!.version).toContain('gpt-4o-mini');
    const result = await metric!.score(sample, ctx());
    expect(judge.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    expect(result.value).toBe(0.5);
  });

  it('marks the metrics that need a ground truth and passes it through', async () => {
    const metrics = resolveAnswerMetrics(['faithfulness', 'context_recall', 'answer_correctness', 'context_precision']);
    expect(metrics.map((m) => [m.name, !!m.needsGroundTruth])).toEqual([
      ['faithfulness', false],
      ['context_recall', true],
      ['answer_correctness', true],
      ['context_precision', false],
    ]);
    const env = { JUDGE_MODEL: 'm', JUDGE_API_KEY: 'k', JUDGE_BASE_URL: judge.baseURL };
    expect(resolveAnswerMetrics(['judge:context_recall'], answerMetricFactories(env))[0]?.needsGroundTruth).toBe(true);
    const recall = metrics[1]!;
    expect((await recall.score(sample, ctx())).value).toBeNull();
    const withTruth = { ...sample, groundTruth: 'RRF uses k = 60. It was proposed in 2009.', referenceContexts: ['ignored by the built-in metrics'] };
    expect((await recall.score(withTruth, ctx())).value).toBe(0.5);
  });

  it('refuses judge:* without a configured model, and unknown names, listing what exists', () => {
    expect(() => resolveAnswerMetrics(['judge:faithfulness'], answerMetricFactories({}))).toThrow(/JUDGE_MODEL and JUDGE_API_KEY/);
    expect(() => resolveAnswerMetrics(['judge:faithfulness'], answerMetricFactories({ JUDGE_MODEL: 'm', JUDGE_API_KEY: 'k', JUDGE_SAMPLES: 'two' }))).toThrow(/JUDGE_SAMPLES/);
    expect(() => resolveAnswerMetrics(['bleu'])).toThrow(/unknown answer metric bleu \(available: faithfulness/);
  });
});
