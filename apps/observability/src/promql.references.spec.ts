import { describe, expect, it } from '@jest/globals';
import { promqlRefs } from './promql.references.js';

describe('promqlRefs', () => {
  it('reads selectors, their matcher labels and grouping labels, skipping functions and aggregations', () => {
    const refs = promqlRefs(
      'histogram_quantile(0.99, sum by (le, route) (rate(http_server_request_duration_seconds_bucket{service="gateway", route=~"/v1/.+"}[5m])))',
    );
    expect(refs.selectors).toEqual([{ name: 'http_server_request_duration_seconds_bucket', matchers: ['service', 'route'] }]);
    expect(refs.groupingLabels).toEqual(['le', 'route']);
  });

  it('does not read names from string literals, regexes, Grafana variables, numbers or durations', () => {
    const refs = promqlRefs(
      'sum(increase(ragops_llm_cost_usd_total{tenant=~"$tenant", model="sum(x) or y{z}", variant!~"a\\"b"}[$__range] offset 1h)) * 3600 + 1e-3',
    );
    expect(refs.selectors).toEqual([{ name: 'ragops_llm_cost_usd_total', matchers: ['tenant', 'model', 'variant'] }]);
  });

  it('reads both sides of binary and set operations, with on/ignoring/group_left labels', () => {
    const refs = promqlRefs(
      'a:b:c{slo="x"} / on (service, slo) group_left (prompt) d_total > bool 0.5 and e unless ignoring (le) f{g!="h"}',
    );
    expect(refs.selectors.map((s) => s.name)).toEqual(['a:b:c', 'd_total', 'e', 'f']);
    expect(refs.groupingLabels).toEqual(['service', 'slo', 'prompt', 'le']);
  });

  it('reads a bare metric and recording-rule names with colons', () => {
    expect(promqlRefs('slo:objective:ratio').selectors).toEqual([{ name: 'slo:objective:ratio', matchers: [] }]);
    expect(promqlRefs('vector(0.999)').selectors).toEqual([]);
    expect(promqlRefs('max by (stream) (ragops_ingest_consumer_lag_seconds) > 600').selectors).toEqual([
      { name: 'ragops_ingest_consumer_lag_seconds', matchers: [] },
    ]);
  });
});
