import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_METRICS_USED,
  HTTP_BUCKETS,
  METRIC_CATALOGUE,
  METRIC_DEFS,
  TENANT_LABEL,
  VARIANT_LABEL,
  exposedSeriesNames,
} from './metric.catalogue.js';
import { INVALID_VALUE, OVERFLOW_VALUE } from './metric.labels.js';

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
// Kept under their OpenTelemetry semantic-convention names so dashboards line up with OTel-instrumented peers.
const UNPREFIXED = new Set(['http_server_request_duration_seconds']);
// Base units only (https://prometheus.io/docs/practices/naming/#base-units); counts of things are plural nouns.
const NON_BASE_UNITS = /_(milliseconds|microseconds|nanoseconds|minutes|hours|days|ms|us|ns|kilobytes|megabytes|kb|mb|percent)(_|$)/;
const RESERVED_LABELS = new Set(['le', 'quantile', 'service', 'job', 'instance']);

describe('metric catalogue naming (Prometheus conventions)', () => {
  it.each(METRIC_DEFS.map((d) => [d.name, d] as const))('%s', (name, def) => {
    expect(name).toMatch(SNAKE);
    if (!UNPREFIXED.has(name)) expect(name.startsWith('ragops_')).toBe(true);
    expect(name).not.toMatch(NON_BASE_UNITS);
    // _total only on counters; _count/_sum/_bucket are a histogram's own series; _info only on info metrics
    expect(name.endsWith('_total')).toBe(def.type === 'counter');
    expect(name).not.toMatch(/_(count|sum|bucket)$/);
    expect(name.endsWith('_info')).toBe(def.type === 'info');
    if (/_seconds(_|$)/.test(name)) expect(name).toMatch(/_seconds(_total)?$/); // the unit is the last word
    if (name.endsWith('_ratio')) expect(def.buckets?.every((b) => b >= 0 && b <= 1)).toBe(true);
    expect(def.help.length).toBeGreaterThan(10);
    expect(def.emittedBy.length).toBeGreaterThan(0);
  });

  it('names and keys are unique, also against default metrics and histogram series', () => {
    const series = METRIC_DEFS.flatMap((d) => exposedSeriesNames(d)).concat(DEFAULT_METRICS_USED.map((d) => d.name));
    expect(new Set(series).size).toBe(series.length);
  });
});

describe('metric catalogue labels', () => {
  it.each(METRIC_DEFS.map((d) => [d.name, d] as const))('%s has bounded, well-formed labels', (_name, def) => {
    for (const [label, spec] of Object.entries(def.labels)) {
      expect(label).toMatch(SNAKE);
      expect(RESERVED_LABELS.has(label)).toBe(false);
      if (spec.kind === 'enum') {
        expect(spec.values.length).toBeGreaterThan(0);
        expect(new Set(spec.values).size).toBe(spec.values.length);
        // The guard's replacement values must not be mistaken for real ones (except in the guard's own counter).
        if (def.key !== 'labelOverflow') {
          expect(spec.values).not.toContain(INVALID_VALUE);
          expect(spec.values).not.toContain(OVERFLOW_VALUE);
        }
      } else {
        expect(spec.maxValues).toBeGreaterThan(0);
        expect(spec.maxValues).toBeLessThanOrEqual(256);
      }
    }
    if (def.type === 'stateset') expect(def.labels).toHaveProperty('state');
  });

  it('tenant appears only on the cost and token counters, with the tenant policy', () => {
    const withTenant = METRIC_DEFS.filter((d) => 'tenant' in d.labels).map((d) => d.key);
    expect(withTenant.sort()).toEqual(['llmCost', 'llmTokens']);
    for (const key of withTenant) expect(METRIC_CATALOGUE[key].labels).toHaveProperty('tenant', TENANT_LABEL);
  });

  it('every variant label follows the variant-id policy', () => {
    const withVariant = METRIC_DEFS.filter((d) => 'variant' in d.labels);
    expect(withVariant.length).toBeGreaterThan(8);
    for (const def of withVariant) expect(def.labels.variant).toBe(VARIANT_LABEL);
  });

  it('worst-case label sets per metric stay within the series cap or are capped by the guard', () => {
    for (const def of METRIC_DEFS) {
      const product = Object.values(def.labels).reduce(
        (n, spec) => n * (spec.kind === 'enum' ? spec.values.length : spec.maxValues),
        1,
      );
      // Enum-only metrics are bounded by their product; any bounded label is capped by maxSeries at record time.
      const hasBounded = Object.values(def.labels).some((s) => s.kind === 'bounded');
      if (!hasBounded) expect(product).toBeLessThanOrEqual(500);
      expect(def.maxSeries ?? 500).toBeLessThanOrEqual(4096);
    }
  });
});

describe('metric catalogue buckets', () => {
  it.each(METRIC_DEFS.filter((d) => d.type === 'histogram').map((d) => [d.name, d] as const))(
    '%s has strictly increasing finite buckets',
    (_name, def) => {
      const b = def.buckets ?? [];
      expect(b.length).toBeGreaterThan(4);
      for (let i = 0; i < b.length; i++) {
        expect(Number.isFinite(b[i])).toBe(true);
        if (i > 0) expect(b[i]).toBeGreaterThan(b[i - 1]);
      }
    },
  );

  it('only histograms declare buckets', () => {
    for (const def of METRIC_DEFS) expect(def.buckets !== undefined).toBe(def.type === 'histogram');
  });

  it('the HTTP buckets are the ones the latency SLO reads', () => {
    expect(METRIC_CATALOGUE.httpRequestDuration.buckets).toBe(HTTP_BUCKETS);
  });
});
