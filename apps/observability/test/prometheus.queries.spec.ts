import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { createMetrics, type ServiceMetrics } from '@ragops/telemetry';
import { recordSampleOfEveryMetric } from '../../../libs/telemetry/test/metric-samples.fixture.js';
import { RULE_FILE } from '../src/artifacts.js';
import { promqlExpressions, type PromqlExpression } from '../src/promql.catalogue.js';

/**
 * Every dashboard, variable and rule expression against a real Prometheus (Debian's `prometheus` binary) that
 * scrapes one registry holding a series of every catalogue metric and evaluates the generated rules. This
 * checks the query shapes (joins, grouping, recording-rule names) against what prom-client really exposes;
 * the end-to-end version scrapes the running services instead.
 */
const PROMETHEUS = process.env.PROMETHEUS ?? 'prometheus';
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ragops-prom-'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let metrics: ServiceMetrics;
let target: Server;
let prometheus: ChildProcess;
let api = '';
let log = '';

async function query(q: string): Promise<{ status: string; data?: { result: unknown[] }; error?: string }> {
  const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(q)}`);
  return (await res.json()) as { status: string; data?: { result: unknown[] }; error?: string };
}

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

  // The rules as generated, but every group evaluated each second (the long-window group's 5m interval would
  // leave its series empty for minutes).
  const rules = parse(readFileSync(join(REPO, RULE_FILE), 'utf8'));
  for (const g of rules.groups) delete g.interval;
  writeFileSync(join(dir, 'rules.yaml'), stringify(rules));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(dir, 'rules.yaml')],
      scrape_configs: [{ job_name: 'ragops', static_configs: [{ targets: [`127.0.0.1:${targetPort}`] }] }],
    }),
  );
  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    PROMETHEUS,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout!.on('data', (d) => (log += d));
  prometheus.stderr!.on('data', (d) => (log += d));
  await new Promise<void>((resolve, reject) => {
    prometheus.once('error', (e) => reject(new Error(`cannot run ${PROMETHEUS} (run scripts/ensure-promtool.sh): ${e.message}`)));
    prometheus.once('spawn', () => resolve());
  });
}, 30_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await new Promise<void>((r) => (prometheus && prometheus.exitCode === null ? prometheus.once('exit', () => r()) : r()));
  await new Promise<void>((r) => (target ? target.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

/** Polls until every expression that must return a series does (rates need two scrapes, rules an evaluation). */
async function evaluateAll(expressions: readonly PromqlExpression[], deadlineMs: number) {
  const started = Date.now();
  for (;;) {
    const results = await Promise.all(
      expressions.map(async (e) => {
        try {
          return { e, r: await query(e.query) };
        } catch {
          return { e, r: { status: 'unreachable' } as Awaited<ReturnType<typeof query>> };
        }
      }),
    );
    const pending = results.filter(({ e, r }) => r.status !== 'success' || (e.expectSeries && (r.data?.result.length ?? 0) === 0));
    if (pending.length === 0 || Date.now() - started > deadlineMs) return results;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('dashboard and rule queries against a real Prometheus', () => {
  it('every expression evaluates, and every one that must return a series does', async () => {
    const expressions = promqlExpressions();
    const results = await evaluateAll(expressions, 45_000);
    const problems = results
      .filter(({ e, r }) => r.status !== 'success' || (e.expectSeries && (r.data?.result.length ?? 0) === 0))
      .map(({ e, r }) => `${e.source}: ${r.status === 'success' ? 'no series' : `${r.status} ${r.error ?? ''}`}`);
    if (problems.length > 0 && problems.every((p) => p.includes('unreachable'))) throw new Error(`Prometheus did not answer:\n${log}`);
    expect(problems).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
  }, 60_000);

  it('the SLIs of a healthy, fast gateway are 0 and its burn-rate alerts are silent', async () => {
    const sli = await query('slo:sli_error:ratio_rate5m');
    const values = (sli.data?.result ?? []) as { metric: Record<string, string>; value: [number, string] }[];
    expect(values.map((v) => [v.metric.slo, v.metric.service, Number(v.value[1])]).sort()).toEqual([
      ['availability', 'gateway', 0],
      ['latency', 'gateway', 0],
    ]);
    const alerts = await query('ALERTS{alertname=~"Ragops.+BurnRate.+"}');
    expect(alerts.data?.result).toEqual([]);
  }, 30_000);
});
