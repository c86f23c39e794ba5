import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { RULE_FILE } from '../src/artifacts.js';
import type { PromqlExpression } from '../src/promql.catalogue.js';

/**
 * A private Prometheus for integration suites: Debian's `prometheus` binary (scripts/ensure-promtool.sh installs it;
 * PROMETHEUS / PROMTOOL override the paths) on a free loopback port with a throwaway TSDB, scraping the given targets
 * every second and evaluating the repository's generated rules every second.
 */
const PROMETHEUS = process.env.PROMETHEUS ?? 'prometheus';
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface QueryResponse {
  status: string;
  data?: { resultType?: string; result: unknown[] };
  error?: string;
}

export interface ScrapeTarget {
  /** The `job` label; several targets may share one. */
  job: string;
  /** host:port of the /metrics endpoint. */
  address: string;
}

export interface PrometheusHandle {
  /** Base URL of its HTTP API. */
  api: string;
  query(q: string): Promise<QueryResponse>;
  /** Everything it printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts Prometheus; resolves once the process runs (its API answers a moment later; callers poll). */
export async function startPrometheus(targets: readonly ScrapeTarget[]): Promise<PrometheusHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'ragops-prom-'));
  // The rules as generated, but every group evaluated each second (the long-window group's 5m interval would
  // leave its series empty for minutes).
  const rules = parse(readFileSync(join(REPO, RULE_FILE), 'utf8'));
  for (const g of rules.groups) delete g.interval;
  writeFileSync(join(dir, 'rules.yaml'), stringify(rules));
  const jobs = [...new Set(targets.map((t) => t.job))];
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(dir, 'rules.yaml')],
      scrape_configs: jobs.map((job) => ({ job_name: job, static_configs: [{ targets: targets.filter((t) => t.job === job).map((t) => t.address) }] })),
    }),
  );
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  await new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot run ${PROMETHEUS} (run scripts/ensure-promtool.sh): ${e.message}`)));
    child.once('spawn', () => resolve());
  });
  return {
    api,
    async query(q) {
      const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(q)}`);
      return (await res.json()) as QueryResponse;
    },
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Evaluated {
  e: PromqlExpression;
  r: QueryResponse;
}

/** What is wrong with one result: it failed, or it must return a series and returned none. */
export function problemOf({ e, r }: Evaluated): string | undefined {
  if (r.status !== 'success') return `${r.status} ${r.error ?? ''}`.trim();
  if (e.expectSeries && (r.data?.result.length ?? 0) === 0) return 'no series';
  return undefined;
}

/** Polls until every expression evaluates and every one that must return a series does (rates need two scrapes, rules an evaluation). */
export async function evaluateAll(prometheus: Pick<PrometheusHandle, 'query'>, expressions: readonly PromqlExpression[], deadlineMs: number): Promise<Evaluated[]> {
  const started = Date.now();
  for (;;) {
    const results = await Promise.all(
      expressions.map(async (e): Promise<Evaluated> => {
        try {
          return { e, r: await prometheus.query(e.query) };
        } catch {
          return { e, r: { status: 'unreachable' } };
        }
      }),
    );
    if (results.every((x) => problemOf(x) === undefined) || Date.now() - started > deadlineMs) return results;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** `promtool check metrics` on an exposition: exit status and what it printed (empty when it has no complaint). */
export function promtoolCheckMetrics(exposition: string): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${PROMTOOL} (run scripts/ensure-promtool.sh): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}
