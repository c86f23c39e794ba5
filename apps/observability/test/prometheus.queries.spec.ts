import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { createMetrics, type ServiceMetrics } from '@ragops/telemetry';
import { recordSampleOfEveryMetric } from '../../../libs/telemetry/test/metric-samples.fixture.js';
import { promqlExpressions } from '../src/promql.catalogue.js';
import { evaluateAll, freePort, type PrometheusHandle, problemOf, startPrometheus } from './prometheus.harness.js';

/**
 * Every dashboard, variable and rule expression against a real Prometheus (Debian's `prometheus` binary) that
 * scrapes one registry holding a series of every catalogue metric and evaluates the generated rules. This
 * checks the query shapes (joins, grouping, recording-rule names) against what prom-client really exposes;
 * the end-to-end version (apps/cli/test/prometheus.services.spec.ts) scrapes the running services instead.
 */
let metrics: ServiceMetrics;
let target: Server;
let prometheus: PrometheusHandle;

beforeAll(async () => {
  metrics = createMetrics('gateway');
  // Enough picks that every enum value of every label is recorded at least once (error codes are the longest).
  for (let pick = 0; pick < 17; pick++) recordSampleOfEveryMetric(metrics, pick, 0.01 * (pick + 1));
  target = createServer((_req, res) => {
    recordSampleOfEveryMetric(metrics, 0, 0.2); // counters move between scrapes
    void metrics.registry.metrics().then((body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body));
  });
  const targetPort = await freePort();
  await new Promise<void>((r) => target.listen(targetPort, '127.0.0.1', r));
  prometheus = await startPrometheus([{ job: 'ragops', address: `127.0.0.1:${targetPort}` }]);
}, 30_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise<void>((r) => (target ? target.close(() => r()) : r()));
});

describe('dashboard and rule queries against a real Prometheus', () => {
  it('every expression evaluates, and every one that must return a series does', async () => {
    const expressions = promqlExpressions();
    const results = await evaluateAll(prometheus, expressions, 45_000);
    const problems = results.flatMap((x) => {
      const problem = problemOf(x);
      return problem ? [`${x.e.source}: ${problem}`] : [];
    });
    if (problems.length > 0 && problems.every((p) => p.includes('unreachable'))) throw new Error(`Prometheus did not answer:\n${prometheus.log()}`);
    expect(problems).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
  }, 60_000);

  it('the SLIs of a healthy, fast gateway are 0 and its burn-rate alerts are silent', async () => {
    const sli = await prometheus.query('slo:sli_error:ratio_rate5m');
    const values = (sli.data?.result ?? []) as { metric: Record<string, string>; value: [number, string] }[];
    expect(values.map((v) => [v.metric.slo, v.metric.service, Number(v.value[1])]).sort()).toEqual([
      ['availability', 'gateway', 0],
      ['latency', 'gateway', 0],
    ]);
    const alerts = await prometheus.query('ALERTS{alertname=~"Ragops.+BurnRate.+"}');
    expect(alerts.data?.result).toEqual([]);
  }, 30_000);
});
