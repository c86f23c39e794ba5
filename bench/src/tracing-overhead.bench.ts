/**
 * What tracing costs on the query path (POST /v1/query) with tracing off, on with every request sampled, and on with
 * 10 % of traces sampled. "On" exports over OTLP/HTTP protobuf with the batch span processor to a collector stand-in in
 * this process that accepts and counts what arrives; `always_on` is the most expensive setting,
 * `parentbased_traceidratio` 0.1 the usual production one. "Off" is the default (no exporter configured).
 *
 * Two methods, both in the same run:
 * - paired (the headline): the three settings run as three platforms at the same time under the same fixed request
 *   rate, so whatever else the machine is doing hits all three alike; each platform's server CPU per query (every
 *   process, nats-server included) gives the cost. On a CPU-bound machine throughput is cores / CPU per query, so the
 *   throughput cost is 1 − CPU(off) / CPU(setting). Latency percentiles are measured under the same conditions.
 *   The warm-up is a load of its own and CPU is counted over the measured window only: for its first several hundred
 *   queries a fresh process still runs its hot paths unoptimised and compiles them (JIT), the traced ones most — here
 *   (all-in-one, 40 req/s) always_on cost about +24 % CPU per query in the first 13 s after start-up against about
 *   +15 % after a 20 s warm-up. A CPU-bound platform is past that within seconds, so it is no part of a throughput
 *   cost; `--paired-warmup 0` measures the cold start instead.
 * - sequential: one platform at a time, the throughput ceiling (autocannon unthrottled) and latency at a fixed rate,
 *   rotating the order per round. Direct, but at the mercy of whatever else runs on a shared machine.
 *
 *   node bench/dist/tracing-overhead.bench.js [--modes distributed,all-in-one] [--rounds 5] [--sequential-rounds 3]
 *     [--duration 10] [--warmup 3] [--paired-warmup 20] [--paired-rate 40] [--connections 10] [--rate 200] [--retrieval-mode hybrid]
 *
 * Needs a build (`node scripts/build.mjs`) and nats-server for distributed mode.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadClient, loadCommands, repoRoot } from './cli.loader.js';
import { runLoad } from './load.runner.js';
import type { LoadResult } from './load.types.js';
import { formatConditions, markdownTable } from './machine.conditions.js';
import { startAllInOneProcess, startDistributed, type Target, type TargetMode } from './platform.targets.js';
import { cpuSeconds, stopAll } from './process.harness.js';
import { fixed, median } from './stats.math.js';

const GOAL_MAX_THROUGHPUT_COST = 0.1;

const { values: args } = parseArgs({
  options: {
    modes: { type: 'string', default: 'distributed,all-in-one' },
    rounds: { type: 'string', default: '5' },
    'sequential-rounds': { type: 'string', default: '3' },
    'paired-rate': { type: 'string', default: '40' },
    'paired-warmup': { type: 'string', default: '20' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    rate: { type: 'string', default: '200' },
    'retrieval-mode': { type: 'string', default: 'hybrid' },
  },
});
const modes = args.modes.split(',') as TargetMode[];
for (const m of modes) if (m !== 'all-in-one' && m !== 'distributed') throw new Error(`--modes: unknown mode ${m}`);
const rounds = Number(args.rounds);
const sequentialRounds = Number(args['sequential-rounds']);
const pairedRate = Number(args['paired-rate']);
const pairedWarmup = Number(args['paired-warmup']);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);
const rate = Number(args.rate);
const retrievalMode = args['retrieval-mode'];

const root = fileURLToPath(repoRoot);
const corpusDir = join(root, 'data/sample-corpus/docs');
const questions = (await readFile(join(root, 'data/sample-corpus/golden-qa.jsonl'), 'utf8'))
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { question: string }).question);
const requests = questions.map((q) => ({ method: 'POST' as const, path: '/v1/query', body: JSON.stringify({ query: q }) }));

/** The collector stand-in: answers every OTLP export with 200 and counts requests and bytes. */
async function startOtlpSink() {
  const stats = { exports: 0, bytes: 0 };
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        stats.exports++;
        stats.bytes += bytes;
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, stats, close: () => new Promise<void>((r) => server.close(() => r())) };
}

type Setting = 'off' | 'on' | 'sampled';
const SETTINGS: Setting[] = ['off', 'on', 'sampled'];

interface PairedRow {
  mode: TargetMode;
  tracing: Setting;
  round: number;
  load: LoadResult;
  /** Server CPU ms per answered query, every process of the platform. */
  cpuMsPerQuery: number;
}

interface Row {
  mode: TargetMode;
  tracing: Setting;
  round: number;
  ceiling: LoadResult;
  paced: LoadResult;
  /** Server CPU ms per answered query in the ceiling run (all processes). */
  cpuMsPerQuery: number;
  /** OTLP exports received, and bytes per answered query, during the two measured loads (0 when off). */
  exports: number;
  bytesPerQuery: number;
}

const sink = await startOtlpSink();
const traced = (setting: Setting): Record<string, string> => ({
  RETRIEVAL_MODE: retrievalMode,
  // Every distributed service serves /metrics; on one machine each needs its own port.
  METRICS_PORT: '0',
  ...(setting === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'always_on' } : {}),
  ...(setting === 'sampled' ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' } : {}),
});

console.log(
  formatConditions('Tracing overhead on the query path (off vs on vs sampled, same run)', {
    modes: modes.join(', '),
    paired: `${rounds} rounds: off, on and sampled platforms running at once, each loaded at ${pairedRate} req/s (autocannon, 2 connections), ${duration} s after a ${pairedWarmup} s warm-up load; server CPU per query from /proc over the ${duration} s only`,
    sequential: `${sequentialRounds} rounds, order rotating (off→on→sampled, on→sampled→off, …); a fresh platform per measurement`,
    corpus: 'data/sample-corpus/docs (58 Markdown docs) ingested over POST /v1/documents before loading',
    requests: `POST /v1/query rotating ${questions.length} golden-qa questions, RETRIEVAL_MODE=${retrievalMode} (every hop: gateway → retrieval → embedding, gateway → generation), extractive generator`,
    ceiling: `autocannon unthrottled, ${connections} connections, ${duration} s after ${warmup} s warm-up`,
    latency: `autocannon at ${rate} req/s overall (${Math.ceil(rate / 50)} connections), ${duration} s after ${warmup} s warm-up; exact per-response times of 2xx answers`,
    'tracing on': 'OTEL_EXPORTER_OTLP_ENDPOINT → an in-process OTLP/HTTP sink (protobuf, batch span processor), OTEL_TRACES_SAMPLER=always_on: every request traced and exported',
    sampled: 'the same, OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=0.1: 1 trace in 10 recorded, context still propagated',
    'tracing off': 'no OTEL_* variable: the SDK is not loaded, adapters are not wrapped',
  }),
);

const delta = (value: number, off: number) => `${value >= off ? '+' : ''}${fixed(((value - off) / off) * 100, 1)} %`;
const rows: Row[] = [];
const paired: PairedRow[] = [];
const { GatewayClient } = await loadClient();
const { ingestPath } = await loadCommands();
const started = performance.now();

async function startTarget(mode: TargetMode, setting: Setting): Promise<Target> {
  const env = traced(setting);
  const target = mode === 'all-in-one' ? await startAllInOneProcess({ env }) : await startDistributed({ env });
  try {
    const client = new GatewayClient(target.url);
    await ingestPath(client, corpusDir);
    if (!(await client.query(questions[0]!)).answer) throw new Error(`${mode}: the probe query got no answer`);
    return target;
  } catch (e) {
    await target.stop();
    throw e;
  }
}

/** `seconds` of the paired load on one platform, all of it measured: the warm-up is a load of its own. */
const pairedLoad = (t: Target, seconds: number) =>
  runLoad({ url: t.url, generator: 'autocannon', connections: 2, duration: seconds, warmup: 0, overallRate: pairedRate, requests });

console.log('\n## Paired: the three settings side by side, same load, same time\n');
try {
  for (const mode of modes) {
    for (let round = 1; round <= rounds; round++) {
      const order = SETTINGS.map((_, i) => SETTINGS[(i + round - 1) % SETTINGS.length]!);
      const targets: [Setting, Target][] = [];
      try {
        for (const setting of order) targets.push([setting, await startTarget(mode, setting)]);
        if (pairedWarmup > 0) await Promise.all(targets.map(([, t]) => pairedLoad(t, pairedWarmup)));
        const before = await Promise.all(targets.map(([, t]) => Promise.all(t.processes.map((p) => cpuSeconds(p.pid)))));
        const results = await Promise.all(targets.map(([, t]) => pairedLoad(t, duration)));
        const after = await Promise.all(targets.map(([, t]) => Promise.all(t.processes.map((p) => cpuSeconds(p.pid)))));
        targets.forEach(([setting], i) => {
          const cpuSec = after[i]!.reduce((sum, a, j) => sum + a - before[i]![j]!, 0);
          const load = results[i]!;
          const row: PairedRow = { mode, tracing: setting, round, load, cpuMsPerQuery: (cpuSec * 1000) / load.ok };
          paired.push(row);
          console.log(
            `  ${mode} round ${round} tracing ${setting.padEnd(7)}  ${fixed(load.achievedRate, 0)}/s  p50 ${fixed(load.latency.p50)} p99 ${fixed(load.latency.p99)} ms` +
              `  CPU ${fixed(row.cpuMsPerQuery)} ms/query  errors ${load.errors}`,
          );
        });
      } finally {
        await Promise.all(targets.map(([, t]) => t.stop()));
      }
    }
  }
} finally {
  await stopAll();
}

console.log('\n## Sequential: one platform at a time\n');
try {
  for (const mode of modes) {
    for (let round = 1; round <= sequentialRounds; round++) {
      const order = SETTINGS.map((_, i) => SETTINGS[(i + round - 1) % SETTINGS.length]!);
      for (const setting of order) {
        const target = await startTarget(mode, setting);
        try {
          const exportsBefore = { ...sink.stats };
          const cpuBefore = await Promise.all(target.processes.map((p) => cpuSeconds(p.pid)));
          const ceiling = await runLoad({ url: target.url, generator: 'autocannon', connections, duration, warmup, requests });
          const cpuAfter = await Promise.all(target.processes.map((p) => cpuSeconds(p.pid)));
          const paced = await runLoad({ url: target.url, generator: 'autocannon', connections: Math.ceil(rate / 50), duration, warmup, overallRate: rate, requests });
          const cpuSec = cpuAfter.reduce((sum, after, i) => sum + after - cpuBefore[i]!, 0);
          const answered = ceiling.ok + paced.ok;
          const row: Row = {
            mode,
            tracing: setting,
            round,
            ceiling,
            paced,
            // CPU spans warm-up and measured window of the ceiling run, so divide by the requests answered in both.
            cpuMsPerQuery: (cpuSec * 1000) / (ceiling.achievedRate * (duration + warmup)),
            exports: sink.stats.exports - exportsBefore.exports,
            bytesPerQuery: answered ? (sink.stats.bytes - exportsBefore.bytes) / answered : 0,
          };
          rows.push(row);
          console.log(
            `  ${mode} round ${round} tracing ${setting.padEnd(7)}  ceiling ${fixed(ceiling.achievedRate, 0).padStart(5)}/s p99 ${fixed(ceiling.latency.p99)} ms` +
              `  @${rate}/s p50 ${fixed(paced.latency.p50)} p99 ${fixed(paced.latency.p99)} ms  CPU ${fixed(row.cpuMsPerQuery)} ms/query` +
              `  errors ${ceiling.errors + paced.errors}  OTLP exports ${row.exports} (${fixed(row.bytesPerQuery, 0)} B/query)`,
          );
        } finally {
          await target.stop();
        }
      }
    }
  }
} finally {
  await stopAll();
  await sink.close();
}

console.log('\n## Paired medians (the headline)\n');
const pickPaired = (mode: TargetMode, setting: Setting, f: (r: PairedRow) => number) => median(paired.filter((r) => r.mode === mode && r.tracing === setting).map(f));
console.log(
  markdownTable(
    ['mode', 'tracing', 'CPU ms/query', 'Δ vs off', 'throughput cost (CPU-bound)', `p50 @${pairedRate}/s`, `p99 @${pairedRate}/s`, 'errors'],
    modes.flatMap((mode) =>
      SETTINGS.map((setting) => {
        const cpu = pickPaired(mode, setting, (r) => r.cpuMsPerQuery);
        const off = pickPaired(mode, 'off', (r) => r.cpuMsPerQuery);
        return [
          mode,
          setting,
          fixed(cpu),
          setting === 'off' ? '' : delta(cpu, off),
          setting === 'off' ? '' : `${fixed((1 - off / cpu) * 100, 1)} %`,
          fixed(pickPaired(mode, setting, (r) => r.load.latency.p50)),
          fixed(pickPaired(mode, setting, (r) => r.load.latency.p99)),
          paired.filter((r) => r.mode === mode && r.tracing === setting).reduce((n, r) => n + r.load.errors, 0),
        ];
      }),
    ),
  ),
);
for (const mode of modes) {
  for (const setting of ['on', 'sampled'] as const) {
    const cost = 1 - pickPaired(mode, 'off', (r) => r.cpuMsPerQuery) / pickPaired(mode, setting, (r) => r.cpuMsPerQuery);
    console.log(`${mode}, tracing ${setting}: ${fixed(cost * 100, 1)} % of CPU-bound query throughput (goal ≤ ${GOAL_MAX_THROUGHPUT_COST * 100} %): ${cost <= GOAL_MAX_THROUGHPUT_COST ? 'MET' : 'NOT MET'}`);
  }
}

// --sequential-rounds 0: the paired measurement only.
if (sequentialRounds > 0) {
  console.log('\n## Sequential, every measurement\n');
  console.log(
    markdownTable(
      ['mode', 'round', 'tracing', 'ceiling/s', 'ceiling p50', 'ceiling p99', `p50 @${rate}/s`, `p99 @${rate}/s`, 'CPU ms/query', 'errors', 'OTLP B/query'],
      rows.map((r) => [
        r.mode,
        r.round,
        r.tracing,
        fixed(r.ceiling.achievedRate, 0),
        fixed(r.ceiling.latency.p50),
        fixed(r.ceiling.latency.p99),
        fixed(r.paced.latency.p50),
        fixed(r.paced.latency.p99),
        fixed(r.cpuMsPerQuery),
        r.ceiling.errors + r.paced.errors,
        fixed(r.bytesPerQuery, 0),
      ]),
    ),
  );

  console.log('\n## Sequential medians over rounds, each setting against off\n');
  const pick = (mode: TargetMode, setting: Setting, f: (r: Row) => number) => median(rows.filter((r) => r.mode === mode && r.tracing === setting).map(f));
  const metrics: [string, (r: Row) => number, number][] = [
    ['ceiling/s', (r) => r.ceiling.achievedRate, 0],
    ['ceiling p99 ms', (r) => r.ceiling.latency.p99, 2],
    [`p50 @${rate}/s ms`, (r) => r.paced.latency.p50, 2],
    [`p99 @${rate}/s ms`, (r) => r.paced.latency.p99, 2],
    ['CPU ms/query', (r) => r.cpuMsPerQuery, 2],
  ];
  console.log(
    markdownTable(
      ['mode', 'tracing', ...metrics.flatMap(([name]) => [name, 'Δ vs off'])],
      modes.flatMap((mode) =>
        SETTINGS.map((setting) => [
          mode,
          setting,
          ...metrics.flatMap(([, f, digits]) => {
            const value = pick(mode, setting, f);
            return [fixed(value, digits), setting === 'off' ? '' : delta(value, pick(mode, 'off', f))];
          }),
        ]),
      ),
    ),
  );
  for (const mode of modes) {
    for (const setting of ['on', 'sampled'] as const) {
      const cost = 1 - pick(mode, setting, (r) => r.ceiling.achievedRate) / pick(mode, 'off', (r) => r.ceiling.achievedRate);
      console.log(`${mode}, tracing ${setting}: the ceiling drops ${fixed(cost * 100, 1)} % (sequential runs; noisy on a shared machine)`);
    }
  }
}
console.log(`\ntotal wall time ${fixed((performance.now() - started) / 1000, 1)} s`);
