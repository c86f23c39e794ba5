import { describe, expect, it } from '@jest/globals';
import { DEFAULT_BOOTSTRAP } from './bootstrap.interval.js';
import { buildRun, type BuildRunInput } from './run.builder.js';
import { parseRun, type MetricInfo } from './run.schema.js';

const qrels = new Map([
  ['q1', new Map([['d1', 1]])],
  ['q2', new Map([['d2', 2], ['d3', 1]])],
  ['q3', new Map([['d9', 0]])], // judges nothing relevant
]);

const input = (overrides: Partial<BuildRunInput> = {}): BuildRunInput => ({
  id: 'sample-default-1',
  createdAt: '2026-11-21T12:00:00.000Z',
  variant: 'default',
  git: { revision: 'abc', dirty: false },
  config: { target: 'in-process', topK: 10, ks: [1, 2], mode: 'sparse', split: 'test', limit: null, ignoreIdenticalIds: true, answerMetrics: [], answerTopK: null, tenant: null, platform: {} },
  dataset: { name: 'tiny', version: 'sha256:00', split: 'test', documents: 5 },
  qrels,
  observations: [
    { id: 'q1', text: 'first', ranked: ['q1', 'x', 'd1'], latencyMs: 4 },
    { id: 'q2', text: 'second', ranked: ['d3', 'd2'], latencyMs: 2 },
    { id: 'q3', text: 'third', ranked: ['d9'], latencyMs: 6 },
  ],
  answerMetrics: [],
  bootstrap: DEFAULT_BOOTSTRAP,
  timing: { wallMs: 100, ingestMs: 40, queryMs: 12 },
  ...overrides,
});

describe('buildRun', () => {
  it('scores each query by hand-checkable values, dropping the query id from its own ranking (BEIR)', () => {
    const run = buildRun(input());
    const [q1, q2, q3] = run.queries;
    // q1: q1 dropped → [x, d1]: relevant at rank 2.
    expect(q1.retrieved).toEqual(['x', 'd1']);
    expect(q1.metrics).toMatchObject({ 'ndcg@1': 0, 'recall@2': 1, 'mrr@2': 0.5, 'hit@1': 0, 'precision@2': 0.5, map: 0.5 });
    expect(q1.metrics['ndcg@2']).toBeCloseTo(1 / Math.log2(3), 12);
    // q2: grades [1, 2] vs ideal [2, 1]: DCG@2 = 1 + 2/log2(3), IDCG@2 = 2 + 1/log2(3)
    expect(q2.metrics['ndcg@2']).toBeCloseTo((1 + 2 / Math.log2(3)) / (2 + 1 / Math.log2(3)), 12);
    expect(q2.metrics['ndcg@1']).toBe(0.5);
    expect(q3).toMatchObject({ judged: false, relevant: 0, metrics: {} });
    expect(run.metrics.map((m) => m.key)).toEqual(['ndcg@1', 'ndcg@2', 'recall@1', 'recall@2', 'precision@1', 'precision@2', 'mrr@1', 'mrr@2', 'hit@1', 'hit@2', 'map']);
    expect(run.metrics[0]).toEqual({ key: 'ndcg@1', kind: 'retrieval', implementation: 'ragops.ir.ndcg_cut.linear@1', direction: 'higher' });
  });

  it('averages over the queries that have a value: the unjudged one is skipped, not counted as 0', () => {
    const run = buildRun(input());
    expect(run.aggregates['ndcg@1']).toMatchObject({ mean: 0.25, n: 2 });
    expect(run.aggregates['hit@2']).toEqual({ mean: 1, low: 1, high: 1, n: 2 });
    const a = run.aggregates['mrr@2'];
    expect(a.mean).toBe(0.75);
    expect(a.low).toBeGreaterThanOrEqual(0.5);
    expect(a.high).toBeLessThanOrEqual(1);
    expect(run.dataset.queries).toBe(3);
  });

  it('keeps every identical id when told to', () => {
    const run = buildRun(input({ config: { ...input().config, ignoreIdenticalIds: false } }));
    expect(run.queries[0].retrieved).toEqual(['q1', 'x', 'd1']);
    expect(run.queries[0].metrics['recall@2']).toBe(0);
  });

  it('computes timing: queries per second over the query phase, latency percentiles by nearest rank', () => {
    const run = buildRun(input());
    expect(run.timing).toEqual({ wallMs: 100, ingestMs: 40, queryMs: 12, queriesPerSecond: 250, latencyMs: { mean: 4, p50: 4, p95: 6, max: 6 } });
  });

  it('takes answer-metric values, leaving null ones out of the mean', () => {
    const faithfulness: MetricInfo = { key: 'faithfulness', kind: 'answer', implementation: 'deterministic:faithfulness/deterministic@1', direction: 'higher' };
    const obs = input().observations.map((o, i) => ({ ...o, answerMetrics: { faithfulness: [1, null, 0.5][i] } }));
    const run = buildRun(input({ observations: obs, answerMetrics: [faithfulness], config: { ...input().config, answerMetrics: ['faithfulness'], answerTopK: 5 } }));
    expect(run.aggregates.faithfulness).toMatchObject({ mean: 0.75, n: 2 });
    expect(run.queries[1].metrics).not.toHaveProperty('faithfulness');
    expect(run.queries[2].metrics.faithfulness).toBe(0.5); // answer metrics do not depend on qrels judgements
    expect(run.metrics.at(-1)).toEqual(faithfulness);
  });

  it('refuses inconsistent input', () => {
    const dup = input().observations.concat(input().observations[0]);
    expect(() => buildRun(input({ observations: dup }))).toThrow(/query "q1" was observed twice/);
    const bad = input().observations.map((o) => ({ ...o, answerMetrics: { faithfulness: NaN } }));
    const info: MetricInfo = { key: 'faithfulness', kind: 'answer', implementation: 'x', direction: 'higher' };
    expect(() => buildRun(input({ observations: bad, answerMetrics: [info] }))).toThrow(/answer metric "faithfulness" is NaN/);
    expect(() => buildRun(input({ observations: bad }))).toThrow(/not a requested answer metric/);
    expect(() => buildRun(input({ answerMetrics: [{ ...info, key: 'ndcg@1' }] }))).toThrow(/"ndcg@1" is produced twice/);
    expect(() => buildRun(input({ id: '../etc/passwd' }))).toThrow(/invalid run: id: /);
  });

  it('produces a record that survives JSON and validates', () => {
    const run = buildRun(input());
    expect(parseRun(JSON.parse(JSON.stringify(run)))).toEqual(run);
  });
});

describe('parseRun', () => {
  const good = () => JSON.parse(JSON.stringify(buildRun(input())));

  it('names the bad field', () => {
    const bad = good();
    bad.queries[1].latencyMs = 'fast';
    expect(() => parseRun(bad, 'run.json')).toThrow(/invalid run\.json: queries\[1\]\.latencyMs: /);
    const extra = { ...good(), surprise: 1 };
    expect(() => parseRun(extra)).toThrow(/surprise/);
  });

  it('refuses a schema version it does not know, saying which', () => {
    expect(() => parseRun({ ...good(), schemaVersion: 2 }, 'run.json')).toThrow('invalid run.json: schemaVersion 2 is not supported (this ragops reads 1)');
    expect(() => parseRun([], 'run.json')).toThrow(/invalid run\.json: \(root\)/);
  });
});
