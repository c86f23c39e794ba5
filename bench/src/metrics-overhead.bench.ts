/**
 * What the metrics weigh and cost:
 *
 * 1. Scrapes: after ingesting the sample corpus and answering every golden-qa question a few times (so histograms
 *    and per-variant series exist), GET /metrics of each service N times in a row — distributed mode (each service
 *    its own process, its own /metrics) and the all-in-one process (one combined /metrics on the gateway): response
 *    bytes, series (sample lines) and median / p95 scrape time as a client sees it.
 * 2. Query path with the instrumentation on vs off, in one process and the same run, rounds rotating the order: the
 *    all-in-one composition (every service on the in-process bus, built by the platform's factories) with every
 *    service's registry and metered adapter, its combined /metrics scraped every second during the load ("on"), or
 *    with none of it ("off": factories given no registry, no RPC interceptor, no scrapes; the gateway keeps the HTTP
 *    hooks it always has). On a shared 2-core machine this end-to-end comparison is only as good as the machine is
 *    quiet, so:
 * 3. The instrumentation's own work per query, timed directly: the metered decorators and interceptors of one hybrid
 *    query (gateway, retrieval with 5 hits, embedding with a cache lookup, generation, three RPC messages) around
 *    ports that answer at once, repeated in a tight loop; the best of several repetitions, so other processes on the
 *    machine inflate it as little as possible. Also the time to render each registry's exposition.
 * 4. CPU per query, interleaved: both compositions (on and off) in this process at once, warmed, then alternating
 *    blocks of sequential queries against one and the other, so drift on the machine hits both alike; process CPU time
 *    per query per block, median over blocks.
 *
 *   node bench/dist/metrics-overhead.bench.js [--scrapes 50] [--rounds 3] [--duration 10] [--warmup 3]
 *     [--connections 10] [--rate 200] [--scrape-every 1] [--blocks 12] [--skip-scrapes] [--skip-load] [--skip-direct]
 *     [--skip-interleaved]
 *
 * Needs a build (`node scripts/build.mjs`) and nats-server for distributed mode.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { systemClock } from '@ragops/contracts';
import { EmbeddingModule } from '@ragops/embedding';
import { createGatewayApp, loadGatewayConfig } from '@ragops/gateway';
import { GenerationModule } from '@ragops/generation';
import { IngestModule } from '@ragops/ingest';
import { InProcessBus, MemoryJobQueue, MemoryJobStore, RemoteGenerator, RemoteSearcher } from '@ragops/messaging';
import {
  buildIngestRunner,
  buildSearcher,
  CacheEnv,
  createAnswerGenerator,
  createCache,
  createEmbedder,
  createIndexingParts,
  createRpcClient,
  EmbeddingProviderEnv,
  IndexingEnv,
  LlmEnv,
  meterIngestQueue,
  startMicroservice,
  type ServiceTransport,
} from '@ragops/platform';
import { RetrievalModule } from '@ragops/retrieval';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { type ChunkHit, defaultVariant, type RequestContext } from '@ragops/contracts';
import { RpcMetricsInterceptor } from '@ragops/platform';
import { cacheLookupCounter, createLogger, createMetrics, MeteredEmbedder, MeteredGenerator, MeteredSearcher, RerankMeter } from '@ragops/telemetry';
import { lastValueFrom, of } from 'rxjs';
import { MemoryVectorStore } from '@ragops/vector-store';
import { loadClient, loadCommands, repoRoot } from './cli.loader.js';
import { runLoad } from './load.runner.js';
import type { LoadResult } from './load.types.js';
import { formatConditions, markdownTable } from './machine.conditions.js';
import { startAllInOneProcess, startDistributed, type Target } from './platform.targets.js';
import { freePort, stopAll } from './process.harness.js';
import { fixed, median, quantile } from './stats.math.js';

const { values: args } = parseArgs({
  options: {
    scrapes: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    rate: { type: 'string', default: '200' },
    'skip-scrapes': { type: 'boolean', default: false },
    'skip-load': { type: 'boolean', default: false },
    'skip-direct': { type: 'boolean', default: false },
    'skip-interleaved': { type: 'boolean', default: false },
    /** Load measurements of one setting only (on or off), e.g. to profile it with `node --cpu-prof`. */
    only: { type: 'string' },
    blocks: { type: 'string', default: '12' },
    /** Seconds between scrapes of /metrics during the "on" loads; 0: none. */
    'scrape-every': { type: 'string', default: '1' },
  },
});
const scrapes = Number(args.scrapes);
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);
const rate = Number(args.rate);
const scrapeEvery = Number(args['scrape-every']);

const root = fileURLToPath(repoRoot);
const corpusDir = join(root, 'data/sample-corpus/docs');
const questions = (await readFile(join(root, 'data/sample-corpus/golden-qa.jsonl'), 'utf8'))
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { question: string }).question);
const requests = questions.map((q) => ({ method: 'POST' as const, path: '/v1/query', body: JSON.stringify({ query: q }) }));
// Every hop: gateway → retrieval → embedding, gateway → generation.
const ENV = { RETRIEVAL_MODE: 'hybrid' };

console.log(
  formatConditions('Metrics: /metrics size and scrape time per service; query path with instrumentation on vs off', {
    corpus: 'data/sample-corpus/docs (58 Markdown docs) ingested over POST /v1/documents, then every golden-qa question answered 3 times',
    scrapes: `${scrapes} sequential GET /metrics per service over one keep-alive connection, after one unmeasured GET`,
    load: `POST /v1/query rotating ${questions.length} golden-qa questions, RETRIEVAL_MODE=hybrid, local embedder, extractive generator`,
    ceiling: `autocannon unthrottled, ${connections} connections, ${duration} s after ${warmup} s warm-up`,
    latency: `autocannon at ${rate} req/s overall, ${duration} s after ${warmup} s warm-up; exact per-response times of 2xx answers`,
    rounds: `${rounds}, order rotating (on→off, off→on, …); a fresh in-process platform per measurement`,
    'metrics on': `every service's registry and metered adapters; /metrics scraped ${scrapeEvery > 0 ? `every ${scrapeEvery} s` : 'never'} during the loads`,
  }),
);

const { GatewayClient } = await loadClient();
const { ingestPath } = await loadCommands();

/** Ingests the corpus and answers every question `times` times, so every series a query touches exists. */
async function warm(url: string, times = 3): Promise<void> {
  const client = new GatewayClient(url);
  await ingestPath(client, corpusDir);
  for (let i = 0; i < times; i++) for (const q of questions) await client.query(q);
}

interface ScrapeRow {
  mode: string;
  service: string;
  bytes: number;
  series: number;
  families: number;
  p50: number;
  p95: number;
}

async function measureScrapes(mode: string, service: string, url: string): Promise<ScrapeRow> {
  const times: number[] = [];
  let text = await (await fetch(`${url}/metrics`)).text();
  for (let i = 0; i < scrapes; i++) {
    const t = performance.now();
    const res = await fetch(`${url}/metrics`);
    text = await res.text();
    times.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`${mode} ${service}: /metrics answered ${res.status}`);
  }
  return {
    mode,
    service,
    bytes: Buffer.byteLength(text),
    series: text.split('\n').filter((l) => l && !l.startsWith('#')).length,
    families: (text.match(/^# TYPE /gm) ?? []).length,
    p50: median(times),
    p95: quantile(times, 0.95),
  };
}

const scrapeRows: ScrapeRow[] = [];
if (!args['skip-scrapes']) {
  const services = ['embedding', 'retrieval', 'generation', 'ingest'] as const;
  const ports = Object.fromEntries(await Promise.all(services.map(async (s) => [s, await freePort()] as const))) as Record<(typeof services)[number], number>;
  const distributed: Target = await startDistributed({ env: ENV, serviceEnv: Object.fromEntries(services.map((s) => [s, { METRICS_PORT: String(ports[s]) }])) });
  try {
    await warm(distributed.url);
    scrapeRows.push(await measureScrapes('distributed', 'gateway', distributed.url));
    for (const s of services) scrapeRows.push(await measureScrapes('distributed', s, `http://127.0.0.1:${ports[s]}`));
  } finally {
    await distributed.stop();
  }
  // INTERACTIONS=off: the all-in-one's online evaluation (its own /metrics listener) is not part of this measurement.
  const allInOne = await startAllInOneProcess({ env: { ...ENV, INTERACTIONS: 'off' } });
  try {
    await warm(allInOne.url);
    scrapeRows.push(await measureScrapes('all-in-one', 'gateway (every service)', allInOne.url));
  } finally {
    await allInOne.stop();
  }
  console.log('\n## /metrics per service\n');
  console.log(
    markdownTable(
      ['mode', 'service', 'bytes', 'series', 'families', 'scrape p50 ms', 'scrape p95 ms'],
      scrapeRows.map((r) => [r.mode, r.service, r.bytes, r.series, r.families, fixed(r.p50), fixed(r.p95)]),
    ),
  );
}

/** The all-in-one composition in this process, metered as in production or not at all. */
async function startComposed(metered: boolean) {
  const indexing = IndexingEnv.extend(EmbeddingProviderEnv.shape).parse({});
  const bus = new InProcessBus();
  const transport: ServiceTransport = { kind: 'in-process', bus };
  const m = metered
    ? { embedding: createMetrics('embedding'), retrieval: createMetrics('retrieval'), generation: createMetrics('generation'), ingest: createMetrics('ingest') }
    : undefined;
  const parts = createIndexingParts(indexing);
  const cache = await createCache(CacheEnv.parse({}));
  const embedder = await createEmbedder(indexing, { cache, ...(m ? { metrics: m.embedding } : {}) });
  const store = new MemoryVectorStore();
  const queue = new MemoryJobQueue({ clock: systemClock });
  const jobs = new MemoryJobStore({ clock: systemClock });
  const client = await createRpcClient(transport, 'bench', systemClock);
  const apps = [
    await startMicroservice(EmbeddingModule.register({ embedder }), 'embedding', transport, undefined, m?.embedding),
    await startMicroservice(RetrievalModule.register({ searcher: buildSearcher(parts, store, client.rpc, systemClock, {}, m?.retrieval) }), 'retrieval', transport, undefined, m?.retrieval),
    await startMicroservice(GenerationModule.register({ generator: createAnswerGenerator(LlmEnv.parse({}), m ? { metrics: m.generation } : {}) }), 'generation', transport, undefined, m?.generation),
  ];
  const runner = buildIngestRunner(parts, store, client.rpc, jobs, systemClock, { batchTimeoutMs: 60_000, maxAttempts: 5, ...(m ? { metrics: m.ingest } : {}) });
  const metering = m ? meterIngestQueue(queue, m.ingest, { stream: 'RAGOPS_INGEST', clock: systemClock }) : undefined;
  apps.push(await startMicroservice(IngestModule.register({ queue: metering?.queue ?? queue, runner }), 'ingest', transport, undefined, m?.ingest));
  const gatewayMetrics = createMetrics('gateway', m ? { include: Object.values(m).map((x) => x.registry) } : {});
  const gateway = await createGatewayApp(
    {
      searcher: new RemoteSearcher(client.rpc),
      generator: new RemoteGenerator(client.rpc),
      queue,
      jobs,
      clock: systemClock,
      metrics: gatewayMetrics,
      logger: createLogger({ service: 'gateway', level: 'silent' }),
      readiness: async () => ({ ready: true, dependencies: {} }),
    },
    loadGatewayConfig({ ...ENV, LOG_LEVEL: 'silent', INTERACTIONS: 'off' }),
  );
  await gateway.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(gateway.getHttpServer().address() as AddressInfo).port}`;
  return {
    url,
    async close() {
      await gateway.close();
      for (const app of apps.reverse()) await app.close();
      metering?.stop();
      queue.close();
      await client.close();
      await store.close();
    },
  };
}

type Setting = 'on' | 'off';
interface LoadRow {
  setting: Setting;
  round: number;
  ceiling: LoadResult;
  paced: LoadResult;
  cpuMsPerQuery: number;
  scrapes: number;
}

const loadRows: LoadRow[] = [];
if (!args['skip-load']) {
  for (let round = 1; round <= rounds; round++) {
    const order: Setting[] = round % 2 === 1 ? ['on', 'off'] : ['off', 'on'];
    for (const setting of order.filter((x) => args.only === undefined || x === args.only)) {
      const platform = await startComposed(setting === 'on');
      let scraped = 0;
      // As an aggressive Prometheus would (every second by default, rather than every 15 s), while the load runs.
      const scraper =
        setting === 'on' && scrapeEvery > 0
          ? setInterval(() => {
              void fetch(`${platform.url}/metrics`)
                .then((r) => r.text())
                .then(() => scraped++);
            }, scrapeEvery * 1000)
          : undefined;
      try {
        await warm(platform.url, 1);
        const cpu0 = process.cpuUsage();
        const ceiling = await runLoad({ url: platform.url, generator: 'autocannon', connections, duration, warmup, requests });
        const cpu = process.cpuUsage(cpu0);
        const paced = await runLoad({ url: platform.url, generator: 'autocannon', connections: Math.ceil(rate / 50), duration, warmup, overallRate: rate, requests });
        const row: LoadRow = {
          setting,
          round,
          ceiling,
          paced,
          // CPU covers warm-up and measured window of the ceiling run.
          cpuMsPerQuery: (cpu.user + cpu.system) / 1000 / (ceiling.achievedRate * (duration + warmup)),
          scrapes: scraped,
        };
        loadRows.push(row);
        console.log(
          `  round ${round} metrics ${setting.padEnd(3)}  ceiling ${fixed(ceiling.achievedRate, 0).padStart(5)}/s p99 ${fixed(ceiling.latency.p99)} ms` +
            `  @${rate}/s p50 ${fixed(paced.latency.p50)} p99 ${fixed(paced.latency.p99)} ms  CPU ${fixed(row.cpuMsPerQuery)} ms/query  errors ${ceiling.errors + paced.errors}  scrapes ${scraped}`,
        );
      } finally {
        if (scraper) clearInterval(scraper);
        await platform.close();
      }
    }
  }
  console.log('\n## Every measurement\n');
  console.log(
    markdownTable(
      ['round', 'metrics', 'ceiling/s', 'ceiling p99', `p50 @${rate}/s`, `p99 @${rate}/s`, 'CPU ms/query', 'errors', 'scrapes'],
      loadRows.map((r) => [
        r.round,
        r.setting,
        fixed(r.ceiling.achievedRate, 0),
        fixed(r.ceiling.latency.p99),
        fixed(r.paced.latency.p50),
        fixed(r.paced.latency.p99),
        fixed(r.cpuMsPerQuery),
        r.ceiling.errors + r.paced.errors,
        r.scrapes,
      ]),
    ),
  );
  const pick = (setting: Setting, f: (r: LoadRow) => number) => median(loadRows.filter((r) => r.setting === setting).map(f));
  const measures: [string, (r: LoadRow) => number, number][] = [
    ['ceiling/s', (r) => r.ceiling.achievedRate, 0],
    ['ceiling p99 ms', (r) => r.ceiling.latency.p99, 2],
    [`p50 @${rate}/s ms`, (r) => r.paced.latency.p50, 2],
    [`p99 @${rate}/s ms`, (r) => r.paced.latency.p99, 2],
    ['CPU ms/query', (r) => r.cpuMsPerQuery, 3],
  ];
  console.log('\n## Medians over rounds, on against off\n');
  console.log(
    markdownTable(
      ['measure', 'off', 'on', 'Δ'],
      measures.map(([name, f, digits]) => {
        const off = pick('off', f);
        const on = pick('on', f);
        return [name, fixed(off, digits), fixed(on, digits), `${on >= off ? '+' : ''}${fixed(((on - off) / off) * 100, 1)} %`];
      }),
    ),
  );
}
if (!args['skip-direct']) {
  const gw = createMetrics('gateway');
  const emb = createMetrics('embedding');
  const ret = createMetrics('retrieval');
  const gen = createMetrics('generation');
  const ctx: RequestContext = { requestId: 'r', tenant: 'acme', deadline: Date.now() + 3_600_000, variant: { ...defaultVariant, retrieval: { ...defaultVariant.retrieval, mode: 'hybrid' } } };
  const hits: ChunkHit[] = [0.033, 0.032, 0.031, 0.016, 0.015].map((score, i) => ({ chunkId: `d${i}#0`, docId: `d${i}`, score, text: `passage ${i}` }));
  const rerank = new RerankMeter(ret);
  const searcher = new MeteredSearcher({ search: async () => ({ index: 'default', hits, timings: { embedMs: 0.4, searchMs: 0.6 } }) }, ret, rerank);
  const embedder = new MeteredEmbedder({ model: 'm', dimensions: 1, embed: async () => [[1]] }, emb);
  const lookups = cacheLookupCounter(emb, 'embedding');
  const reply = { answer: 'a', citations: [], model: 'extractive', usage: { promptTokens: 0, completionTokens: 0 }, finishReason: 'stop' as const, droppedChunks: 0 };
  const generator = new MeteredGenerator({ generate: async () => reply }, gen, 'extractive');
  const rpc = { getType: () => 'rpc' } as unknown as ExecutionContext;
  const handler: CallHandler = { handle: () => of(1) };
  const interceptors = [emb, ret, gen].map((m) => new RpcMetricsInterceptor(m));
  const variant = { variant: 'default', operation: 'query' as const, outcome: 'success' as const };
  /** One hybrid query's metric work in every service (the Fastify hooks' calls made directly). */
  const query = async () => {
    gw.inflightRequests.inc({ transport: 'http' });
    for (const i of interceptors) await lastValueFrom(i.intercept(rpc, handler));
    await embedder.embed(['q'], 'query', ctx);
    lookups.onLookup('miss', 1);
    rerank.observe('skipped', undefined, ctx);
    await searcher.search({ query: 'q' }, ctx);
    await generator.generate({ query: 'q', chunks: hits }, ctx);
    gw.stageDuration.observe({ stage: 'retrieval' }, 0.002);
    gw.stageDuration.observe({ stage: 'generation' }, 0.003);
    gw.inflightRequests.dec({ transport: 'http' });
    gw.httpRequestDuration.observe({ method: 'POST', route: '/v1/query', status_code: '200' }, 0.006);
    gw.requestDuration.observe(variant, 0.006);
  };
  const baseline = async () => {
    // the same awaits and port calls without any metric: what the query costs anyway
    await Promise.resolve();
    for (let i = 0; i < 3; i++) await lastValueFrom(handler.handle());
    await Promise.resolve([[1]]);
    await Promise.resolve({ hits });
    await Promise.resolve(reply);
  };
  const N = 20_000;
  const best = async (fn: () => Promise<void>) => {
    let min = Infinity;
    for (let rep = 0; rep < 7; rep++) {
      const t = performance.now();
      for (let i = 0; i < N; i++) await fn();
      min = Math.min(min, (performance.now() - t) / N);
    }
    return min * 1000;
  };
  const metered = await best(query);
  const bare = await best(baseline);
  const render: [string, number, number][] = [];
  const combined = createMetrics('gateway', { include: [emb, ret, gen].map((m) => m.registry) });
  for (const [name, registry] of [['gateway', gw.registry], ['retrieval', ret.registry], ['gateway + 3 services (all-in-one)', combined.registry]] as const) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      bytes = Buffer.byteLength(await registry.metrics());
      times.push(performance.now() - t);
    }
    render.push([name, median(times), bytes]);
  }
  console.log('\n## The instrumentation\'s own work\n');
  console.log(
    markdownTable(
      ['measure', 'value'],
      [
        ['metric work of one hybrid query, µs (best of 7 × 20,000)', fixed(metered - bare, 1)],
        ['  with the awaits it rides on, µs', fixed(metered, 1)],
        ['  the awaits alone, µs', fixed(bare, 1)],
        ...render.map(([name, ms, bytes]): [string, string] => [`render /metrics, ${name}, ms (median of 200; ${bytes} B)`, fixed(ms)]),
      ],
    ),
  );
}
if (!args['skip-interleaved']) {
  const blocks = Number(args.blocks);
  const perBlock = 2 * questions.length;
  const platforms = { on: await startComposed(true), off: await startComposed(false) };
  const cpuMs: Record<Setting, number[]> = { on: [], off: [] };
  try {
    for (const p of Object.values(platforms)) await warm(p.url, 2);
    const clients = { on: new GatewayClient(platforms.on.url), off: new GatewayClient(platforms.off.url) };
    for (let b = 0; b < blocks; b++) {
      for (const setting of (b % 2 === 0 ? ['on', 'off'] : ['off', 'on']) as Setting[]) {
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < perBlock; i++) await clients[setting].query(questions[i % questions.length]!);
        const cpu = process.cpuUsage(cpu0);
        cpuMs[setting].push((cpu.user + cpu.system) / 1000 / perBlock);
      }
    }
  } finally {
    await platforms.on.close();
    await platforms.off.close();
  }
  const off = median(cpuMs.off);
  const on = median(cpuMs.on);
  console.log(`\n## CPU per query, interleaved (${blocks} blocks of ${perBlock} sequential queries each)\n`);
  console.log(
    markdownTable(
      ['metrics', 'CPU ms/query, median', 'min', 'max'],
      (['off', 'on'] as const).map((k) => [k, fixed(median(cpuMs[k]), 3), fixed(Math.min(...cpuMs[k]), 3), fixed(Math.max(...cpuMs[k]), 3)]),
    ),
  );
  console.log(`\non against off: ${on >= off ? '+' : ''}${fixed(((on - off) / off) * 100, 1)} % CPU per query`);
}
await stopAll();
