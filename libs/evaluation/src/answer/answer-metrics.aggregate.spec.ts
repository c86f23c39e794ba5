import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { JudgeStats, MetricResult } from './answer-metric.types.js';
import { pairAnswerScores, summarizeAnswerMetric, summarizeAnswerResults } from './answer-metrics.aggregate.js';

const det = (value: number | null, sampleId?: string, over: Partial<MetricResult> = {}): MetricResult => ({
  metric: 'faithfulness',
  implementation: 'deterministic',
  version: 'faithfulness/deterministic@1',
  value,
  ...(value === null ? { nullReason: 'no-claims' as const } : {}),
  ...(sampleId === undefined ? {} : { sampleId }),
  ...over,
});

const stats = (over: Partial<JudgeStats> = {}): JudgeStats => ({
  model: 'm1',
  requested: 2,
  parsed: 2,
  unparseable: 0,
  calls: 1,
  usage: { promptTokens: 10, completionTokens: 3, estimated: false },
  costUsd: 0.5,
  unpricedCalls: 0,
  values: [],
  ...over,
});
const judged = (value: number | null, judge: JudgeStats, nullReason?: MetricResult['nullReason']): MetricResult => ({
  metric: 'faithfulness',
  implementation: 'llm-judge',
  version: 'faithfulness@1',
  judgePromptVersion: 'faithfulness@1',
  value,
  ...(nullReason ? { nullReason } : {}),
  judge,
});

describe('summarizeAnswerMetric', () => {
  it('averages the values, leaving nulls out and counting them by reason', () => {
    const s = summarizeAnswerMetric([det(1), det(0.5), det(null), det(0), det(null, undefined, { nullReason: 'missing-input' })]);
    expect(s).toEqual({
      metric: 'faithfulness',
      implementation: 'deterministic',
      version: 'faithfulness/deterministic@1',
      count: 5,
      scored: 3,
      mean: 0.5,
      nulls: 2,
      nullReasons: { 'no-claims': 1, 'missing-input': 1 },
    });
  });

  it('reports mean null, not NaN, when nothing was scored', () => {
    const s = summarizeAnswerMetric([det(null), det(null)]);
    expect(s.mean).toBeNull();
    expect(s).toMatchObject({ count: 2, scored: 0, nulls: 2 });
  });

  it('totals the judge: unparseable outputs, failures, usage, cost, models', () => {
    const s = summarizeAnswerMetric([
      judged(1, stats()),
      judged(null, stats({ parsed: 0, unparseable: 3, calls: 3, costUsd: undefined, unpricedCalls: 3, model: 'm2', usage: { promptTokens: 1, completionTokens: 1, estimated: true } }), 'unparseable'),
      judged(null, stats({ parsed: 0, calls: 1, error: 'UPSTREAM_FAILED: boom', costUsd: undefined, unpricedCalls: 0, usage: { promptTokens: 0, completionTokens: 0, estimated: false } }), 'judge-error'),
      judged(null, stats({ parsed: 0, calls: 0, costUsd: undefined, usage: { promptTokens: 0, completionTokens: 0, estimated: false } }), 'missing-input'),
    ]);
    expect(s).toMatchObject({ implementation: 'llm-judge', judgePromptVersion: 'faithfulness@1', count: 4, scored: 1, mean: 1, nulls: 3 });
    expect(s.nullReasons).toEqual({ unparseable: 1, 'judge-error': 1, 'missing-input': 1 });
    expect(s.judge).toEqual({
      requested: 6, // the sample decided without a call asked for nothing
      parsed: 2,
      unparseable: 3,
      calls: 5,
      failedSamples: 1,
      usage: { promptTokens: 11, completionTokens: 4, estimated: true },
      costUsd: 0.5,
      unpricedCalls: 3,
      models: ['m1', 'm2'],
    });
  });

  it('refuses to mix implementations, versions or metrics, and empty input', () => {
    expect(() => summarizeAnswerMetric([det(1), judged(1, stats())])).toThrow(/summarise each separately/);
    expect(() => summarizeAnswerMetric([det(1), det(1, undefined, { version: 'faithfulness/deterministic@2' })])).toThrow(/separately/);
    expect(() => summarizeAnswerMetric([det(1), det(1, undefined, { metric: 'context_recall' })])).toThrow(/separately/);
    expect(() => summarizeAnswerMetric([])).toThrow(/zero results/);
    expect(() => summarizeAnswerMetric([det(NaN)])).toThrow(/\[0, 1\] or null/);
    expect(() => summarizeAnswerMetric([det(1.2)])).toThrow(/\[0, 1\] or null/);
  });

  it('the mean lies within the values and the counts add up', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }), { minLength: 1 }), (values) => {
        const s = summarizeAnswerMetric(values.map((v) => det(v)));
        expect(s.scored + s.nulls).toBe(values.length);
        const present = values.filter((v): v is number => v !== null);
        if (present.length === 0) expect(s.mean).toBeNull();
        else {
          expect(s.mean as number).toBeGreaterThanOrEqual(Math.min(...present) - 1e-12);
          expect(s.mean as number).toBeLessThanOrEqual(Math.max(...present) + 1e-12);
        }
      }),
    );
  });
});

describe('summarizeAnswerResults', () => {
  it('groups by metric, implementation and version, in order of first appearance', () => {
    const out = summarizeAnswerResults([judged(0, stats()), det(1), det(0, undefined, { metric: 'context_recall', version: 'context_recall/deterministic@1' }), det(0), judged(1, stats())]);
    expect(out.map((s) => [s.metric, s.implementation, s.count, s.mean])).toEqual([
      ['faithfulness', 'llm-judge', 2, 0.5],
      ['faithfulness', 'deterministic', 2, 0.5],
      ['context_recall', 'deterministic', 1, 0],
    ]);
  });
});

describe('pairAnswerScores', () => {
  it('pairs by sample id in the baseline order, dropping samples null or missing in either run', () => {
    const p = pairAnswerScores([det(0.2, 'a'), det(null, 'b'), det(0.4, 'c'), det(0.9, 'd')], [det(0.6, 'c'), det(0.3, 'a'), det(0.1, 'b'), det(1, 'e')]);
    expect(p).toEqual({ ids: ['a', 'c'], baseline: [0.2, 0.4], candidate: [0.3, 0.6], dropped: ['b', 'd', 'e'] });
  });

  it('rejects results without ids, repeated ids and mixed metrics', () => {
    expect(() => pairAnswerScores([det(1)], [det(1, 'a')])).toThrow(/no sampleId/);
    expect(() => pairAnswerScores([det(1, 'a'), det(1, 'a')], [])).toThrow(/twice/);
    expect(() => pairAnswerScores([det(1, 'a')], [judged(1, stats())].map((r) => ({ ...r, sampleId: 'a' })))).toThrow(/one metric/);
  });
});
