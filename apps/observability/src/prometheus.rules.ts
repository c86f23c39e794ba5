import { METRIC_CATALOGUE as M } from '@ragops/telemetry';
import { BURN_RATE_TIERS, SLI_WINDOWS, SLOS, windowHours, type BurnRateTier, type Slo } from './slo.definitions.js';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export const isAlert = (r: Rule): r is AlertingRule => 'alert' in r;

/** `slo:sli_error:ratio_rate<window>{service, slo}`: share of bad events over the window. */
export const sliErrorRecord = (window: string) => `slo:sli_error:ratio_rate${window}`;
export const OBJECTIVE_RECORD = 'slo:objective:ratio';
export const ERROR_BUDGET_RECORD = 'slo:error_budget:ratio';

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);
export const burnRateAlertName = (slo: Slo, t: BurnRateTier) => `Ragops${cap(slo.name)}BurnRate${t.longWindow}`;

// Windows up to 6 h are recorded every evaluation (they feed pages); 3 d and 30 d read days of samples per
// evaluation, so they are recorded every 5 minutes — ample for a ticket and a budget panel.
const SLOW_WINDOW_HOURS = 24;

function sliGroups(): RuleGroup[] {
  const rulesFor = (windows: readonly string[]) =>
    SLOS.flatMap((slo) => windows.map((w) => ({ record: sliErrorRecord(w), expr: slo.errorRatio(w), labels: { slo: slo.name } })));
  const fast = SLI_WINDOWS.filter((w) => windowHours(w) < SLOW_WINDOW_HOURS);
  const slow = SLI_WINDOWS.filter((w) => windowHours(w) >= SLOW_WINDOW_HOURS);
  const constants = SLOS.flatMap((slo) => [
    { record: OBJECTIVE_RECORD, expr: `vector(${slo.objective})`, labels: { service: 'gateway', slo: slo.name } },
    { record: ERROR_BUDGET_RECORD, expr: `vector(${round(1 - slo.objective)})`, labels: { service: 'gateway', slo: slo.name } },
  ]);
  return [
    { name: 'ragops-slo-sli', rules: [...constants, ...rulesFor(fast)] },
    { name: 'ragops-slo-sli-long', interval: '5m', rules: rulesFor(slow) },
  ];
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;

function burnRateAlert(slo: Slo, t: BurnRateTier): AlertingRule {
  const threshold = `(${t.factor} * ${round(1 - slo.objective)})`;
  const sel = `{slo="${slo.name}"}`;
  const pct = `${Math.round(t.budgetSpent * 100)}%`;
  return {
    alert: burnRateAlertName(slo, t),
    expr: `${sliErrorRecord(t.longWindow)}${sel} > ${threshold}\nand\n${sliErrorRecord(t.shortWindow)}${sel} > ${threshold}`,
    labels: { severity: t.severity },
    annotations: {
      summary: `{{ $labels.service }}: ${slo.title} error budget burning at ${t.factor}x`,
      description:
        `${slo.description}. The error rate over the last ${t.longWindow} and ${t.shortWindow} is above ${t.factor}x ` +
        `the sustainable rate: at this pace ${pct} of the 30-day budget is gone within ${t.longWindow}.`,
      dashboard: '/d/ragops-slo',
    },
  };
}

function burnRateGroup(): RuleGroup {
  return { name: 'ragops-slo-burn-rate', rules: SLOS.flatMap((slo) => BURN_RATE_TIERS.map((t) => burnRateAlert(slo, t))) };
}

/** Thresholds of the non-SLO alerts; exported so the promtool scenarios straddle them. */
export const RAG_ALERT_THRESHOLDS = {
  /** Share of model calls that did not succeed (errors, timeouts, provider 429s, open breaker). */
  llmErrorRatio: 0.05,
  /** Share of retrievals with no hits. Golden questions all have answers, so a sustained 20% means a broken index. */
  emptyRetrievalRatio: 0.2,
  /** Age of the oldest unacknowledged ingest batch. */
  ingestLagSeconds: 600,
} as const;

function ragGroup(): RuleGroup {
  const t = RAG_ALERT_THRESHOLDS;
  return {
    name: 'ragops-rag',
    rules: [
      {
        alert: 'RagopsLlmErrorRateHigh',
        expr: `(
  sum by (model) (rate(${M.llmRequests.name}{outcome!="success"}[5m]))
  /
  sum by (model) (rate(${M.llmRequests.name}[5m]))
) > ${t.llmErrorRatio}`,
        for: '10m',
        labels: { severity: 'ticket' },
        annotations: {
          summary: 'Model {{ $labels.model }}: more than 5% of calls fail',
          description:
            'Over 5% of calls to {{ $labels.model }} ended in an error, timeout, provider rate limit or open circuit ' +
            'for 10 minutes. Answers fall back to the extractive generator, so quality drops before availability does.',
          dashboard: '/d/ragops-cost',
        },
      },
      {
        alert: 'RagopsEmptyRetrievalRateHigh',
        expr: `(
  sum by (variant) (rate(${M.retrievalEmpty.name}[15m]))
  /
  sum by (variant) (rate(${M.retrievalHits.name}_count[15m]))
) > ${t.emptyRetrievalRatio}`,
        for: '15m',
        labels: { severity: 'ticket' },
        annotations: {
          summary: 'Variant {{ $labels.variant }}: more than 20% of retrievals return nothing',
          description:
            'Over 20% of retrievals for variant {{ $labels.variant }} returned no hits for 15 minutes: an empty or ' +
            'wrong index version, a tenant or filter mismatch, or an analyzer change between ingest and query.',
          dashboard: '/d/ragops-rag-quality',
        },
      },
      {
        alert: 'RagopsIngestConsumerLagHigh',
        expr: `max by (stream) (${M.ingestConsumerLag.name}) > ${t.ingestLagSeconds}`,
        for: '10m',
        labels: { severity: 'ticket' },
        annotations: {
          summary: 'Ingest stream {{ $labels.stream }}: oldest batch waiting over 10 minutes',
          description:
            'The oldest unacknowledged batch on {{ $labels.stream }} has waited more than 10 minutes for 10 minutes: ' +
            'ingest consumers are down, stuck on retries, or too few for the load.',
          dashboard: '/d/ragops-service-overview',
        },
      },
    ],
  };
}

/** Every rule group, in evaluation order: recording groups first so alerts read fresh SLIs. */
export function ruleGroups(): RuleGroup[] {
  return [...sliGroups(), burnRateGroup(), ragGroup()];
}
