import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { isAlert, ruleGroups } from './prometheus.rules.js';
import { prometheusRuleManifest, renderPrometheusRule, renderRuleFile } from './rules.render.js';

// The Prometheus Operator's PrometheusRule CRD schema (openAPIV3Schema as JSON Schema), from the shared data.
const SCHEMA = fileURLToPath(
  new URL('../../../../shared/data/k8s-json-schemas/crds/monitoring.coreos.com/prometheusrule_v1.json', import.meta.url),
);

/** The CRD's patterns are Go regexps; `(?i)` (case-insensitive) has no JavaScript inline form, so map it to the flag. */
function goRegExp(pattern: string, flags: string): RegExp {
  return pattern.includes('(?i)') ? new RegExp(pattern.replaceAll('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags);
}

function validator() {
  // strict: false — Kubernetes schemas carry vendor keywords (x-kubernetes-*) and the int-or-string format.
  const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: goRegExp as never } });
  return ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
}

describe('PrometheusRule manifest', () => {
  it('validates against the Prometheus Operator CRD schema', () => {
    const validate = validator();
    const manifest = parse(renderPrometheusRule(ruleGroups()));
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check is live: a malformed rule is rejected', () => {
    const validate = validator();
    const bad = prometheusRuleManifest([{ name: 'g', rules: [{ alert: 'X', expr: 'up', for: 'ten minutes', labels: {}, annotations: {} }] }]);
    expect(validate(bad)).toBe(false);
    const noGroupName = { ...prometheusRuleManifest([]), spec: { groups: [{ rules: [] }] } };
    expect(validate(noGroupName)).toBe(false);
  });

  it('holds exactly the groups of the plain rule file', () => {
    const plain = parse(renderRuleFile(ruleGroups()));
    const manifest = parse(renderPrometheusRule(ruleGroups()));
    expect(manifest.spec.groups).toEqual(plain.groups);
    expect(manifest).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'ragops-slo' } });
  });
});

describe('rule groups', () => {
  const groups = ruleGroups();

  it('have unique names, unique alert names and a severity and summary on every alert', () => {
    expect(new Set(groups.map((g) => g.name)).size).toBe(groups.length);
    const alerts = groups.flatMap((g) => g.rules).filter(isAlert);
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
    for (const a of alerts) {
      expect(['page', 'ticket']).toContain(a.labels.severity);
      expect(a.annotations.summary).toBeTruthy();
      expect(a.annotations.description).toBeTruthy();
    }
  });

  it('record the SLI at every window the burn-rate alerts read', () => {
    const recorded = new Set(groups.flatMap((g) => g.rules).flatMap((r) => (isAlert(r) ? [] : [r.record])));
    for (const a of groups.flatMap((g) => g.rules).filter(isAlert)) {
      for (const [name] of a.expr.matchAll(/slo:[a-z_]+:[a-z0-9_]+/g)) expect(recorded.has(name)).toBe(true);
    }
  });

  it('put recording groups before the alerts that read them', () => {
    const names = groups.map((g) => g.name);
    expect(names.indexOf('ragops-slo-sli')).toBeLessThan(names.indexOf('ragops-slo-burn-rate'));
    expect(names.indexOf('ragops-slo-sli-long')).toBeLessThan(names.indexOf('ragops-slo-burn-rate'));
  });
});
