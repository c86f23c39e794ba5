/**
 * The load generator, in its own process (spawned by load.runner.ts) so its CPU shows up apart from the
 * benchmark driver's. Runs autocannon (or a paced open-loop schedule) and prints one LoadResult as JSON.
 */
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import type { LatencySummary, LoadResult, LoadSpec } from './load.types.js';
import { quantileSorted } from './stats.math.js';

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  on(event: 'done', listener: (result: AutocannonResult) => void): void;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  latency: { p50: number; p99: number };
}
type Autocannon = (opts: Record<string, unknown>) => AutocannonInstance;

// autocannon is CommonJS without bundled types; require gives it a plain function.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

type Recorder = (status: number, ms: number) => void;

function runAutocannon(spec: LoadSpec, seconds: number, record?: Recorder): Promise<AutocannonResult> {
  return new Promise((resolve) => {
    const instance = autocannon({
      url: spec.url,
      connections: spec.connections,
      duration: seconds,
      ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
      requests: spec.requests.map((r) => ({ ...r, headers: { 'content-type': 'application/json', ...r.headers } })),
      timeout: 10,
    });
    if (record) instance.on('response', (_client, status, _bytes, ms) => record(status, ms));
    instance.on('done', resolve);
  });
}

interface PacedResult {
  durationSec: number;
  errors: number;
  lags: number[];
}

/** One request every 1/rate s on a fixed schedule, whatever the responses do (open loop). */
function runPaced(spec: LoadSpec, seconds: number, agent: Agent, record?: Recorder): Promise<PacedResult> {
  const rate = spec.overallRate;
  if (!rate) throw new Error('paced load needs overallRate');
  const url = new URL(spec.url);
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const bodies = spec.requests.map((r) => (r.body === undefined ? undefined : Buffer.from(r.body)));
  const lags: number[] = [];
  let errors = 0;
  let finished = 0;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const settle = () => {
      if (++finished === total) resolve({ durationSec: (performance.now() - t0) / 1000, errors, lags });
    };
    const send = (i: number, due: number) => {
      const r = spec.requests[i % spec.requests.length]!;
      const body = bodies[i % bodies.length];
      const start = performance.now();
      lags.push(start - due);
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: r.method,
          path: r.path,
          headers: { 'content-type': 'application/json', ...(body ? { 'content-length': body.length } : {}), ...r.headers },
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            record?.(res.statusCode ?? 0, performance.now() - start);
            settle();
          });
        },
      );
      req.on('error', () => {
        errors++;
        settle();
      });
      req.end(body);
    };
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && t0 + next * interval <= now) {
        send(next, t0 + next * interval);
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
    };
    tick();
  });
}

function summarizeLatency(latencies: number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const q = (p: number) => quantileSorted(sorted, p);
  return {
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    p999: q(0.999),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    mean: latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1),
  };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const latencies: number[] = [];
let responses = 0;
const record: Recorder = (status, ms) => {
  responses++;
  if (status >= 200 && status < 300) latencies.push(ms);
};
let out: LoadResult;
if (spec.generator === 'paced') {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  if (spec.warmup > 0) await runPaced(spec, spec.warmup, agent);
  const cpuBefore = process.cpuUsage();
  const result = await runPaced(spec, spec.duration, agent, record);
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();
  const non2xx = responses - latencies.length;
  out = {
    responses,
    ok: latencies.length,
    errors: result.errors + non2xx,
    non2xx,
    timeouts: 0,
    durationSec: result.durationSec,
    achievedRate: latencies.length / result.durationSec,
    latency: summarizeLatency(latencies),
    scheduleLagP99: quantileSorted(Float64Array.from(result.lags).sort(), 0.99),
    generatorCpuSec: (cpu.user + cpu.system) / 1e6,
  };
} else {
  if (spec.warmup > 0) await runAutocannon(spec, spec.warmup);
  const cpuBefore = process.cpuUsage();
  const result = await runAutocannon(spec, spec.duration, record);
  const cpu = process.cpuUsage(cpuBefore);
  out = {
    responses,
    ok: latencies.length,
    errors: result.errors + result.non2xx,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    durationSec: result.duration,
    achievedRate: latencies.length / result.duration,
    latency: summarizeLatency(latencies),
    autocannon: { p50: result.latency.p50, p99: result.latency.p99 },
    generatorCpuSec: (cpu.user + cpu.system) / 1e6,
  };
}
process.stdout.write(JSON.stringify(out));
