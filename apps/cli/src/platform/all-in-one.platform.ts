import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestMicroservice } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Clock, systemClock } from '@ragops/contracts';
import { EmbeddingModule } from '@ragops/embedding';
import { createGatewayApp, loadGatewayConfig, checkDependencies } from '@ragops/gateway';
import { GenerationModule } from '@ragops/generation';
import { IngestModule } from '@ragops/ingest';
import { InProcessBus, MemoryJobQueue, MemoryJobStore, RemoteGenerator, RemoteSearcher } from '@ragops/messaging';
import { buildIngestRunner, buildSearcher, createAnswerGenerator, createCache, createEmbedder, createIndexingParts, createReranker, createRpcClient, serviceHealthChecks, startMicroservice, type ServiceTransport } from '@ragops/platform';
import { RetrievalModule } from '@ragops/retrieval';
import { createLogger } from '@ragops/telemetry';
import { MemoryVectorStore } from '@ragops/vector-store';
import { loadAllInOneConfig } from './all-in-one.config.js';

export interface AllInOneOptions {
  /** Environment to configure from (default process.env); `port`/`host` override PORT/HOST. */
  env?: Record<string, string | undefined>;
  port?: number;
  host?: string;
  clock?: Clock;
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

  const snapshotPath = config.RAGOPS_DATA_DIR === 'none' ? undefined : resolve(config.RAGOPS_DATA_DIR, 'index.snapshot');
  const firstStart = !snapshotPath || !existsSync(snapshotPath);
  if (snapshotPath) await mkdir(dirname(snapshotPath), { recursive: true });
  const store = snapshotPath ? await MemoryVectorStore.open({ snapshotPath }) : new MemoryVectorStore();

  const bus = new InProcessBus();
  const transport: ServiceTransport = { kind: 'in-process', bus };
  const parts = createIndexingParts(config);
  const cache = await createCache(config, { clock, onError: (err) => log.warn({ err }, 'cache connection error') });
  const embedder = await createEmbedder(config, { clock, cache, onCacheError: (err) => log.warn({ err }, 'embedding cache unavailable') });
  const queue = new MemoryJobQueue({ concurrency: config.INGEST_CONCURRENCY, maxDeliver: config.INGEST_MAX_ATTEMPTS, clock });
  const jobs = new MemoryJobStore({ clock });
  const client = await createRpcClient(transport, 'all-in-one', clock);

  const reranker = createReranker(config, { clock });
  const retrieverOptions = { ...(reranker ? { reranker } : {}), rerankCandidates: config.RERANK_CANDIDATES };
  const services: INestMicroservice[] = [];
  services.push(await startMicroservice(EmbeddingModule.register({ embedder }), 'embedding', transport));
  services.push(await startMicroservice(RetrievalModule.register({ searcher: buildSearcher(parts, store, client.rpc, clock, retrieverOptions) }), 'retrieval', transport));
  services.push(await startMicroservice(GenerationModule.register({ generator: createAnswerGenerator(config, { clock }) }), 'generation', transport));
  const runner = buildIngestRunner(parts, store, client.rpc, jobs, clock, {
    batchTimeoutMs: config.INGEST_BATCH_TIMEOUT_MS,
    maxAttempts: config.INGEST_MAX_ATTEMPTS,
    log,
  });
  services.push(await startMicroservice(IngestModule.register({ queue, runner }), 'ingest', transport));

  const gateway = await createGatewayApp(
    {
      searcher: new RemoteSearcher(client.rpc),
      generator: new RemoteGenerator(client.rpc),
      queue,
      jobs,
      clock,
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
    async close() {
      clearInterval(timer);
      await gateway.close();
      // Ingest last: its shutdown drains in-flight batches, which still need embedding and the store.
      for (const s of [services[3], services[1], services[2], services[0]]) await s.close();
      queue.close();
      await client.close();
      await saveIfChanged();
      await store.close();
      await cache.close?.();
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
