import { describe, expect, it } from '@jest/globals';
import { recordSampleOfEveryMetric } from '../test/metric-samples.fixture.js';
import { ERROR_CODE_VALUES, METRIC_DEFS } from './metric.catalogue.js';
import { createMetrics } from './metrics.registry.js';

/** The value of the exposition line for `name` whose labels include all of `labels` (label order-free). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...m[2].matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('createMetrics', () => {
  it('exposes default process metrics and both histograms with the service label', async () => {
    const m = createMetrics('gateway');
    m.httpRequestDuration.observe({ method: 'GET', route: '/v1/jobs/:id', status_code: '200' }, 0.003);
    m.stageDuration.observe({ stage: 'retrieval' }, 0.0007);
    const text = await m.registry.metrics();
    expect(m.registry.contentType).toContain('text/plain');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
    expect(text).toContain('# TYPE ragops_stage_duration_seconds histogram');
    const http = { method: 'GET', route: '/v1/jobs/:id', status_code: '200', service: 'gateway' };
    expect(sample(text, 'http_server_request_duration_seconds_bucket', { ...http, le: '0.0025' })).toBeUndefined(); // no such bucket
    expect(sample(text, 'http_server_request_duration_seconds_bucket', { ...http, le: '0.005' })).toBe(1);
    expect(sample(text, 'http_server_request_duration_seconds_count', http)).toBe(1);
    expect(sample(text, 'ragops_stage_duration_seconds_bucket', { stage: 'retrieval', le: '0.0005' })).toBe(0);
    expect(sample(text, 'ragops_stage_duration_seconds_bucket', { stage: 'retrieval', le: '0.001' })).toBe(1);
  });

  it('gives every call its own registry, so two instances never clash', async () => {
    const a = createMetrics('a');
    const b = createMetrics('b');
    a.stageDuration.observe({ stage: 'x' }, 1);
    expect(await b.registry.metrics()).not.toContain('stage="x"');
  });

  it('registers every catalogue metric with its exposition type once recorded', async () => {
    const m = createMetrics('retrieval');
    recordSampleOfEveryMetric(m);
    const text = await m.registry.metrics();
    for (const def of METRIC_DEFS) {
      const type = def.type === 'stateset' || def.type === 'info' ? 'gauge' : def.type;
      expect(text).toContain(`# TYPE ${def.name} ${type}\n`);
    }
    expect(sample(text, 'ragops_llm_tokens_total', { token_type: 'prompt', tenant: 'sample-0', service: 'retrieval' })).toBe(0.3);
    // the guard mapped nothing: apart from the fixture's own sample of that counter, every overflow series is still 0
    const overflows = [...text.matchAll(/^ragops_metric_label_overflow_total\{(.*)\} (\S+)$/gm)];
    expect(overflows.filter((m) => m[2] !== '0').map((m) => m[1])).toEqual([expect.stringContaining('metric="sample-0"')]);
    expect(sample(text, 'ragops_metric_label_overflow_total', { metric: 'sample-0' })).toBe(0.3);
  });

  it("starts the guard's count at 0 for each bounded label the service records, and for nothing else", async () => {
    const text = await createMetrics('retrieval').registry.metrics();
    const series = [...text.matchAll(/^ragops_metric_label_overflow_total\{(.*)\} (\S+)$/gm)].map((m) => [m[1], m[2]]);
    const expected = METRIC_DEFS.filter((d) => (d.emittedBy as readonly string[]).includes('retrieval') && d.key !== 'labelOverflow').flatMap((d) =>
      Object.entries(d.labels)
        .filter(([, spec]) => spec.kind === 'bounded')
        .flatMap(([label]) => ['other', 'invalid'].map((replacement) => `${d.name}/${label}/${replacement}`)),
    );
    // retrieval's per-variant metrics: hits, empty results, duplicates, scores, rerank use
    expect(expected).toHaveLength(10);
    const got = series.map(([labels]) => {
      const l = Object.fromEntries([...labels!.matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      return `${l.metric}/${l.label}/${l.replacement}`;
    });
    expect(got.sort()).toEqual(expected.sort());
    expect(series.every(([, value]) => value === '0')).toBe(true);
  });

  it('drops the default gauges named _total that promtool rejects, keeping their per-type siblings', async () => {
    const text = await createMetrics('gateway').registry.metrics();
    expect(text).not.toMatch(/^nodejs_active_(handles|requests|resources)_total/m);
    expect(text).toContain('# TYPE nodejs_active_handles gauge');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_p99_seconds gauge');
  });

  it('guards labels: free text and values past the cap are mapped, and the mapping is counted', async () => {
    const m = createMetrics('gateway');
    m.feedback.inc({ variant: 'how do I reset my password?', rating: 'positive' });
    for (let i = 0; i < 40; i++) m.feedback.inc({ variant: `v${i}`, rating: 'negative' });
    const text = await m.registry.metrics();
    expect(sample(text, 'ragops_feedback_total', { variant: 'invalid', rating: 'positive' })).toBe(1);
    expect(sample(text, 'ragops_feedback_total', { variant: 'v31', rating: 'negative' })).toBe(1);
    expect(sample(text, 'ragops_feedback_total', { variant: 'v32', rating: 'negative' })).toBeUndefined();
    expect(sample(text, 'ragops_feedback_total', { variant: 'other', rating: 'negative' })).toBe(8);
    const overflow = { metric: 'ragops_feedback_total', label: 'variant' };
    expect(sample(text, 'ragops_metric_label_overflow_total', { ...overflow, replacement: 'other' })).toBe(8);
    expect(sample(text, 'ragops_metric_label_overflow_total', { ...overflow, replacement: 'invalid' })).toBe(1);
  });

  it('ignores values a metric cannot hold instead of throwing into the request path', async () => {
    const m = createMetrics('generation');
    const labels = { tenant: 't', model: 'm', variant: 'v' };
    m.llmCost.inc(labels, 0.25);
    m.llmCost.inc(labels, -1);
    m.llmCost.inc(labels, Number.NaN);
    m.llmCost.inc(labels, Number.POSITIVE_INFINITY);
    m.llmTimeToFirstToken.observe({ model: 'm', variant: 'v' }, Number.NaN);
    m.ingestQueueDepth.set({ stream: 'RAGOPS_INGEST' }, Number.NaN);
    const text = await m.registry.metrics();
    expect(sample(text, 'ragops_llm_cost_usd_total', labels)).toBe(0.25);
    expect(text).not.toContain('ragops_llm_time_to_first_token_seconds_count{');
    expect(text).not.toContain('ragops_ingest_queue_depth_messages{');
  });

  it('keeps exactly one state of a circuit breaker at 1', async () => {
    const m = createMetrics('generation');
    m.circuitBreakerState.set({ dependency: 'llm' }, 'open');
    m.circuitBreakerState.set({ dependency: 'llm' }, 'half_open');
    m.circuitBreakerState.set({ dependency: 'embeddings' }, 'closed');
    const text = await m.registry.metrics();
    const state = (dependency: string, s: string) => sample(text, 'ragops_circuit_breaker_state', { dependency, state: s });
    expect([state('llm', 'closed'), state('llm', 'open'), state('llm', 'half_open')]).toEqual([0, 0, 1]);
    expect([state('embeddings', 'closed'), state('embeddings', 'open')]).toEqual([1, 0]);
  });

  it('replaces the variant info set, so a retired variant disappears', async () => {
    const m = createMetrics('gateway');
    const v = (variant: string) => ({ variant, prompt: 'rag-answer@1', model: 'extractive', index: 'default', retrieval_mode: 'sparse' as const });
    m.variantInfo.set([v('stable'), v('canary')]);
    m.variantInfo.set([v('canary')]);
    const text = await m.registry.metrics();
    expect(sample(text, 'ragops_variant_info', { variant: 'canary', model: 'extractive' })).toBe(1);
    expect(sample(text, 'ragops_variant_info', { variant: 'stable' })).toBeUndefined();
  });

  it('times a stage with startTimer', async () => {
    const m = createMetrics('retrieval');
    const end = m.requestDuration.startTimer({ variant: 'default', operation: 'search', outcome: 'success' });
    const seconds = end();
    expect(seconds).toBeGreaterThanOrEqual(0);
    const text = await m.registry.metrics();
    expect(sample(text, 'ragops_request_duration_seconds_count', { variant: 'default', operation: 'search' })).toBe(1);
  });

  it('starts enum-only counters and gauges at 0 for the services that record them', async () => {
    const gateway = await createMetrics('gateway').registry.metrics();
    expect(sample(gateway, 'ragops_errors_total', { code: 'INTERNAL', service: 'gateway' })).toBe(0);
    expect(sample(gateway, 'ragops_errors_total', { code: 'RATE_LIMITED' })).toBe(0);
    expect(sample(gateway, 'ragops_rate_limit_rejections_total', { limit: 'tokens' })).toBe(0);
    expect(sample(gateway, 'ragops_cache_requests_total', { cache: 'answer', result: 'hit' })).toBe(0);
    expect(sample(gateway, 'ragops_inflight_requests', { transport: 'http' })).toBe(0);
    expect(gateway.match(/^ragops_errors_total\{/gm)).toHaveLength(ERROR_CODE_VALUES.length);
    // not recorded by the gateway, or not enum-only: no series until first use
    expect(gateway).not.toMatch(/^ragops_ingest_failures_total\{/m);
    expect(gateway).not.toMatch(/^ragops_feedback_total\{/m);
    const retrieval = await createMetrics('retrieval').registry.metrics();
    expect(retrieval).not.toMatch(/^ragops_rate_limit_rejections_total\{/m);
    expect(await createMetrics('some-test').registry.metrics()).not.toMatch(/^ragops_errors_total\{/m);
  });

  it('a zero series counts up from 0 like any other', async () => {
    const m = createMetrics('ingest');
    m.ingestFailures.inc({ code: 'UPSTREAM_FAILED' });
    const text = await m.registry.metrics();
    expect(sample(text, 'ragops_ingest_failures_total', { code: 'UPSTREAM_FAILED' })).toBe(1);
    expect(sample(text, 'ragops_ingest_failures_total', { code: 'INTERNAL' })).toBe(0);
  });
});
