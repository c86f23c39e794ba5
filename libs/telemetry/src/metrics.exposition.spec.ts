import { describe, expect, it } from '@jest/globals';
import { Counter, Histogram, Registry } from 'prom-client';
import { CombinedRegistry, mergeExpositions } from './metrics.exposition.js';
import { createMetrics } from './metrics.registry.js';

function registry(service: string): { registry: Registry; hits: Counter<'route'>; latency: Histogram } {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  const hits = new Counter({ name: 'demo_hits_total', help: 'Hits.', labelNames: ['route'], registers: [registry] });
  const latency = new Histogram({ name: 'demo_latency_seconds', help: 'Latency.', buckets: [0.1, 1], registers: [registry] });
  return { registry, hits, latency };
}

describe('mergeExpositions', () => {
  it('keeps each family once, with the samples of every input under it', async () => {
    const a = registry('a');
    const b = registry('b');
    a.hits.inc({ route: '/x' });
    b.hits.inc({ route: '/x' }, 2);
    b.latency.observe(0.5);
    const merged = mergeExpositions([await a.registry.metrics(), await b.registry.metrics()]);
    expect(merged).toBe(
      [
        '# HELP demo_hits_total Hits.',
        '# TYPE demo_hits_total counter',
        'demo_hits_total{route="/x",service="a"} 1',
        'demo_hits_total{route="/x",service="b"} 2',
        '# HELP demo_latency_seconds Latency.',
        '# TYPE demo_latency_seconds histogram',
        // a histogram without labels is exposed at 0 before its first observation
        'demo_latency_seconds_bucket{le="0.1",service="a"} 0',
        'demo_latency_seconds_bucket{le="1",service="a"} 0',
        'demo_latency_seconds_bucket{le="+Inf",service="a"} 0',
        'demo_latency_seconds_sum{service="a"} 0',
        'demo_latency_seconds_count{service="a"} 0',
        'demo_latency_seconds_bucket{le="0.1",service="b"} 0',
        'demo_latency_seconds_bucket{le="1",service="b"} 1',
        'demo_latency_seconds_bucket{le="+Inf",service="b"} 1',
        'demo_latency_seconds_sum{service="b"} 0.5',
        'demo_latency_seconds_count{service="b"} 1',
        '',
      ].join('\n'),
    );
  });

  it('keeps families only one input has, in first-seen order, and handles empty inputs', () => {
    expect(mergeExpositions([])).toBe('');
    expect(mergeExpositions(['', '\n'])).toBe('');
    const a = '# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n';
    const b = '# HELP y Y.\n# TYPE y gauge\ny 2\n\n# HELP x_total X.\n# TYPE x_total counter\nx_total{service="b"} 3\n';
    expect(mergeExpositions([a, b])).toBe('# HELP x_total X.\n# TYPE x_total counter\nx_total 1\nx_total{service="b"} 3\n# HELP y Y.\n# TYPE y gauge\ny 2\n');
  });
});

describe('CombinedRegistry via createMetrics({ include })', () => {
  it("serves its own metrics and the included registries', each under its service, read at scrape time", async () => {
    const retrieval = createMetrics('retrieval');
    const gateway = createMetrics('gateway', { include: [retrieval.registry] });
    expect(gateway.registry).toBeInstanceOf(CombinedRegistry);
    gateway.errors.inc({ code: 'INTERNAL' });
    retrieval.errors.inc({ code: 'INTERNAL' }, 4);
    const text = await gateway.registry.metrics();
    expect(text).toContain('ragops_errors_total{code="INTERNAL",service="gateway"} 1');
    expect(text).toContain('ragops_errors_total{code="INTERNAL",service="retrieval"} 4');
    expect(text.match(/^# TYPE ragops_errors_total counter$/gm)).toHaveLength(1);
    expect(text.match(/^process_start_time_seconds\{/gm)).toHaveLength(2);
    retrieval.errors.inc({ code: 'INTERNAL' });
    expect(await gateway.registry.metrics()).toContain('ragops_errors_total{code="INTERNAL",service="retrieval"} 5');
    // a registry that includes nothing is a plain one
    expect(createMetrics('x', { include: [] }).registry).not.toBeInstanceOf(CombinedRegistry);
  });
});
