import { DEFAULT_METRICS_USED, METRIC_DEFS, type LabelSpec, type MetricDef } from '@ragops/telemetry';
import { GENERATED_BY } from './rules.render.js';

const GROUP_TITLES: Record<MetricDef['group'], string> = {
  system: 'System',
  traffic: 'Traffic and limits',
  llm: 'LLM',
  retrieval: 'Retrieval and chunks',
  ingest: 'Ingest',
  cache: 'Caches',
  quality: 'Feedback and online evaluation',
  meta: 'Metadata and the cardinality guard',
};

const esc = (s: string) => s.replace(/\|/g, '\\|');

function labelCell(name: string, spec: LabelSpec): string {
  return spec.kind === 'enum' ? `\`${name}\` (${spec.values.join(', ')})` : `\`${name}\` (≤ ${spec.maxValues}: ${spec.doc})`;
}

function typeCell(def: MetricDef): string {
  if (def.type === 'stateset') return 'gauge (state set)';
  if (def.type === 'info') return 'gauge (info, = 1)';
  return def.type;
}

/** docs/metrics.md: the catalogue as tables, grouped; regenerated with the dashboards and rules. */
export function metricsMarkdown(): string {
  const lines = [
    '# Metrics catalogue',
    '',
    `<!-- ${GENERATED_BY} Source: libs/telemetry/src/metric.catalogue.ts -->`,
    '',
    'Every series also carries `service` (set by the registry) and, once scraped, `job` and `instance`.',
    'Label values are bounded: enumerations are fixed in code; other labels take configured identifiers only',
    '(variant ids from the routing table, configured tenants, models, index versions) and the cardinality guard',
    'records a value past a label\'s cap as `other` and a value that is not an identifier as `invalid`, counting',
    'both in `ragops_metric_label_overflow_total`. `tenant` appears only on the token and cost counters.',
    '',
  ];
  for (const group of Object.keys(GROUP_TITLES) as MetricDef['group'][]) {
    const defs = METRIC_DEFS.filter((d) => d.group === group);
    if (defs.length === 0) continue;
    lines.push(`## ${GROUP_TITLES[group]}`, '', '| Metric | Type | Labels | Recorded by | Meaning |', '|---|---|---|---|---|');
    for (const d of defs) {
      const labels = Object.entries(d.labels).map(([n, s]) => labelCell(n, s)).join('<br>');
      const buckets = d.buckets ? ` Buckets: ${d.buckets.join(', ')}.` : '';
      lines.push(`| \`${d.name}\` | ${typeCell(d)} | ${esc(labels)} | ${d.emittedBy.join(', ')} | ${esc(d.help)}${buckets} |`);
    }
    lines.push('');
  }
  lines.push('## Runtime (prom-client default metrics the dashboards read)', '', '| Metric | Type | Meaning |', '|---|---|---|');
  for (const d of DEFAULT_METRICS_USED) lines.push(`| \`${d.name}\` | ${d.type} | ${d.help} |`);
  lines.push('');
  return lines.join('\n');
}
