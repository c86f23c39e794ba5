import { describe, expect, it } from '@jest/globals';
import { parseGatePolicy } from './gate.policy.js';

const issues = (value: unknown): string => {
  try {
    parseGatePolicy(value);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the policy to be refused');
};

describe('parseGatePolicy', () => {
  it('fills bootstrap defaults and keeps the checks', () => {
    const p = parseGatePolicy({ version: 1, checks: [{ metric: 'ndcg@10', min: 0.8, maxRegression: 0.02 }, { metric: 'cost', max: 3, direction: 'lower' }] });
    expect(p.bootstrap).toEqual({ samples: 2000, confidence: 0.95, seed: 1 });
    expect(p.checks[1]).toEqual({ metric: 'cost', max: 3, direction: 'lower' });
    expect(parseGatePolicy({ version: 1, bootstrap: { seed: 9 }, checks: [{ metric: 'm', min: 0 }] }).bootstrap).toEqual({ samples: 2000, confidence: 0.95, seed: 9 });
  });

  it('names the bad key of each problem', () => {
    expect(issues({ version: 1, checks: [{ metric: 'a', min: 0 }, { metric: 'b', maxRegression: -0.1 }] })).toMatch(/checks\[1\]\.maxRegression: /);
    expect(issues({ version: 1, checks: [{ metric: 'a', maxRegresion: 0.1 }] })).toMatch(/checks\[0\]: .*maxRegresion/);
    expect(issues({ version: 1, checks: [{ metric: 'a', min: '0.8' }] })).toMatch(/checks\[0\]\.min: /);
    expect(issues({ version: 1, checks: [{ metric: 'a' }] })).toMatch(/checks\[0\]: give at least one of min, max, maxRegression/);
    expect(issues({ version: 1, checks: [{ metric: 'a', min: 0.9, max: 0.1 }] })).toMatch(/min must not exceed max/);
    expect(issues({ version: 1, checks: [{ metric: 'a', min: 0 }, { metric: 'a', maxRegression: 0 }] })).toMatch(/checks\[1\]\.metric: "a" is already checked by checks\[0\]/);
    expect(issues({ version: 2, checks: [{ metric: 'a', min: 0 }] })).toMatch(/version: /);
    expect(issues({ checks: [{ metric: 'a', min: 0 }] })).toMatch(/version: /);
    expect(issues({ version: 1, checks: [] })).toMatch(/checks: list at least one check/);
    expect(issues({ version: 1, bootstrap: { confidence: 1.5 }, checks: [{ metric: 'a', min: 0 }] })).toMatch(/bootstrap\.confidence: /);
    expect(issues({ version: 1, checks: [{ metric: 'a', min: Infinity }] })).toMatch(/checks\[0\]\.min: /);
    expect(issues(null)).toMatch(/\(root\)/);
    expect(issues('checks: []')).toMatch(/\(root\)/);
  });
});
