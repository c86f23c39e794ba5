import { describe, expect, it } from '@jest/globals';
import { parseGatePolicy } from './gate.policy.js';
import { runFromValues } from './run.fixture.js';
import { gateRun } from './run.gate.js';

/** n queries whose metric `m` takes the given values, cycling. */
const run = (n: number, f: (i: number) => number, options: Parameters<typeof runFromValues>[1] = {}) =>
  runFromValues(Object.fromEntries(Array.from({ length: n }, (_, i) => [`q${String(i).padStart(3, '0')}`, { m: f(i) }])), options);
const policy = (check: Record<string, unknown>) => parseGatePolicy({ version: 1, checks: [{ metric: 'm', ...check }] });

describe('gateRun', () => {
  const baseline = run(40, (i) => 0.5 + (i % 5) * 0.1); // mean 0.7

  it('passes a run against itself on every kind of check', () => {
    const report = gateRun(baseline, baseline, policy({ min: 0.7, max: 0.7, maxRegression: 0 }));
    expect(report.passed).toBe(true);
    expect(report.checks.map((c) => [c.name, c.passed])).toEqual([
      ['m ≥ 0.7000', true],
      ['m ≤ 0.7000', true],
      ['m regression ≤ 0.0000', true],
    ]);
    expect(report.checks[2].message).toMatch(/Δ \+0\.0000 .*95% CI \[\+0\.0000, \+0\.0000\], n = 40\); no regression/);
  });

  it('fails a floor and a ceiling with the numbers in the message', () => {
    const report = gateRun(baseline, null, policy({ min: 0.75 }));
    expect(report).toMatchObject({ passed: false, baseline: null, comparison: null });
    expect(report.checks[0].message).toBe('m = 0.7000 (n = 40) is below the floor 0.7500');
    expect(gateRun(baseline, null, policy({ max: 0.6 })).checks[0].message).toBe('m = 0.7000 (n = 40) is above the ceiling 0.6000');
  });

  it('fails a significant regression larger than allowed', () => {
    const worse = run(40, (i) => 0.5 + (i % 5) * 0.1 - 0.05); // every query −0.05: the interval is [−0.05, −0.05]
    const report = gateRun(worse, baseline, policy({ maxRegression: 0.02 }));
    expect(report.passed).toBe(false);
    expect(report.checks[0].value).toBeCloseTo(-0.05, 12);
    expect(report.checks[0].message).toMatch(/^m regressed: Δ −0\.0500 vs baseline 0\.7000 \(95% CI \[−0\.0500, −0\.0500\], n = 40\); the drop exceeds the allowed 0\.0200 and the interval excludes 0$/);
  });

  it('passes a regression larger than allowed while the interval includes 0 (noise)', () => {
    // Half the queries lose 0.5, half gain 0.3: mean Δ −0.1, far beyond 0.02, but the interval straddles 0.
    const noisy = run(10, (i) => 0.5 + (i % 5) * 0.1 + (i % 2 === 0 ? -0.5 : 0.3));
    const report = gateRun(noisy, run(10, (i) => 0.5 + (i % 5) * 0.1), policy({ maxRegression: 0.02 }));
    const [check] = report.checks;
    expect(check.value).toBeCloseTo(-0.1, 12);
    expect(report.comparison!.metrics[0].low).toBeLessThan(0);
    expect(report.comparison!.metrics[0].high).toBeGreaterThan(0);
    expect(check.passed).toBe(true);
    expect(check.message).toMatch(/larger than the allowed 0\.0200 but not significant \(the interval includes 0\)$/);
  });

  it('passes a significant regression within the allowed drop', () => {
    const slightlyWorse = run(40, (i) => 0.5 + (i % 5) * 0.1 - 0.01);
    const check = gateRun(slightlyWorse, baseline, policy({ maxRegression: 0.02 })).checks[0];
    expect(check).toMatchObject({ passed: true });
    expect(check.message).toMatch(/within the allowed 0\.0200$/);
  });

  it('reads lower-is-better metrics the other way round (from the run or the policy)', () => {
    const cost = (shift: number) => run(20, (i) => 1 + (i % 3) + shift, { info: { m: { direction: 'lower' } } });
    expect(gateRun(cost(0.5), cost(0), policy({ maxRegression: 0.1 })).passed).toBe(false);
    expect(gateRun(cost(-0.5), cost(0), policy({ maxRegression: 0.1 })).passed).toBe(true);
    // The policy can declare the direction for a metric the run calls higher-is-better.
    const higher = (shift: number) => run(20, (i) => 1 + (i % 3) + shift);
    expect(gateRun(higher(0.5), higher(0), policy({ maxRegression: 0.1, direction: 'lower' })).passed).toBe(false);
  });

  it('fails (does not silently pass) a regression check it cannot compute', () => {
    const other = run(40, (i) => i, { info: { m: { implementation: 'ragops.ir.ndcg_cut.linear@2' } } });
    const check = gateRun(other, baseline, policy({ maxRegression: 0.5 })).checks[0];
    expect(check).toMatchObject({ passed: false, value: null });
    expect(check.message).toMatch(/cannot be compared with the baseline: scored by different implementations/);
  });

  it('refuses bad input: a metric the run lacks, a regression check without a baseline, another dataset', () => {
    expect(() => gateRun(baseline, baseline, parseGatePolicy({ version: 1, checks: [{ metric: 'ndcg@10', min: 0 }] }))).toThrow(/checks\[0\]\.metric "ndcg@10" is not in the run run-1 \(it has: m\)/);
    expect(() => gateRun(baseline, null, policy({ maxRegression: 0.1 }))).toThrow(/checks\[0\] \(m\) sets maxRegression, which needs a baseline run/);
    const noM = runFromValues({ q1: { x: 1 } }, { id: 'base-x' });
    expect(() => gateRun(baseline, noM, policy({ maxRegression: 0.1 }))).toThrow(/checks\[0\]\.metric "m" is not in the baseline base-x/);
    const moved = run(40, (i) => 0.5 + (i % 5) * 0.1, { dataset: { name: 'tiny', version: 'sha256:bbbb' } });
    expect(() => gateRun(moved, baseline, policy({ min: 0 }))).toThrow(/the run's dataset \(tiny sha256:bbbb\) differs from the baseline's \(tiny sha256:aaaa\)/);
    const allowed = gateRun(moved, baseline, policy({ min: 0, maxRegression: 0 }), { allowDatasetChange: true });
    expect(allowed).toMatchObject({ passed: true, datasetChanged: true });
  });
});
