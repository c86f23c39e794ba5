import { describe, expect, it } from '@jest/globals';
import { DEFAULT_METRICS_USED, exposedSeriesNames, METRIC_DEFS } from '@ragops/telemetry';
import { dashboards } from './dashboards/dashboards.js';
import { isAlert, ruleGroups } from './prometheus.rules.js';
import { labelValuesQuery, promqlExpressions, toPrometheusQuery } from './promql.catalogue.js';
import { promqlRefs } from './promql.references.js';

const SCRAPE_LABELS = ['service', 'job', 'instance'];

/** Every series name a dashboard or rule may read, with the labels it carries. */
function knownSeries(): Map<string, Set<string> | 'any'> {
  const known = new Map<string, Set<string> | 'any'>();
  for (const def of METRIC_DEFS) {
    for (const name of exposedSeriesNames(def)) {
      const labels = [...Object.keys(def.labels), ...SCRAPE_LABELS, ...(name.endsWith('_bucket') ? ['le'] : [])];
      known.set(name, new Set(labels));
    }
  }
  for (const d of DEFAULT_METRICS_USED) known.set(d.name, new Set(SCRAPE_LABELS));
  for (const g of ruleGroups()) {
    for (const r of g.rules) if (!isAlert(r)) known.set(r.record, new Set(['service', 'slo']));
  }
  known.set('ALERTS', 'any'); // Prometheus' own series of active alerts
  return known;
}

describe('PromQL used by dashboards and rules', () => {
  const expressions = promqlExpressions();
  const known = knownSeries();

  it('covers every panel target, variable and rule, each source once', () => {
    const panelTargets = dashboards().flatMap((d) =>
      (d.panels ?? []).flatMap((p) => ('targets' in p ? (p.targets ?? []) : [])),
    );
    expect(expressions.filter((e) => e.kind === 'panel')).toHaveLength(panelTargets.length);
    const rules = ruleGroups().flatMap((g) => g.rules);
    expect(expressions.filter((e) => e.kind === 'alert' || e.kind === 'recording')).toHaveLength(rules.length);
    expect(expressions.filter((e) => e.kind === 'variable').length).toBeGreaterThanOrEqual(5);
    expect(new Set(expressions.map((e) => e.source)).size).toBe(expressions.length);
  });

  it.each(expressions.map((e) => [e.source, e] as const))('%s reads only catalogue metrics and their labels', (_s, e) => {
    const refs = promqlRefs(e.query);
    if (refs.selectors.length === 0) expect(e.query).toMatch(/^vector\([\d.]+\)$/); // SLO constants
    const available = new Set<string>();
    for (const sel of refs.selectors) {
      const labels = known.get(sel.name);
      if (labels === undefined) throw new Error(`${sel.name} is not exported by any service (not in the catalogue)`);
      if (labels === 'any') continue;
      labels.forEach((l) => available.add(l));
      for (const m of sel.matchers) expect({ metric: sel.name, label: m, known: labels.has(m) }).toEqual({ metric: sel.name, label: m, known: true });
    }
    if (refs.selectors.every((s) => known.get(s.name) !== 'any')) {
      for (const g of refs.groupingLabels) expect({ groupBy: g, available: available.has(g) }).toEqual({ groupBy: g, available: true });
    }
    expect(e.query).not.toContain('$');
  });

  it('marks exactly the rules that read recording rules, and only alerts and ALERTS panels may be empty', () => {
    for (const e of expressions) {
      expect(e.needsRecordingRules).toBe(promqlRefs(e.query).selectors.some((s) => s.name.startsWith('slo:')));
      expect(e.expectSeries).toBe(e.kind !== 'alert' && !e.query.includes('ALERTS'));
    }
    expect(expressions.filter((e) => e.kind === 'alert')).toHaveLength(9);
  });
});

describe('toPrometheusQuery', () => {
  it('replaces Grafana interval variables and All-valued template matchers', () => {
    expect(toPrometheusQuery('sum(rate(x{a=~"$a", b=~"${b}"}[$__rate_interval])) / sum(increase(y[$__range]))')).toBe(
      'sum(rate(x{a=~".*", b=~".*"}[1m])) / sum(increase(y[5m]))',
    );
  });

  it('refuses variables it cannot substitute, so a query never reaches Prometheus half-templated', () => {
    expect(() => toPrometheusQuery('rate(x[$__unknown])')).toThrow('unknown Grafana variable');
    expect(() => toPrometheusQuery('x{a="$a"}')).toThrow('unsubstituted variable');
  });

  it('turns label_values() into PromQL', () => {
    expect(labelValuesQuery('label_values(ragops_variant_info, variant)')).toBe('group by (variant) (ragops_variant_info)');
    expect(() => labelValuesQuery('query_result(up)')).toThrow('not a label_values() query');
  });
});
