import { METRIC_CATALOGUE as M } from '@ragops/telemetry';
import { stringify } from 'yaml';
import { burnRateAlertName, isAlert, RAG_ALERT_THRESHOLDS, ruleGroups, sliErrorRecord, type AlertingRule } from './prometheus.rules.js';
import { GENERATED_BY } from './rules.render.js';
import { AVAILABILITY, BURN_RATE_TIERS, LATENCY, LATENCY_THRESHOLD_SECONDS, SLOS, type Slo } from './slo.definitions.js';

/**
 * promtool unit tests (`promtool test rules`) for every alert, generated from traffic scenarios: each scenario
 * describes requests per minute and their error or slow share phase by phase, and which alerts must be firing
 * at given minutes. The series are built from those rates, so the expectations follow from the arithmetic in
 * each scenario's comment, not from the rules under test.
 */

const DAY = 24 * 60;
/** Three days of history before a burn, so the long windows are diluted as they would be in production. */
const HISTORY = 3 * DAY;
/** Requests per minute; 10,000 keeps every per-minute count in the scenarios an integer. */
const RPM = 10_000;

interface Phase {
  readonly minutes: number;
  /** Share of requests answered 503. */
  readonly errors?: number;
  /** Share of successful requests slower than the latency threshold. */
  readonly slow?: number;
}

interface Check {
  readonly at: number;
  /** Burn-rate alerts firing at `at` (every other burn-rate alert must be silent). */
  readonly firing: readonly string[];
  /** PromQL conditions (`... > bool x`) that must hold (value 1) at `at`, to show why an alert did (not) fire. */
  readonly hold?: readonly string[];
}

interface SloScenario {
  readonly name: string;
  readonly phases: readonly Phase[];
  readonly checks: readonly Check[];
  /** Extra series (noise the SLIs must ignore), as full promtool input_series entries. */
  readonly extra?: readonly InputSeries[];
}

interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** A counter rising by `perMinute[i]` for `minutes[i]` minutes, phase after phase, in promtool's notation. */
export function counterValues(phases: readonly { minutes: number; perMinute: number }[]): string {
  let value = 0;
  const parts = ['0'];
  for (const p of phases) {
    if (p.minutes <= 0) continue;
    parts.push(`${fmt(value + p.perMinute)}+${fmt(p.perMinute)}x${p.minutes - 1}`);
    value += p.perMinute * p.minutes;
  }
  return parts.join(' ');
}

/** A gauge holding `value[i]` for `minutes[i]` minutes. */
function gaugeValues(phases: readonly { minutes: number; value: number }[]): string {
  return phases.map((p) => `${fmt(p.value)}x${p.minutes - 1}`).join(' ');
}

const fmt = (x: number) => String(Math.round(x * 1e6) / 1e6);

const HTTP = M.httpRequestDuration.name;
const QUERY_LABELS = 'service="gateway", method="POST", route="/v1/query"';

function httpSeries(phases: readonly Phase[]): InputSeries[] {
  const per = (f: (p: Phase) => number) => counterValues(phases.map((p) => ({ minutes: p.minutes, perMinute: f(p) })));
  const ok = (p: Phase) => RPM * (1 - (p.errors ?? 0));
  const failed = (p: Phase) => RPM * (p.errors ?? 0);
  const okFast = (p: Phase) => ok(p) * (1 - (p.slow ?? 0));
  const le = String(LATENCY_THRESHOLD_SECONDS);
  const series = [
    { series: `${HTTP}_count{${QUERY_LABELS}, status_code="200"}`, values: per(ok) },
    { series: `${HTTP}_bucket{${QUERY_LABELS}, status_code="200", le="${le}"}`, values: per(okFast) },
    { series: `${HTTP}_bucket{${QUERY_LABELS}, status_code="200", le="+Inf"}`, values: per(ok) },
  ];
  // A service that never failed has no 5xx series at all (prom-client creates series on first use).
  if (phases.some((p) => p.errors)) {
    // Failures are fast (a dependency refusing), so they burn the availability budget only.
    series.push(
      { series: `${HTTP}_count{${QUERY_LABELS}, status_code="503"}`, values: per(failed) },
      { series: `${HTTP}_bucket{${QUERY_LABELS}, status_code="503", le="${le}"}`, values: per(failed) },
      { series: `${HTTP}_bucket{${QUERY_LABELS}, status_code="503", le="+Inf"}`, values: per(failed) },
    );
  }
  return series;
}

const tierOf = (window: string) => BURN_RATE_TIERS.find((t) => t.longWindow === window)!;
const alertOf = (slo: Slo, longWindow: string) => burnRateAlertName(slo, tierOf(longWindow));
const threshold = (slo: Slo, longWindow: string) => tierOf(longWindow).factor * (1 - slo.objective);
/** `slo:sli_error:ratio_rate<w>{slo} > bool <threshold of the tier>` */
const above = (slo: Slo, window: string, tierWindow: string) =>
  `${sliErrorRecord(window)}{slo="${slo.name}"} > bool ${fmt(threshold(slo, tierWindow))}`;
const below = (slo: Slo, window: string, tierWindow: string) =>
  `${sliErrorRecord(window)}{slo="${slo.name}"} < bool ${fmt(threshold(slo, tierWindow))}`;

const A = AVAILABILITY;
const L = LATENCY;
const healthy: Phase = { minutes: HISTORY };

/** Availability budget 0.1%: thresholds 1.44% (1h/5m), 0.6% (6h/30m), 0.1% (3d/6h). */
const availabilityScenarios: SloScenario[] = [
  {
    // 2% errors: after 30 min the 1h ratio is only 2% × 30/60 = 1% < 1.44%; after 60 min 1h and 5m are 2% > 1.44%,
    // while 6h is 2% × 60/360 = 0.33% < 0.6% and 3d is 0.03% < 0.1%.
    name: 'availability: 2% errors for an hour after 3 healthy days pages on the 1h/5m tier only',
    phases: [healthy, { minutes: 60, errors: 0.02 }],
    checks: [
      { at: HISTORY + 30, firing: [], hold: [below(A, '1h', '1h'), above(A, '5m', '1h')] },
      { at: HISTORY + 60, firing: [alertOf(A, '1h')], hold: [above(A, '1h', '1h'), above(A, '5m', '1h'), below(A, '6h', '6h')] },
    ],
  },
  {
    // One minute at 20%: the 5m ratio is 20% / 5 = 4% > 1.44%, the 1h ratio 20% / 60 = 0.33% < 1.44%.
    name: 'availability: a one-minute spike trips only the short window and does not page',
    phases: [{ minutes: HISTORY + 28 }, { minutes: 1, errors: 0.2 }, { minutes: 1 }],
    checks: [{ at: HISTORY + 30, firing: [], hold: [above(A, '5m', '1h'), below(A, '1h', '1h')] }],
  },
  {
    // 90 minutes at 2% page; 10 clean minutes later the 1h ratio is still 2% × 50/60 = 1.67% > 1.44%, but the 5m
    // ratio is 0, so the page resolves without waiting for the hour to pass. 6h stays at 2% × 90/360 = 0.5% < 0.6%.
    name: 'availability: the fast-burn page resolves minutes after the errors stop',
    phases: [{ minutes: HISTORY + 20 }, { minutes: 90, errors: 0.02 }, { minutes: 10 }],
    checks: [
      { at: HISTORY + 90, firing: [alertOf(A, '1h')] },
      { at: HISTORY + 120, firing: [], hold: [above(A, '1h', '1h'), below(A, '5m', '1h'), below(A, '6h', '6h')] },
    ],
  },
  {
    // 1.35% < 1.44%; 6h ratio 1.35% × 120/360 = 0.45% < 0.6%; 3d ratio 0.04%.
    name: 'availability: 1.35% errors for 2 hours stays below every burn-rate threshold',
    phases: [healthy, { minutes: 120, errors: 0.0135 }],
    checks: [
      { at: HISTORY + 60, firing: [] },
      { at: HISTORY + 120, firing: [], hold: [below(A, '1h', '1h'), below(A, '6h', '6h')] },
    ],
  },
  {
    // 0.8% for 6.5 h: 6h and 30m ratios 0.8% > 0.6%; 1h 0.8% < 1.44%; 3d 0.8% × 390/4320 = 0.07% < 0.1%.
    // One hour in, the 6h ratio is only 0.8% × 60/360 = 0.13%.
    name: 'availability: 0.8% errors for 6.5 hours pages on the 6h/30m tier only',
    phases: [healthy, { minutes: 390, errors: 0.008 }],
    checks: [
      { at: HISTORY + 60, firing: [], hold: [below(A, '6h', '6h')] },
      { at: HISTORY + 390, firing: [alertOf(A, '6h')], hold: [above(A, '6h', '6h'), above(A, '30m', '6h'), below(A, '3d', '3d')] },
    ],
  },
  {
    // 0.55% < 0.6% over every window; 3d 0.55% × 420/4320 = 0.05%.
    name: 'availability: 0.55% errors for 7 hours stays below the 6x threshold',
    phases: [healthy, { minutes: 420, errors: 0.0055 }],
    checks: [{ at: HISTORY + 420, firing: [], hold: [below(A, '6h', '6h')] }],
  },
  {
    // 0.15% for 3 days: 3d and 6h ratios 0.15% > 0.1%; 30m and 6h below 0.6%.
    name: 'availability: 0.15% errors for 3 days opens a ticket on the 3d/6h tier only',
    phases: [{ minutes: HISTORY + 30, errors: 0.0015 }],
    checks: [{ at: HISTORY + 30, firing: [alertOf(A, '3d')], hold: [above(A, '3d', '3d'), above(A, '6h', '3d')] }],
  },
  {
    name: 'availability: 0.09% errors for 3 days stays within budget',
    phases: [{ minutes: HISTORY + 30, errors: 0.0009 }],
    checks: [{ at: HISTORY + 30, firing: [], hold: [below(A, '3d', '3d')] }],
  },
  {
    // 3 days at 0.15%, then 6.5 h clean: the 3d ratio is still 0.15% × 3930/4320 = 0.136% but the 6h one is 0.
    name: 'availability: the ticket clears once the last 6 hours are clean',
    phases: [{ minutes: HISTORY, errors: 0.0015 }, { minutes: 390 }],
    checks: [{ at: HISTORY + 390, firing: [], hold: [above(A, '3d', '3d'), below(A, '6h', '3d')] }],
  },
];

/** Latency budget 1%: thresholds 14.4% slow (1h/5m), 6% (6h/30m), 1% (3d/6h). */
const latencyScenarios: SloScenario[] = [
  {
    // 20% slow: 1h and 5m 20% > 14.4%; 6h 20% × 60/360 = 3.3% < 6%; 3d 0.28% < 1%.
    name: 'latency: 20% slow queries for an hour pages on the 1h/5m tier only',
    phases: [healthy, { minutes: 60, slow: 0.2 }],
    checks: [{ at: HISTORY + 60, firing: [alertOf(L, '1h')], hold: [above(L, '1h', '1h'), above(L, '5m', '1h'), below(L, '6h', '6h')] }],
  },
  {
    // 13.5% < 14.4%; 6h 13.5% × 120/360 = 4.5% < 6%.
    name: 'latency: 13.5% slow queries for 2 hours stays below every threshold',
    phases: [healthy, { minutes: 120, slow: 0.135 }],
    checks: [{ at: HISTORY + 120, firing: [], hold: [below(L, '1h', '1h'), below(L, '6h', '6h')] }],
  },
  {
    // One minute with every query slow: 5m ratio 100% / 5 = 20% > 14.4%; 1h 100% / 60 = 1.7% < 14.4%.
    name: 'latency: a one-minute stall trips only the short window and does not page',
    phases: [{ minutes: HISTORY + 28 }, { minutes: 1, slow: 1 }, { minutes: 1 }],
    checks: [{ at: HISTORY + 30, firing: [], hold: [above(L, '5m', '1h'), below(L, '1h', '1h')] }],
  },
  {
    // 8% for 6.5 h: 6h and 30m 8% > 6%; 1h 8% < 14.4%; 3d 8% × 390/4320 = 0.72% < 1%.
    name: 'latency: 8% slow queries for 6.5 hours pages on the 6h/30m tier only',
    phases: [healthy, { minutes: 390, slow: 0.08 }],
    checks: [{ at: HISTORY + 390, firing: [alertOf(L, '6h')], hold: [above(L, '6h', '6h'), below(L, '1h', '1h'), below(L, '3d', '3d')] }],
  },
  {
    // 5.5% < 6%; 3d 5.5% × 420/4320 = 0.53% < 1%.
    name: 'latency: 5.5% slow queries for 7 hours stays below the 6x threshold',
    phases: [healthy, { minutes: 420, slow: 0.055 }],
    checks: [{ at: HISTORY + 420, firing: [], hold: [below(L, '6h', '6h')] }],
  },
  {
    name: 'latency: 1.5% slow queries for 3 days opens a ticket on the 3d/6h tier only',
    phases: [{ minutes: HISTORY + 30, slow: 0.015 }],
    checks: [{ at: HISTORY + 30, firing: [alertOf(L, '3d')], hold: [above(L, '3d', '3d'), above(L, '6h', '3d')] }],
  },
  {
    name: 'latency: 0.9% slow queries for 3 days stays within budget',
    phases: [{ minutes: HISTORY + 30, slow: 0.009 }],
    checks: [{ at: HISTORY + 30, firing: [], hold: [below(L, '3d', '3d')] }],
  },
];

/**
 * Client errors, slow client errors and non-API routes must not count: half of /v1/query traffic answered 400
 * after 5 s, /readyz answering 503 and /metrics 500 — both SLIs stay at exactly 0 (not absent), nothing fires.
 */
const noiseScenario: SloScenario = {
  name: 'client errors and non-API routes do not burn either budget',
  phases: [{ minutes: 90 }],
  extra: [
    { series: `${HTTP}_count{${QUERY_LABELS}, status_code="400"}`, values: counterValues([{ minutes: 90, perMinute: RPM }]) },
    { series: `${HTTP}_bucket{${QUERY_LABELS}, status_code="400", le="${LATENCY_THRESHOLD_SECONDS}"}`, values: counterValues([{ minutes: 90, perMinute: 0 }]) },
    { series: `${HTTP}_count{service="gateway", method="GET", route="/readyz", status_code="503"}`, values: counterValues([{ minutes: 90, perMinute: 100 }]) },
    { series: `${HTTP}_count{service="gateway", method="GET", route="/metrics", status_code="500"}`, values: counterValues([{ minutes: 90, perMinute: 4 }]) },
  ],
  checks: [{ at: 90, firing: [] }],
};

function render(template: string, labels: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_m, name: string) => labels[name] ?? '');
}

function alertRule(name: string): AlertingRule {
  const rule = ruleGroups()
    .flatMap((g) => g.rules)
    .find((r): r is AlertingRule => isAlert(r) && r.alert === name);
  if (!rule) throw new Error(`no alert ${name}`);
  return rule;
}

/** One expected alert: the rule's own labels plus the series labels, annotations rendered with them. */
function expectedAlert(name: string, seriesLabels: Readonly<Record<string, string>>) {
  const rule = alertRule(name);
  const labels = { ...seriesLabels, ...rule.labels };
  const annotations = Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v, labels)]));
  return { exp_labels: labels, exp_annotations: annotations };
}

const BURN_ALERTS = SLOS.flatMap((slo) => BURN_RATE_TIERS.map((t) => ({ slo, name: burnRateAlertName(slo, t) })));

/**
 * Simulated minutes between rule evaluations in the SLO tests. Evaluating 3-day windows every simulated minute
 * over 3-day scenarios takes promtool about ten minutes; the burn-rate alerts have no `for`, so each evaluation
 * stands alone and every 30 minutes checks the same thing. Check times must be multiples of it.
 */
export const SLO_TEST_EVALUATION_MINUTES = 30;

function sloTestCase(s: SloScenario) {
  for (const c of s.checks) {
    if (c.at % SLO_TEST_EVALUATION_MINUTES !== 0) throw new Error(`${s.name}: check at ${c.at}m is not on an evaluation`);
  }
  return {
    name: s.name,
    interval: '1m',
    input_series: [...httpSeries(s.phases), ...(s.extra ?? [])],
    alert_rule_test: s.checks.flatMap((c) =>
      BURN_ALERTS.map(({ slo, name }) => ({
        eval_time: `${c.at}m`,
        alertname: name,
        exp_alerts: c.firing.includes(name) ? [expectedAlert(name, { service: 'gateway', slo: slo.name })] : [],
      })),
    ),
    promql_expr_test: s.checks.flatMap((c) =>
      (c.hold ?? []).map((expr) => ({
        expr,
        eval_time: `${c.at}m`,
        exp_samples: [{ labels: `{service="gateway", slo="${/slo="(\w+)"/.exec(expr)![1]}"}`, value: 1 }],
      })),
    ),
  };
}

function noiseTestCase() {
  const base = sloTestCase(noiseScenario);
  return {
    ...base,
    promql_expr_test: SLOS.flatMap((slo) =>
      ['5m', '1h'].map((w) => ({
        expr: `${sliErrorRecord(w)}{slo="${slo.name}"}`,
        eval_time: `${noiseScenario.checks[0].at}m`,
        exp_samples: [{ labels: `${sliErrorRecord(w)}{service="gateway", slo="${slo.name}"}`, value: 0 }],
      })),
    ),
  };
}

// ---- Non-SLO alerts -------------------------------------------------------------------------------------------

const T = RAG_ALERT_THRESHOLDS;
const LLM = M.llmRequests.name;

function llmErrorCase() {
  const calls = (model: string, outcome: string, phases: { minutes: number; perMinute: number }[]) => ({
    series: `${LLM}{service="generation", model="${model}", variant="default", outcome="${outcome}"}`,
    values: counterValues(phases),
  });
  return {
    // gpt-4o-mini: 10% of 100 calls/min fail (6 errors + 4 timeouts) > 5% for 30 minutes → fires after `for: 10m`.
    // local-llama: 3% errors < 5% → never. burst-model: 50% errors for 4 minutes only → pending, never firing.
    name: `LLM error rate above ${T.llmErrorRatio * 100}% for 10 minutes fires per model; lower rates and short bursts do not`,
    interval: '1m',
    input_series: [
      calls('gpt-4o-mini', 'success', [{ minutes: 30, perMinute: 90 }]),
      calls('gpt-4o-mini', 'error', [{ minutes: 30, perMinute: 6 }]),
      calls('gpt-4o-mini', 'timeout', [{ minutes: 30, perMinute: 4 }]),
      calls('local-llama', 'success', [{ minutes: 30, perMinute: 97 }]),
      calls('local-llama', 'error', [{ minutes: 30, perMinute: 3 }]),
      calls('burst-model', 'success', [{ minutes: 4, perMinute: 50 }, { minutes: 26, perMinute: 100 }]),
      calls('burst-model', 'error', [{ minutes: 4, perMinute: 50 }, { minutes: 26, perMinute: 0 }]),
    ],
    alert_rule_test: [
      { eval_time: '5m', alertname: 'RagopsLlmErrorRateHigh', exp_alerts: [] },
      { eval_time: '20m', alertname: 'RagopsLlmErrorRateHigh', exp_alerts: [expectedAlert('RagopsLlmErrorRateHigh', { model: 'gpt-4o-mini' })] },
      { eval_time: '30m', alertname: 'RagopsLlmErrorRateHigh', exp_alerts: [expectedAlert('RagopsLlmErrorRateHigh', { model: 'gpt-4o-mini' })] },
    ],
  };
}

function emptyRetrievalCase() {
  const HITS = `${M.retrievalHits.name}_count`;
  const series = (name: string, variant: string, perMinute: number) => ({
    series: `${name}{service="retrieval", variant="${variant}"}`,
    values: counterValues([{ minutes: 45, perMinute }]),
  });
  return {
    // canary: 30 of 100 retrievals empty (30% > 20%); stable: 5 of 100; fresh: none empty and no empty series.
    name: `empty retrievals above ${T.emptyRetrievalRatio * 100}% for 15 minutes fire per variant`,
    interval: '1m',
    input_series: [
      series(HITS, 'canary', 100),
      series(M.retrievalEmpty.name, 'canary', 30),
      series(HITS, 'stable', 100),
      series(M.retrievalEmpty.name, 'stable', 5),
      series(HITS, 'fresh', 100),
    ],
    alert_rule_test: [
      { eval_time: '10m', alertname: 'RagopsEmptyRetrievalRateHigh', exp_alerts: [] },
      { eval_time: '40m', alertname: 'RagopsEmptyRetrievalRateHigh', exp_alerts: [expectedAlert('RagopsEmptyRetrievalRateHigh', { variant: 'canary' })] },
    ],
  };
}

function ingestLagCase() {
  const lag = (stream: string, phases: { minutes: number; value: number }[]) => ({
    series: `${M.ingestConsumerLag.name}{service="ingest", stream="${stream}"}`,
    values: gaugeValues(phases),
  });
  const high = T.ingestLagSeconds * 1.5;
  return {
    // RAGOPS_INGEST: lag 1.5× the threshold from minute 10 on → firing after `for: 10m`.
    // RAGOPS_BULK: the same lag for 5 minutes only, then drained → never firing.
    name: `ingest consumer lag above ${T.ingestLagSeconds}s for 10 minutes fires; a short backlog does not`,
    interval: '1m',
    input_series: [
      lag('RAGOPS_INGEST', [
        { minutes: 10, value: 30 },
        { minutes: 25, value: high },
      ]),
      lag('RAGOPS_BULK', [
        { minutes: 10, value: 0 },
        { minutes: 5, value: high },
        { minutes: 20, value: 0 },
      ]),
    ],
    alert_rule_test: [
      { eval_time: '15m', alertname: 'RagopsIngestConsumerLagHigh', exp_alerts: [] },
      { eval_time: '30m', alertname: 'RagopsIngestConsumerLagHigh', exp_alerts: [expectedAlert('RagopsIngestConsumerLagHigh', { stream: 'RAGOPS_INGEST' })] },
    ],
  };
}

export interface RuleTestFile {
  readonly name: string;
  readonly content: string;
}

function testFile(ruleFile: string, evaluationMinutes: number, tests: unknown[]): string {
  const doc = {
    rule_files: [ruleFile],
    evaluation_interval: `${evaluationMinutes}m`,
    group_eval_order: ruleGroups().map((g) => g.name),
    tests,
  };
  return `# ${GENERATED_BY}\n# Run: promtool test rules deploy/prometheus/tests/*.test.yaml\n${stringify(doc, { lineWidth: 0 })}`;
}

/** The promtool unit-test files, relative to deploy/prometheus/tests/, reading `ruleFile` (relative to them). */
export function ruleTestFiles(ruleFile: string): RuleTestFile[] {
  return [
    {
      name: 'ragops-slo.test.yaml',
      content: testFile(ruleFile, SLO_TEST_EVALUATION_MINUTES, [...[...availabilityScenarios, ...latencyScenarios].map(sloTestCase), noiseTestCase()]),
    },
    // `for:` clauses need evaluations every minute to be pending for the right time.
    { name: 'ragops-rag.test.yaml', content: testFile(ruleFile, 1, [llmErrorCase(), emptyRetrievalCase(), ingestLagCase()]) },
  ];
}
