import { describe, expect, it } from '@jest/globals';
import { compareRuns } from './run.compare.js';
import { runFromValues } from './run.fixture.js';

const ndcg = (xs: number[]) => Object.fromEntries(xs.map((v, i) => [`q${i + 1}`, { 'ndcg@10': v }]));

describe('compareRuns', () => {
  it('reports the hand-computed mean delta over the shared queries, with the means it came from', () => {
    const baseline = runFromValues(ndcg([1, 0.5, 0, 0.25]));
    const candidate = runFromValues(ndcg([1, 1, 0.5, 0.25]));
    const [row] = compareRuns(baseline, candidate).metrics;
    // baseline mean (1 + 0.5 + 0 + 0.25) / 4 = 0.4375; candidate (1 + 1 + 0.5 + 0.25) / 4 = 0.6875; Δ = 0.25
    expect(row).toMatchObject({ metric: 'ndcg@10', comparable: true, n: 4, baseline: 0.4375, candidate: 0.6875 });
    expect(row.delta).toBeCloseTo(0.25, 12);
    expect(row.low!).toBeLessThanOrEqual(row.delta!);
    expect(row.high!).toBeGreaterThanOrEqual(row.delta!);
    // Deltas are 0, 0.5, 0.5, 0: a resample can draw only zeros, so the interval reaches 0 → not significant.
    expect(row.low).toBe(0);
    expect(row.significant).toBe(false);
    expect(row.change).toBe('no significant change');
  });

  it('a constant per-query change gives the exact interval [Δ, Δ] and is significant', () => {
    const baseline = runFromValues(ndcg([0.9, 0.8, 0.7, 0.6, 0.5]));
    const worse = runFromValues(ndcg([0.8, 0.7, 0.6, 0.5, 0.4]));
    const [row] = compareRuns(baseline, worse).metrics;
    expect(row.delta).toBeCloseTo(-0.1, 12);
    expect(row.low).toBeCloseTo(-0.1, 12);
    expect(row.high).toBeCloseTo(-0.1, 12);
    expect(row).toMatchObject({ significant: true, change: 'regressed' });
    expect(compareRuns(worse, baseline).metrics[0]).toMatchObject({ significant: true, change: 'improved' });
  });

  it('a run compared with itself: Δ 0, interval [0, 0], not significant', () => {
    const run = runFromValues(ndcg([0.1, 0.7, 0.3, 1, 0]));
    expect(compareRuns(run, run).metrics[0]).toMatchObject({ delta: 0, low: 0, high: 0, significant: false });
  });

  it('pairs queries by id: only shared ids count, and query order does not change the interval', () => {
    const baseline = runFromValues({ a: { m: 1 }, b: { m: 0 }, c: { m: 0.5 }, only_b: { m: 1 } });
    const candidate = runFromValues({ c: { m: 0 }, a: { m: 0.5 }, b: { m: 0.25 }, x: { m: 0 }, y: { m: 0 } });
    const row = compareRuns(baseline, candidate).metrics[0];
    // shared a, b, c: baseline (1 + 0 + 0.5) / 3 = 0.5, candidate (0.5 + 0.25 + 0) / 3 = 0.25
    expect(row).toMatchObject({ n: 3, onlyBaseline: 1, onlyCandidate: 2, baseline: 0.5, candidate: 0.25 });
    const reordered = runFromValues({ b: { m: 0.25 }, y: { m: 0 }, a: { m: 0.5 }, x: { m: 0 }, c: { m: 0 } });
    expect(compareRuns(baseline, reordered).metrics[0]).toEqual(row);
  });

  it('is reproducible for a seed and depends on it', () => {
    const baseline = runFromValues(ndcg([0.2, 0.9, 0.4, 0.3, 0.8, 0.1, 0.6]));
    const candidate = runFromValues(ndcg([0.5, 0.7, 0.4, 0.6, 0.9, 0.0, 0.6]));
    const a = compareRuns(baseline, candidate, { bootstrap: { seed: 7 } }).metrics[0];
    expect(compareRuns(baseline, candidate, { bootstrap: { seed: 7 } }).metrics[0]).toEqual(a);
    const b = compareRuns(baseline, candidate, { bootstrap: { seed: 8 } }).metrics[0];
    expect([b.low, b.high]).not.toEqual([a.low, a.high]);
    expect(b.delta).toBe(a.delta);
  });

  it('a metric gets the same interval whichever other metrics are compared', () => {
    const values = (shift: number) => Object.fromEntries([0.1, 0.5, 0.9, 0.3].map((v, i) => [`q${i}`, { x: v + shift * (i % 2), y: v }]));
    const [b, c] = [runFromValues(values(0)), runFromValues(values(0.1))];
    const both = compareRuns(b, c).metrics.find((m) => m.metric === 'x');
    expect(compareRuns(b, c, { metrics: ['x'] }).metrics[0]).toEqual(both);
  });

  it('refuses to compare what is not comparable, saying why', () => {
    const baseline = runFromValues({ q1: { a: 1, b: 1, c: 1 } }, { info: { b: { implementation: 'old@1' } } });
    const candidate = runFromValues({ q2: { a: 1, d: 1 }, q1: { b: 1 } });
    const rows = Object.fromEntries(compareRuns(baseline, candidate).metrics.map((m) => [m.metric, m]));
    expect(rows.a).toMatchObject({ comparable: false, reason: 'no query has a value in both runs', onlyBaseline: 1, onlyCandidate: 1 });
    expect(rows.b.reason).toMatch(/different implementations \(baseline old@1, candidate impl.b@1\)/);
    expect(rows.c).toMatchObject({ comparable: false, reason: 'not in the candidate run', change: 'not comparable' });
    expect(rows.d).toMatchObject({ comparable: false, reason: 'not in the baseline run' });
  });

  it('reads lower-is-better metrics the other way round', () => {
    const baseline = runFromValues({ q1: { cost: 2 }, q2: { cost: 3 } }, { info: { cost: { direction: 'lower' } } });
    const cheaper = runFromValues({ q1: { cost: 1 }, q2: { cost: 2 } }, { info: { cost: { direction: 'lower' } } });
    expect(compareRuns(baseline, cheaper).metrics[0]).toMatchObject({ delta: -1, significant: true, change: 'improved' });
  });

  it('flags a different dataset', () => {
    const a = runFromValues(ndcg([1]));
    expect(compareRuns(a, a).sameDataset).toBe(true);
    expect(compareRuns(a, runFromValues(ndcg([1]), { dataset: { name: 'tiny', version: 'sha256:bbbb' } })).sameDataset).toBe(false);
  });
});
