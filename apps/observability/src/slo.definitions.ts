import { HTTP_BUCKETS, METRIC_CATALOGUE } from '@ragops/telemetry';

/**
 * The two service-level objectives of the query API and the burn-rate policy that guards them. Everything the
 * rule files, their promtool tests and the SLO dashboard say about SLOs is derived from these constants.
 */
export interface Slo {
  /** Value of the `slo` label on every recorded series and alert. */
  readonly name: 'availability' | 'latency';
  /** Fraction of good events over the SLO period, e.g. 0.999. */
  readonly objective: number;
  readonly title: string;
  /** What counts as good, for humans (annotations, docs). */
  readonly description: string;
  /** PromQL: fraction of bad events over `window` (0 when there was traffic and nothing bad), by `service`. */
  errorRatio(window: string): string;
}

/** Period the error budget is counted over; burn rate 1 spends exactly the budget in this period. */
export const SLO_PERIOD = '30d';
const SLO_PERIOD_HOURS = 30 * 24;

const HTTP = METRIC_CATALOGUE.httpRequestDuration.name;
/** The gateway's API routes: `/metrics`, `/healthz`, `/readyz` and unmatched paths are not user traffic. */
const API = 'service="gateway", route=~"/v1/.+"';

/**
 * Availability: share of API requests answered without a server error. 4xx are the client's (bad input,
 * unknown job, RATE_LIMITED by design) and count as good; 5xx (INTERNAL, UPSTREAM_FAILED, UNAVAILABLE,
 * DEADLINE_EXCEEDED) are bad. `or 0 * total` makes the ratio 0 rather than absent when no 5xx series exists yet.
 */
export const AVAILABILITY: Slo = {
  name: 'availability',
  objective: 0.999,
  title: 'Availability',
  description: '99.9% of /v1/* requests over 30 days are answered without a 5xx',
  errorRatio: (w) =>
    `(
  sum by (service) (rate(${HTTP}_count{${API}, status_code=~"5.."}[${w}]))
  or
  0 * sum by (service) (rate(${HTTP}_count{${API}}[${w}]))
)
/
sum by (service) (rate(${HTTP}_count{${API}}[${w}]))`,
};

/**
 * The latency threshold must be a bucket boundary of the HTTP histogram (the SLI reads that bucket). 2.5 s is
 * also written identically by Prometheus 2 and 3 (Prometheus 3 normalises integer `le` values to `1.0`-style).
 */
export const LATENCY_THRESHOLD_SECONDS = 2.5;
if (!(HTTP_BUCKETS as readonly number[]).includes(LATENCY_THRESHOLD_SECONDS)) {
  throw new Error(`latency SLO threshold ${LATENCY_THRESHOLD_SECONDS}s is not an HTTP histogram bucket`);
}
const QUERY = 'service="gateway", route="/v1/query", status_code!~"4.."';

/**
 * Latency: share of /v1/query requests (other than client errors, which return before any work) served within
 * 2.5 s. A query retrieves and generates under one deadline (REQUEST_TIMEOUT_MS, 10 s by default); 2.5 s leaves
 * room for a hosted model's generation while catching a slow index or a queueing service.
 */
export const LATENCY: Slo = {
  name: 'latency',
  objective: 0.99,
  title: 'Query latency',
  description: `99% of /v1/query requests over 30 days complete within ${LATENCY_THRESHOLD_SECONDS}s`,
  errorRatio: (w) =>
    `(
  sum by (service) (rate(${HTTP}_count{${QUERY}}[${w}]))
  -
  sum by (service) (rate(${HTTP}_bucket{${QUERY}, le="${LATENCY_THRESHOLD_SECONDS}"}[${w}]))
)
/
sum by (service) (rate(${HTTP}_count{${QUERY}}[${w}]))`,
};

export const SLOS: readonly Slo[] = [AVAILABILITY, LATENCY];

export type Severity = 'page' | 'ticket';

export interface BurnRateTier {
  readonly severity: Severity;
  /** Multiple of the sustainable error rate (1 - objective) that trips this tier. */
  readonly factor: number;
  readonly longWindow: string;
  readonly shortWindow: string;
  /** Share of the period's budget spent when this tier trips at its long window. */
  readonly budgetSpent: number;
}

function hours(window: string): number {
  const m = /^(\d+)([mhd])$/.exec(window);
  if (!m) throw new Error(`unsupported window ${window}`);
  return Number(m[1]) * { m: 1 / 60, h: 1, d: 24 }[m[2] as 'm' | 'h' | 'd'];
}

function tier(severity: Severity, budgetSpent: number, longWindow: string, shortWindow: string): BurnRateTier {
  // burn rate = budget share spent × period / window: 2% of 30 days in 1 hour is 0.02 × 720 h / 1 h = 14.4.
  const factor = Math.round(((budgetSpent * SLO_PERIOD_HOURS) / hours(longWindow)) * 1000) / 1000;
  return { severity, factor, longWindow, shortWindow, budgetSpent };
}

/**
 * Multi-window, multi-burn-rate alerting from The Site Reliability Workbook, ch. 5 "Alerting on SLOs"
 * (Google, 2018; https://sre.google/workbook/alerting-on-slos/, section "Multiwindow, Multi-Burn-Rate Alerts"):
 * page when 2% of the 30-day budget burns within 1 h or 5% within 6 h, ticket when 10% burns within 3 days.
 * Each long window is paired with a short one of 1/12 its length, which must also exceed the rate, so an alert
 * stops soon after the burn stops instead of for the whole long window.
 */
export const BURN_RATE_TIERS: readonly BurnRateTier[] = [
  tier('page', 0.02, '1h', '5m'),
  tier('page', 0.05, '6h', '30m'),
  tier('ticket', 0.1, '3d', '6h'),
];

/** Windows the SLI is recorded at: every tier's two windows, plus the period for "budget remaining". */
export const SLI_WINDOWS: readonly string[] = [
  ...new Set([...BURN_RATE_TIERS.flatMap((t) => [t.shortWindow, t.longWindow]), SLO_PERIOD]),
].sort((a, b) => hours(a) - hours(b));

export function windowHours(window: string): number {
  return hours(window);
}
