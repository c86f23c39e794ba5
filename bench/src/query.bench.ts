/**
 * Query-path latency at fixed request rates, and the throughput ceiling, for the all-in-one process and for
 * distributed mode (five service processes over a private nats-server), both serving the bundled sample corpus
 * with the extractive generator. Load comes from autocannon in its own process. The same-run baseline is
 * GET /healthz on the same gateway: the HTTP floor without any hop.
 *
 *   node bench/dist/query.bench.js [--modes all-in-one,distributed] [--rates 50,200,500] [--duration 10]
 *     [--warmup 3] [--ceiling-connections 10,50] [--connections N] [--retrieval-mode sparse|hybrid|dense]
 *     [--chunk-tokens N]
 *
 * Without --retrieval-mode / --chunk-tokens the services run with their defaults (RETRIEVAL_MODE, CHUNK_MAX_TOKENS unset).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadClient, loadCommands, repoRoot } from './cli.loader.js';
import { summarizeProfile, type CpuProfile } from './cpu.profile.js';
import { probeHops, type HopStats } from './hop.probe.js';
import { runLoad } from './load.runner.js';
import type { LoadResult, LoadSpec } from './load.types.js';
import { formatConditions, markdownTable } from './machine.conditions.js';
import { platformDefaults } from './platform.defaults.js';
import { startAllInOneProcess, startDistributed, type Target, type TargetMode } from './platform.targets.js';
import { cpuSeconds, stopAll } from './process.harness.js';
import { fixed } from './stats.math.js';

const GOAL = { rate: 200, p50: 2, p99: 5 };

const { values: args } = parseArgs({
  options: {
    modes: { type: 'string', default: 'all-in-one,distributed' },
    rates: { type: 'string', default: '50,200,500' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    generators: { type: 'string', default: 'autocannon,paced' },
    'ceiling-connections': { type: 'string', default: '10,50' },
    connections: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'no-hops': { type: 'boolean', default: false },
    'retrieval-mode': { type: 'string' },
    'chunk-tokens': { type: 'string' },
  },
});
const modes = args.modes.split(',') as TargetMode[];
for (const m of modes) if (m !== 'all-in-one' && m !== 'distributed') throw new Error(`--modes: unknown mode ${m}`);
const rates = args.rates.split(',').filter(Boolean).map(Number);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const ceilings = args['ceiling-connections'].split(',').filter(Boolean).map(Number);
const retrievalMode = args['retrieval-mode'];
if (retrievalMode !== undefined && !['sparse', 'hybrid', 'dense'].includes(retrievalMode)) throw new Error(`--retrieval-mode: unknown mode ${retrievalMode}`);
const chunkTokens = args['chunk-tokens'];
const serviceEnv: Record<string, string> = {
  ...(retrievalMode ? { RETRIEVAL_MODE: retrievalMode } : {}),
  ...(chunkTokens ? { CHUNK_MAX_TOKENS: chunkTokens } : {}),
};
const generators = args.generators.split(',') as LoadSpec['generator'][];
for (const g of generators) if (g !== 'autocannon' && g !== 'paced') throw new Error(`--generators: unknown generator ${g}`);
/** Enough connections that each sends at most 50 requests per second (autocannon paces per connection). */
const connectionsFor = (rate: number) => (args.connections ? Number(args.connections) : Math.max(1, Math.ceil(rate / 50)));

const root = fileURLToPath(repoRoot);
/** With --cpu-prof DIR every server process writes a V8 CPU profile there on exit (summarised at the end). */
const profileDir = args['cpu-prof'] ? resolvePath(args['cpu-prof']) : undefined;
const nodeFlags = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
const corpusDir = join(root, 'data/sample-corpus/docs');
const questions = (await readFile(join(root, 'data/sample-corpus/golden-qa.jsonl'), 'utf8'))
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { question: string }).question);

interface Row {
  mode: TargetMode;
  generator: LoadSpec['generator'];
  endpoint: 'GET /healthz' | 'POST /v1/query';
  load: string;
  connections: number;
  result: LoadResult;
  /** CPU seconds per target process during the measured window (and warm-up), by process name. */
  cpu: Record<string, number>;
}

const query: LoadSpec['requests'] = questions.map((q) => ({ method: 'POST', path: '/v1/query', body: JSON.stringify({ query: q }) }));
const healthz: LoadSpec['requests'] = [{ method: 'GET', path: '/healthz' }];

async function measure(target: Target, endpoint: Row['endpoint'], requests: LoadSpec['requests'], generator: LoadSpec['generator'], connections: number, rate?: number): Promise<Row> {
  const before = await Promise.all(target.processes.map((p) => cpuSeconds(p.pid)));
  const result = await runLoad({ url: target.url, generator, connections, duration, warmup, overallRate: rate, requests });
  const after = await Promise.all(target.processes.map((p) => cpuSeconds(p.pid)));
  const cpu: Record<string, number> = {};
  target.processes.forEach((p, i) => (cpu[p.name] = after[i]! - before[i]!));
  const row: Row = { mode: target.mode, generator, endpoint, load: rate ? `${rate} req/s` : `max, ${connections} conns`, connections, result, cpu };
  const l = result.latency;
  console.log(
    `  ${target.mode} ${generator.padEnd(10)} ${endpoint.padEnd(14)} ${row.load.padEnd(14)} achieved ${fixed(result.achievedRate, 0).padStart(5)}/s` +
      `  p50 ${fixed(l.p50)}  p99 ${fixed(l.p99)}  max ${fixed(l.max, 1)} ms  errors ${result.errors}`,
  );
  return row;
}

/** The runs for one endpoint: each generator at each fixed rate, then autocannon unthrottled (the ceiling). */
async function measureEndpoint(target: Target, endpoint: Row['endpoint'], requests: LoadSpec['requests'], ceilingConnections: number[]): Promise<Row[]> {
  const out: Row[] = [];
  for (const generator of generators) {
    // Paced runs keep a few spare sockets: an open loop must never wait for a free connection.
    for (const rate of rates) out.push(await measure(target, endpoint, requests, generator, generator === 'paced' ? connectionsFor(rate) * 4 : connectionsFor(rate), rate));
  }
  for (const c of ceilingConnections) out.push(await measure(target, endpoint, requests, 'autocannon', c));
  return out;
}

console.log(
  formatConditions('Query-path latency: all-in-one vs distributed (NATS)', {
    modes: modes.join(', '),
    corpus: `data/sample-corpus/docs (58 Markdown docs), ingested over POST /v1/documents before loading; CHUNK_MAX_TOKENS ${chunkTokens ? `${chunkTokens} (--chunk-tokens)` : `${platformDefaults.chunkMaxTokens} (the default)`}`,
    requests: `POST /v1/query {"query"} rotating ${questions.length} golden-qa questions (topK ${platformDefaults.topK}, retrieval ${retrievalMode ? `${retrievalMode} (--retrieval-mode)` : `${platformDefaults.retrievalMode} (the default)`}, extractive generator); baseline GET /healthz`,
    rates: `${rates.join(', ')} req/s, ${duration} s each after ${warmup} s warm-up at the same load`,
    autocannon: `overallRate, connections ${args.connections ?? 'ceil(rate / 50)'}; per-connection quota per second, sent back to back (bursts)`,
    paced: 'open loop, one request every 1/rate s (node:http keep-alive, up to 4 × ceil(rate / 50) sockets); latency from request write to response end',
    ceiling: `unthrottled, ${ceilings.join(' and ')} connections, ${duration} s`,
    generator: `${generators.join(' and ')}, in a child process on the same 2 cores (it competes with the server for CPU)`,
    latency: 'exact per-response times of 2xx answers (ms; autocannon: its response events, not its whole-ms histogram)',
    distributed: 'gateway, embedding, retrieval, generation, ingest as separate node processes + private nats-server (JetStream, loopback); VECTOR_STORE=replicated',
    hops: 'gateway → retrieval (→ embedding only for hybrid/dense), gateway → generation',
  }),
);

const rows: Row[] = [];
const hops: HopStats[] = [];
/** pid → process name, to label the CPU profiles. */
const names = new Map<number, string>();
const { GatewayClient } = await loadClient();
const { ingestPath } = await loadCommands();
const started = performance.now();
try {
  for (const mode of modes) {
    const t0 = performance.now();
    const target = mode === 'all-in-one' ? await startAllInOneProcess({ nodeFlags, env: serviceEnv }) : await startDistributed({ nodeFlags, env: serviceEnv, log: console.log });
    try {
      for (const p of target.processes) names.set(p.pid, `${mode} ${p.name}`);
      console.log(`\n${mode}: ready after ${fixed((performance.now() - t0) / 1000, 1)} s (${target.processes.map((p) => `${p.name} pid ${p.pid}`).join(', ')})`);
      const client = new GatewayClient(target.url);
      console.log(`  ingest: ${(await ingestPath(client, corpusDir)).split('\n')[0]}`);
      const probe = await client.query(questions[0]!);
      if (!probe.answer || probe.citations.length === 0) throw new Error(`${mode}: the probe query got no grounded answer: ${JSON.stringify(probe)}`);
      // The HTTP floor gets one ceiling run (the largest connection count); the query path gets all of them.
      rows.push(...(await measureEndpoint(target, 'GET /healthz', healthz, ceilings.slice(-1))));
      rows.push(...(await measureEndpoint(target, 'POST /v1/query', query, ceilings)));
      if (mode === 'distributed' && !args['no-hops']) hops.push(...(await probeHops(target.natsUrl!, target.url, questions[1]!, { gatewayMode: retrievalMode ?? platformDefaults.retrievalMode })));
    } finally {
      await target.stop();
    }
  }
} finally {
  await stopAll();
}

const total = duration + warmup;
console.log('\n## Latency and throughput (ms; achieved = 2xx responses/s)\n');
console.log(
  markdownTable(
    ['mode', 'generator', 'endpoint', 'load', 'conns', 'achieved/s', 'p50', 'p90', 'p99', 'max', 'errors', 'server CPU', 'generator CPU'],
    rows.map((r) => {
      const serverCpu = Object.values(r.cpu).reduce((a, b) => a + b, 0);
      return [
        r.mode,
        r.generator,
        r.endpoint,
        r.load,
        r.connections,
        fixed(r.result.achievedRate, 0),
        fixed(r.result.latency.p50),
        fixed(r.result.latency.p90),
        fixed(r.result.latency.p99),
        fixed(r.result.latency.max, 1),
        r.result.errors,
        `${fixed((serverCpu / total) * 100, 0)} %`,
        `${fixed((r.result.generatorCpuSec / duration) * 100, 0)} %`,
      ];
    }),
  ),
);
console.log(`\nCPU columns: % of one core (200 % = both cores); server CPU spans warm-up + measured window (${total} s), generator CPU the measured window.`);

for (const mode of modes) {
  for (const generator of generators) {
    const at = rows.find((r) => r.mode === mode && r.generator === generator && r.endpoint === 'POST /v1/query' && r.load === `${GOAL.rate} req/s`);
    const floor = rows.find((r) => r.mode === mode && r.generator === generator && r.endpoint === 'GET /healthz' && r.load === `${GOAL.rate} req/s`);
    if (!at) continue;
    const l = at.result.latency;
    const met = l.p50 <= GOAL.p50 && l.p99 <= GOAL.p99 && at.result.errors === 0;
    const byProcess = Object.entries(at.cpu)
      .map(([name, sec]) => `${name} ${fixed((sec / total) * 100, 0)} %`)
      .join(', ');
    console.log(
      `\n${mode}, ${generator}, ${GOAL.rate} req/s: query p50 ${fixed(l.p50)} ms, p99 ${fixed(l.p99)} ms` +
        (floor ? ` (healthz floor p50 ${fixed(floor.result.latency.p50)}, p99 ${fixed(floor.result.latency.p99)}; query − floor at p50 ${fixed(l.p50 - floor.result.latency.p50)} ms)` : '') +
        `; goal p50 ≤ ${GOAL.p50} ms, p99 ≤ ${GOAL.p99} ms: ${met ? 'MET' : 'NOT MET'}${mode === 'distributed' ? '' : ' (the goal is set for distributed mode)'}` +
        `\n  CPU by process: ${byProcess}`,
    );
  }
}
if (hops.length) {
  const gaps = [...new Set(hops.map((h) => h.gapMs))];
  console.log('\n## Distributed query path, one request at a time (ms; 300 samples each)\n');
  console.log(
    markdownTable(
      ['hop', ...gaps.flatMap((g) => [`p50, ${g ? `${g} ms apart` : 'back to back'}`, 'p99'])],
      [...new Set(hops.map((h) => h.hop))].map((hop) => [
        hop,
        ...gaps.flatMap((g) => {
          const h = hops.find((x) => x.hop === hop && x.gapMs === g)!;
          return [fixed(h.p50), fixed(h.p99)];
        }),
      ]),
    ),
  );
}

if (profileDir) {
  console.log(`\n## CPU profiles (whole process lifetime, incl. start-up and ingest) in ${profileDir}\n`);
  for (const file of (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const pid = Number(/\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file)?.[1]);
    const summary = summarizeProfile(JSON.parse(await readFile(join(profileDir, file), 'utf8')) as CpuProfile, 8);
    const busy = summary.byPackage.filter((p) => p.name !== '(idle)');
    console.log(`${names.get(pid) ?? file}: ${busy.map((p) => `${p.name} ${fixed(p.ms, 0)} ms`).join(', ')}`);
    console.log(`  top functions: ${summary.byFunction.filter((f) => !f.name.startsWith('(idle)')).slice(0, 6).map((f) => `${f.name} ${fixed(f.ms, 0)} ms`).join('; ')}`);
  }
}
console.log(`\ntotal wall time ${fixed((performance.now() - started) / 1000, 1)} s`);
