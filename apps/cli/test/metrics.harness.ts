import type { INestMicroservice } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Streams, Subjects, systemClock } from '@ragops/contracts';
import { EmbeddingModule, loadEmbeddingConfig } from '@ragops/embedding';
import { consumerOptions, createOnlineEvaluation, EvaluationModule, loadEvaluationConfig } from '@ragops/evaluation-service';
import { createGatewayApp, loadGatewayConfig } from '@ragops/gateway';
import { GenerationModule, loadGenerationConfig } from '@ragops/generation';
import { IngestModule, loadIngestConfig } from '@ragops/ingest';
import {
  feedbackStreamLimits,
  interactionStreamLimits,
  JetStreamFeedbackSink,
  JetStreamInteractionSink,
  JetStreamJobQueue,
  KvJobStore,
  openFeedbackLog,
  openInteractionLog,
  RemoteGenerator,
  RemoteSearcher,
} from '@ragops/messaging';
import {
  buildIngestRunner,
  buildSearcher,
  connectNats,
  createAnswerGenerator,
  createCache,
  createEmbedder,
  createIndexingParts,
  createReranker,
  createRpcClient,
  createVectorStore,
  markCircuitsClosed,
  type MetricsServer,
  meterIngestQueue,
  startMetricsServer,
  startMicroservice,
} from '@ragops/platform';
import { loadRetrievalConfig, RetrievalModule } from '@ragops/retrieval';
import { createLogger, createMetrics, type ServiceMetrics } from '@ragops/telemetry';

/** One running service as Prometheus sees it. */
export interface ScrapedService {
  service: 'gateway' | 'embedding' | 'retrieval' | 'generation' | 'ingest' | 'evaluation';
  /** Base URL whose /metrics is scraped (the gateway: its own HTTP port). */
  url: string;
  metrics: ServiceMetrics;
}

/**
 * Distributed mode with every service metered as in production: each its own Nest application, NATS connections and
 * registry, built from its own configuration loader and the platform's factories exactly as its main.ts does, and each
 * microservice serving /metrics on its own loopback port (METRICS_PORT=0). The gateway serves /metrics on its HTTP
 * port; the evaluation service consumes the interaction and feedback streams as in distributed mode.
 */
export class MeteredDistributedPlatform {
  readonly services: ScrapedService[] = [];
  /** Base URL of the gateway. */
  url = '';
  /** Closed after the apps, in reverse order of start: connections, stores, listeners. */
  private readonly closers: (() => Promise<unknown>)[] = [];
  /** The Nest applications, closed together first (each NATS transport takes seconds to close). */
  private readonly apps: { close(): Promise<unknown> }[] = [];
  private readonly env: Record<string, string>;

  /** `env`: the environment every service reads (NATS_URL and the adapters' keys); METRICS_* are set here. */
  constructor(env: Record<string, string>) {
    this.env = { LOG_LEVEL: 'silent', ...env, METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' };
  }

  async start(): Promise<void> {
    await this.startEmbedding();
    await this.startRetrieval();
    await this.startGeneration();
    await this.startIngest();
    await this.startEvaluation();
    await this.startGateway();
  }

  async close(): Promise<void> {
    await Promise.all(this.apps.map((app) => app.close().catch(() => undefined)));
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
  }

  private transport(instance: string) {
    return { kind: 'nats' as const, servers: this.env.NATS_URL!, instance };
  }

  private async serve(service: ScrapedService['service'], metrics: ServiceMetrics, port: number, host: string): Promise<MetricsServer> {
    const server = await startMetricsServer({ registry: metrics.registry, port, host });
    this.services.push({ service, url: server.url, metrics });
    this.closers.push(() => server.close());
    return server;
  }

  private track(app: INestMicroservice | NestFastifyApplication): void {
    this.apps.push(app);
  }

  private async startEmbedding(): Promise<void> {
    const config = loadEmbeddingConfig(this.env);
    const metrics = createMetrics('embedding');
    await this.serve('embedding', metrics, config.METRICS_PORT, config.METRICS_HOST);
    markCircuitsClosed(metrics, ['embeddings']);
    const cache = await createCache(config);
    const embedder = await createEmbedder(config, { cache, metrics });
    this.track(await startMicroservice(EmbeddingModule.register({ embedder }), 'embedding', this.transport('e1'), undefined, metrics));
  }

  private async startRetrieval(): Promise<void> {
    const config = loadRetrievalConfig(this.env);
    const metrics = createMetrics('retrieval');
    await this.serve('retrieval', metrics, config.METRICS_PORT, config.METRICS_HOST);
    markCircuitsClosed(metrics, ['embeddings', 'vector_store', 'reranker']);
    const nc = await connectNats(config.NATS_URL, 'retrieval-store');
    const store = await createVectorStore(config, nc);
    const client = await createRpcClient(this.transport('r1'), 'retrieval-client', systemClock);
    const reranker = createReranker(config, { metrics });
    const options = { ...(reranker ? { reranker } : {}), rerankCandidates: config.RERANK_CANDIDATES };
    const searcher = buildSearcher(createIndexingParts(config), store, client.rpc, systemClock, options, metrics);
    const app = await startMicroservice(RetrievalModule.register({ searcher }), 'retrieval', this.transport('r1'), undefined, metrics);
    this.track(app);
    this.closers.push(() => nc.drain(), () => store.close(), () => client.close());
  }

  private async startGeneration(): Promise<void> {
    const config = loadGenerationConfig(this.env);
    const metrics = createMetrics('generation');
    await this.serve('generation', metrics, config.METRICS_PORT, config.METRICS_HOST);
    markCircuitsClosed(metrics, ['llm']);
    const generator = createAnswerGenerator(config, { metrics });
    this.track(await startMicroservice(GenerationModule.register({ generator }), 'generation', this.transport('g1'), undefined, metrics));
  }

  private async startIngest(): Promise<void> {
    const config = loadIngestConfig(this.env);
    const metrics = createMetrics('ingest');
    await this.serve('ingest', metrics, config.METRICS_PORT, config.METRICS_HOST);
    const nc = await connectNats(config.NATS_URL, 'ingest');
    const store = await createVectorStore(config, nc);
    const queue = await JetStreamJobQueue.open({
      nc,
      stream: Streams.ingest,
      subject: Subjects.ingestBatch,
      durable: Streams.ingestConsumer,
      ackWaitMs: config.INGEST_ACK_WAIT_MS,
      maxDeliver: config.INGEST_MAX_ATTEMPTS,
      concurrency: config.INGEST_CONCURRENCY,
      fetchExpiresMs: 1_000,
    });
    const jobs = await KvJobStore.open({ nc });
    const client = await createRpcClient(this.transport('i1'), 'ingest-client', systemClock);
    const runner = buildIngestRunner(createIndexingParts(config), store, client.rpc, jobs, systemClock, {
      batchTimeoutMs: config.INGEST_BATCH_TIMEOUT_MS,
      maxAttempts: config.INGEST_MAX_ATTEMPTS,
      metrics,
    });
    const metered = meterIngestQueue(queue, metrics, { stream: Streams.ingest, clock: systemClock, intervalMs: 1_000 });
    const app = await startMicroservice(IngestModule.register({ queue: metered.queue, runner }), 'ingest', this.transport('i1'), undefined, metrics);
    this.track(app);
    this.closers.push(() => nc.drain(), () => store.close(), () => client.close(), async () => metered.stop());
  }

  private async startEvaluation(): Promise<void> {
    const config = loadEvaluationConfig(this.env);
    const nc = await connectNats(config.NATS_URL, 'evaluation');
    const interactionLog = await openInteractionLog(nc, interactionStreamLimits(config), 'create');
    const feedbackLog = await openFeedbackLog(nc, feedbackStreamLimits(config), 'create');
    const consumers = consumerOptions(config, Streams.evaluationConsumer);
    const interactions = await interactionLog.source(consumers.interactions);
    const feedback = await feedbackLog.source(consumers.feedback);
    const { evaluator, metrics } = createOnlineEvaluation(config);
    await this.serve('evaluation', metrics, config.METRICS_PORT, config.METRICS_HOST);
    const log = createLogger({ service: 'evaluation', level: 'silent' });
    const app = await startMicroservice(EvaluationModule.register({ interactions, feedback, evaluator, log }), 'evaluation', this.transport('ev1'));
    this.track(app);
    this.closers.push(() => nc.drain());
  }

  private async startGateway(): Promise<void> {
    const config = loadGatewayConfig(this.env);
    const nc = await connectNats(config.natsUrl, 'gateway');
    const queue = await JetStreamJobQueue.open({ nc, stream: Streams.ingest, subject: Subjects.ingestBatch, durable: Streams.ingestConsumer });
    const jobs = await KvJobStore.open({ nc });
    const client = await createRpcClient(this.transport('gw'), 'gateway-client', systemClock);
    const i = config.interactions;
    const metrics = createMetrics('gateway');
    const gateway: NestFastifyApplication = await createGatewayApp(
      {
        searcher: new RemoteSearcher(client.rpc),
        generator: new RemoteGenerator(client.rpc),
        queue,
        jobs,
        clock: systemClock,
        metrics,
        logger: createLogger({ service: 'gateway', level: 'silent' }),
        interactions: new JetStreamInteractionSink(await openInteractionLog(nc, interactionStreamLimits(i), 'update')),
        feedback: new JetStreamFeedbackSink(await openFeedbackLog(nc, feedbackStreamLimits(i), 'update')),
        readiness: async () => ({ ready: true, dependencies: {} }),
      },
      config,
    );
    await gateway.listen(0, '127.0.0.1');
    const address = gateway.getHttpServer().address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    this.services.push({ service: 'gateway', url: this.url, metrics });
    this.track(gateway);
    this.closers.push(() => nc.drain(), () => client.close());
  }
}
