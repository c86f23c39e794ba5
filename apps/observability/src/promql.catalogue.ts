import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboards } from './dashboards/dashboards.js';
import { isAlert, ruleGroups, type RuleGroup } from './prometheus.rules.js';

export type PromqlKind = 'panel' | 'variable' | 'recording' | 'alert';

export interface PromqlExpression {
  /** Where it is used: `dashboard:<uid>/<panel title>/<refId>`, `variable:<uid>/<name>`, `rule:<group>/<name>`. */
  readonly source: string;
  readonly kind: PromqlKind;
  /** As written in the dashboard or rule (Grafana variables such as `$__rate_interval` left in). */
  readonly expr: string;
  /** Ready for Prometheus' HTTP API: Grafana variables replaced (`$__rate_interval` → 1m, `=~"$x"` → `=~".*"`). */
  readonly query: string;
  /** Reads recording rules (`slo:…`), so Prometheus must have loaded deploy/prometheus/rules first. */
  readonly needsRecordingRules: boolean;
  /**
   * Whether a Prometheus scraping services that exercised every code path must return a series. False for alert
   * expressions (empty = not firing) and for panels over ALERTS.
   */
  readonly expectSeries: boolean;
}

/** Values a test Prometheus can use for Grafana's built-in variables: short, so a brief run has data. */
export const GRAFANA_VARIABLE_VALUES: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '30s',
  __range: '5m',
};

/** Replaces Grafana variables with values Prometheus accepts; throws on any variable it does not know. */
export function toPrometheusQuery(expr: string): string {
  let out = expr.replace(/\$\{?(__[a-z_]+)\}?/g, (whole, name: string) => {
    const v = GRAFANA_VARIABLE_VALUES[name];
    if (v === undefined) throw new Error(`unknown Grafana variable ${whole} in ${expr}`);
    return v;
  });
  // Template variables appear only as regex matchers (`label=~"$var"`), whose All value is `.*`.
  out = out.replace(/=~"\$\{?[a-zA-Z_]\w*\}?"/g, '=~".*"');
  if (out.includes('$')) throw new Error(`unsubstituted variable in ${expr}`);
  return out;
}

/** `label_values(metric, label)` is Grafana's; the PromQL that returns the same label values. */
export function labelValuesQuery(definition: string): string {
  const m = /^label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*([a-zA-Z_]\w*)\s*\)$/.exec(definition);
  if (!m) throw new Error(`not a label_values() query: ${definition}`);
  return `group by (${m[2]}) (${m[1]})`;
}

const usesRecordingRules = (expr: string) => /\bslo:[a-z_]+:[a-z0-9_]+/.test(expr);

interface PanelLike {
  title?: string;
  type?: string;
  targets?: { refId?: string; expr?: string }[];
  panels?: PanelLike[];
}

function fromDashboard(d: Dashboard): PromqlExpression[] {
  const out: PromqlExpression[] = [];
  for (const v of d.templating?.list ?? []) {
    if (v.type !== 'query' || typeof v.query !== 'string') continue;
    const expr = labelValuesQuery(v.query);
    out.push({ source: `variable:${d.uid}/${v.name}`, kind: 'variable', expr, query: expr, needsRecordingRules: false, expectSeries: true });
  }
  const walk = (panels: PanelLike[]) => {
    for (const p of panels) {
      if (p.panels) walk(p.panels);
      for (const t of p.targets ?? []) {
        if (!t.expr) continue;
        out.push({
          source: `dashboard:${d.uid}/${p.title}/${t.refId}`,
          kind: 'panel',
          expr: t.expr,
          query: toPrometheusQuery(t.expr),
          needsRecordingRules: usesRecordingRules(t.expr),
          expectSeries: !/\bALERTS\b/.test(t.expr),
        });
      }
    }
  };
  walk((d.panels ?? []) as PanelLike[]);
  return out;
}

function fromRules(groups: readonly RuleGroup[]): PromqlExpression[] {
  // Recording rules share a name across SLOs and differ by their `slo` label, so the source names the labels too.
  const labelsOf = (l?: Readonly<Record<string, string>>) =>
    l && Object.keys(l).length ? `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(', ')}}` : '';
  return groups.flatMap((g) =>
    g.rules.map((r) => ({
      source: `rule:${g.name}/${isAlert(r) ? r.alert : `${r.record}${labelsOf(r.labels)}`}`,
      kind: isAlert(r) ? ('alert' as const) : ('recording' as const),
      expr: r.expr,
      query: r.expr,
      needsRecordingRules: usesRecordingRules(r.expr),
      expectSeries: !isAlert(r),
    })),
  );
}

/**
 * Every PromQL expression a dashboard panel, dashboard variable or rule uses. A test with a real Prometheus
 * scraping the services runs each `query`: those with `expectSeries` must return at least one series, the
 * others must evaluate without error.
 */
export function promqlExpressions(): PromqlExpression[] {
  return [...dashboards().flatMap(fromDashboard), ...fromRules(ruleGroups())];
}
