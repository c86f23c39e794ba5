import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestMicroservice } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Clock, Streams, systemClock } from '@ragops/contracts';
import { EmbeddingModule } from '@ragops/embedding';
import { createGatewayApp, loadGatewayConfig, checkDependencies } from '@ragops/gateway';
import { GenerationModule } from '@ragops/generation';
import { IngestModule } from '@ragops/ingest';
import { InProcessBus, MemoryJobQueue, MemoryJobStore, RemoteGenerator, RemoteSearcher } from '@ragops/messaging';
import {
  buildIngestRunner,
  buildSearcher,
  createAnswerGenerator,
  createCache,
  createEmbedder,
  createIndexingParts,
  createReranker,
  createRpcClient,
  meterIngestQueue,
  serviceHealthChecks,
  startMicroservice,
  type ServiceTransport,
} from '@ragops/platform';
import { RetrievalModule } from '@ragops/retrieval';
import { createLogger, createMetrics, startTracing } from '@ragops/telemetry';
import { MemoryVectorStore } from '@ragops/vector-store';
import { startInProcessInteractions, type InProcessInteractions } from '../interactions.platform.js';
import { loadAllInOneConfig } from './all-in-one.config.js';

export interface AllInOneOptions {
  /** Environment to configure from (default process.env); `port`/`host` override PORT/HOST. */
  env?: Record<string, string | undefined>;
  port?: number;
  host?: string;
  clock?: Clock;
  /** Port of the online evaluation service's /metrics listener (on `host`); default METRICS_PORT when set, else any free port. */
  evaluationPort?: number;
}

export interface AllInOnePlatform {
  /** Base URL of the gateway, e.g. http://127.0.0.1:8080. */
  url: string;
  gateway: NestFastifyApplication;
  store: MemoryVectorStore;
  /** True when this start found no snapshot (and so should ingest the sample corpus). */
  firstStart: boolean;
  /** The sample corpus directory, unless disabled. */
  sampleCorpus?: string;
  /** Interaction records, feedback and online evaluation (absent with INTERACTIONS=off). */
  interactions?: InProcessInteractions;
  close(): Promise<void>;
}

/**
 * Every service in one process: the same Nest modules as distributed mode, on the in-process transport, with
 * the in-memory index (snapshotted to RAGOPS_DATA_DIR). Models follow the same keys as the services (EMBEDDINGS,
 * LLM_PROVIDER, RERANK_PROVIDER, CACHE); unset, they are the local embedder and the extractive generator.
 */
export async function startAllInOne(options: AllInOneOptions = {}): Promise<AllInOnePlatform> {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const config = loadAllInOneConfig(env);
  const gatewayConfig = loadGatewayConfig(env);
  const port = options.port ?? gatewayConfig.port;
  const host = options.host ?? (env.HOST ? gatewayConfig.host : '127.0.0.1');
  const log = createLogger({ service: 'all-in-one', level: gatewayConfig.logLevel });
  // Before any adapter is built: adapters are instrumented at construction when tracing is on (OTEL_* variables).
  const tracing = await startTracing('ragops', env, { log });

  const snapshotPath = config.RAGOPS_DATA_DIR === 'none' ? undefined : resolve(config.RAGOPS_DATA_DIR, 'index.snapshot');
  const firstStart = !snapshotPath || !existsSync(snapshotPath);
  if (snapshotPath) await mkdir(dirname(snapshotPath), { recursive: true });
  const store = snapshotPath ? await MemoryVectorStore.open({ snapshotPath }) : new MemoryVectorStore();

  const bus = new InProcessBus();
  const transport: ServiceTransport = { kind: 'in-process', bus };
  const parts = createIndexingParts(config);
  const cache = await createCache(config, { clock, onError: (err) => log.warn({ err }, 'cache connection error') });
  // One registry per service, as in distributed mode; the gateway's /metrics serves them all (see createGatewayApp below).
  const metrics = { embedding: createMetrics('embedding'), retrieval: createMetrics('retrieval'), generation: createMetrics('generation'), ingest: createMetrics('ingest') };
  const embedder = await createEmbedder(config, { clock, cache, metrics: metrics.embedding, onCacheError: (err) => log.warn({ err }, 'embedding cache unavailable') });
  const queue = new MemoryJobQueue({ concurrency: config.INGEST_CONCURRENCY, maxDeliver: config.INGEST_MAX_ATTEMPTS, clock });
  const jobs = new MemoryJobStore({ clock });
  const client = await createRpcClient(transport, 'all-in-one', clock);

  const reranker = createReranker(config, { clock, metrics: metrics.retrieval });
  const retrieverOptions = { ...(reranker ? { reranker } : {}), rerankCandidates: config.RERANK_CANDIDATES };
  const services: INestMicroservice[] = [];
  services.push(await startMicroservice(EmbeddingModule.register({ embedder }), 'embedding', transport, undefined, metrics.embedding));
  const searcher = buildSearcher(parts, store, client.rpc, clock, retrieverOptions, metrics.retrieval);
  services.push(await startMicroservice(RetrievalModule.register({ searcher }), 'retrieval', transport, undefined, metrics.retrieval));
  const generator = createAnswerGenerator(config, { clock, metrics: metrics.generation });
  services.push(await startMicroservice(GenerationModule.register({ generator }), 'generation', transport, undefined, metrics.generation));
  const runner = buildIngestRunner(parts, store, client.rpc, jobs, clock, {
    batchTimeoutMs: config.INGEST_BATCH_TIMEOUT_MS,
    maxAttempts: config.INGEST_MAX_ATTEMPTS,
    log,
    metrics: metrics.ingest,
  });
  // The in-memory queue stands for the ingest stream: same label, depth only (it cannot date its messages).
  const ingestQueue = meterIngestQueue(queue, metrics.ingest, { stream: Streams.ingest, clock, onError: (err) => log.warn({ err }, 'cannot read the ingest backlog') });
  services.push(await startMicroservice(IngestModule.register({ queue: ingestQueue.queue, runner }), 'ingest', transport, undefined, metrics.ingest));
  const evaluationPort = options.evaluationPort ?? (env.METRICS_PORT ? Number(env.METRICS_PORT) : 0);
  const interactions =
    gatewayConfig.interactions.INTERACTIONS === 'on'
      ? await startInProcessInteractions(env, gatewayConfig.interactions, transport, { port: evaluationPort, host, log })
      : undefined;

  const gateway = await createGatewayApp(
    {
      searcher: new RemoteSearcher(client.rpc),
      generator: new RemoteGenerator(client.rpc),
      queue,
      jobs,
      clock,
      metrics: createMetrics('gateway', { include: [...Object.values(metrics), ...(interactions ? [interactions.evaluationMetrics] : [])].map((m) => m.registry) }),
      ...(interactions ? { interactions: interactions.interactions, feedback: interactions.feedback, interactionFeed: interactions.interactions } : {}),
      readiness: () =>
        checkDependencies(serviceHealthChecks(client.rpc, clock, gatewayConfig.readinessTimeoutMs), gatewayConfig.readinessTimeoutMs),
    },
    gatewayConfig,
  );
  await gateway.listen(port, host);
  const address = gateway.getHttpServer().address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;

  // Save a changed index periodically and on close, so a restart serves what was ingested.
  let saved = store.revision;
  const saveIfChanged = async () => {
    if (!snapshotPath || store.revision === saved) return;
    const revision = store.revision;
    await store.save();
    saved = revision;
  };
  const timer = setInterval(() => void saveIfChanged().catch((err) => log.error({ err }, 'snapshot failed')), config.SNAPSHOT_INTERVAL_MS);
  timer.unref();

  const sampleCorpus = config.RAGOPS_SAMPLE_CORPUS === 'none' ? undefined : (config.RAGOPS_SAMPLE_CORPUS ?? findSampleCorpus());
  return {
    url,
    gateway,
    store,
    firstStart,
    sampleCorpus,
    ...(interactions ? { interactions } : {}),
    async close() {
      clearInterval(timer);
      await gateway.close();
      // After the gateway (which publishes its last records on close), so those are still scored.
      await interactions?.close();
      // Ingest last: its shutdown drains in-flight batches, which still need embedding and the store.
      for (const s of [services[3], services[1], services[2], services[0]]) await s.close();
      ingestQueue.stop();
      queue.close();
      await client.close();
      await saveIfChanged();
      await store.close();
      await cache.close?.();
      await tracing.shutdown();
    },
  };
}

/** data/sample-corpus/docs of the repository this CLI belongs to. */
function findSampleCorpus(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'data', 'sample-corpus', 'docs');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}
