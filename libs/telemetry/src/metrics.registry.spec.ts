import { describe, expect, it } from '@jest/globals';
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
});
