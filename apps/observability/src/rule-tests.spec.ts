import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { isAlert, ruleGroups } from './prometheus.rules.js';
import { counterValues, ruleTestFiles } from './rule-tests.js';

interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: unknown[];
}

/** promtool's expanding notation, expanded, to check what the scenarios feed it. */
function expand(values: string): number[] {
  return values.split(' ').flatMap((part) => {
    const m = /^(-?[\d.]+)(?:([+-][\d.]+)?x(\d+))?$/.exec(part);
    if (!m) throw new Error(`cannot expand ${part}`);
    const start = Number(m[1]);
    if (!m[3]) return [start];
    return Array.from({ length: Number(m[3]) + 1 }, (_, i) => start + i * Number(m[2] ?? 0));
  });
}

describe('counterValues', () => {
  it('emits one sample per minute, continuing each phase from where the last ended', () => {
    const v = counterValues([
      { minutes: 3, perMinute: 10 },
      { minutes: 2, perMinute: 0 },
      { minutes: 2, perMinute: 5 },
    ]);
    expect(expand(v)).toEqual([0, 10, 20, 30, 30, 30, 35, 40]);
  });

  it('expands the gauge notation too', () => {
    expect(expand('30x2 900x1')).toEqual([30, 30, 30, 900, 900]);
  });

  it('handles a one-minute phase and skips empty ones', () => {
    expect(expand(counterValues([{ minutes: 1, perMinute: 7 }, { minutes: 0, perMinute: 99 }, { minutes: 1, perMinute: 1 }]))).toEqual([0, 7, 8]);
  });
});

describe('promtool rule tests', () => {
  const files = ruleTestFiles('../rules/ragops-slo.rules.yaml').map((f) => parse(f.content));
  const alertTests: AlertTest[] = files.flatMap((f) => f.tests.flatMap((t: { alert_rule_test?: AlertTest[] }) => t.alert_rule_test ?? []));
  const alerts = ruleGroups()
    .flatMap((g) => g.rules)
    .filter(isAlert)
    .map((a) => a.alert);

  it.each(alerts)('%s is expected to fire somewhere and to stay silent somewhere', (alert) => {
    const tests = alertTests.filter((t) => t.alertname === alert);
    expect(tests.some((t) => t.exp_alerts.length > 0)).toBe(true);
    expect(tests.some((t) => t.exp_alerts.length === 0)).toBe(true);
  });

  it('feeds every series the same number of samples within a test', () => {
    for (const f of files) {
      for (const t of f.tests as { name: string; input_series: { values: string }[] }[]) {
        const lengths = new Set(t.input_series.map((s) => expand(s.values).length));
        expect({ test: t.name, lengths: [...lengths] }).toEqual({ test: t.name, lengths: [[...lengths][0]] });
      }
    }
  });
});
