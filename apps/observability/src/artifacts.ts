import { dashboards } from './dashboards/dashboards.js';
import { metricsMarkdown } from './metrics.markdown.js';
import { ruleGroups } from './prometheus.rules.js';
import { renderPrometheusRule, renderRuleFile } from './rules.render.js';
import { ruleTestFiles } from './rule-tests.js';

export interface Artifact {
  /** Relative to the repository root. */
  readonly path: string;
  readonly content: string;
}

export const DASHBOARD_DIR = 'deploy/grafana/dashboards';
export const RULES_DIR = 'deploy/prometheus/rules';
export const RULE_TESTS_DIR = 'deploy/prometheus/tests';
export const KUBERNETES_DIR = 'deploy/kubernetes';
export const RULE_FILE = `${RULES_DIR}/ragops-slo.rules.yaml`;
export const PROMETHEUS_RULE_FILE = `${KUBERNETES_DIR}/ragops-slo.prometheusrule.yaml`;
export const METRICS_DOC = 'docs/metrics.md';

/** Directories the generator owns completely: a file there that it does not produce is stale. */
export const OWNED_DIRS = [DASHBOARD_DIR, RULES_DIR, RULE_TESTS_DIR] as const;

/** Every generated file, deterministically: the same source always yields byte-identical output. */
export function generateArtifacts(): Artifact[] {
  const groups = ruleGroups();
  return [
    ...dashboards().map((d) => ({ path: `${DASHBOARD_DIR}/${d.uid}.json`, content: `${JSON.stringify(d, null, 2)}\n` })),
    { path: RULE_FILE, content: renderRuleFile(groups) },
    { path: PROMETHEUS_RULE_FILE, content: renderPrometheusRule(groups) },
    ...ruleTestFiles('../rules/ragops-slo.rules.yaml').map((f) => ({ path: `${RULE_TESTS_DIR}/${f.name}`, content: f.content })),
    { path: METRICS_DOC, content: metricsMarkdown() },
  ];
}
