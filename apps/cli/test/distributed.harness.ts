import type { INestMicroservice } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import { type RequestContext, type SearchReply, type SearchRequest, Streams, Subjects, systemClock } from '@ragops/contracts';
import { EmbeddingModule } from '@ragops/embedding';
import { createGatewayApp, loadGatewayConfig } from '@ragops/gateway';
import { GenerationModule } from '@ragops/generation';
import { RetrievalModule } from '@ragops/retrieval';
import { IngestModule } from '@ragops/ingest';
import { JetStreamJobQueue, KvJobStore, RemoteGenerator, RemoteSearcher } from '@ragops/messaging';
import { ExtractiveGenerator } from '@ragops/models';
import {
  buildIngestRunner,
  buildSearcher,
  connectNats,
  createIndexingParts,
  createRpcClient,
  createVectorStore,
  createEmbedder,
  EmbeddingProviderEnv,
  IndexingEnv,
  StoreEnv,
  type StoreConfig,
  startMicroservice,
  type ServiceTransport,
} from '@ragops/platform';
import type { Embedder, Searcher } from '@ragops/rag';

/** Everything a distributed-mode suite starts: each service is its own Nest application with its own connection. */
export class DistributedPlatform {
  readonly indexing = IndexingEnv.extend(EmbeddingProviderEnv.shape).parse({});
  readonly storeConfig: StoreConfig;
  private readonly closers: (() => Promise<unknown>)[] = [];
  gateway!: NestFastifyApplication;
  /** Base URL of the listening gateway (real HTTP, as clients see it). */
  url!: string;
  ingest?: { app: INestMicroservice; nc: NatsConnection };

  /** `store`: store settings as environment values (default: the JetStream-replicated store). */
  constructor(
    private readonly natsUrl: string,
    store: Record<string, string> = { VECTOR_STORE: 'replicated' },
  ) {
    this.storeConfig = StoreEnv.parse(store);
  }

  get transport(): Extract<ServiceTransport, { kind: 'nats' }> {
    return { kind: 'nats', servers: this.natsUrl };
  }

  async startEmbedding(wrap: (e: Embedder) => Embedder = (e) => e): Promise<void> {
    const embedder = wrap(await createEmbedder(this.indexing));
    this.track(await startMicroservice(EmbeddingModule.register({ embedder }), 'embedding', { ...this.transport, instance: 'e1' }));
  }

  /** One retrieval replica; `served` counts the requests it answered. */
  async startRetrieval(instance: string): Promise<{ served: () => number }> {
    const nc = await connectNats(this.natsUrl, `retrieval-${instance}`);
    const store = await createVectorStore(this.storeConfig, nc);
    const client = await createRpcClient({ ...this.transport, instance }, 'retrieval-client', systemClock);
    const inner = buildSearcher(createIndexingParts(this.indexing), store, client.rpc, systemClock);
    let served = 0;
    const searcher: Searcher = {
      search: (req: SearchRequest, ctx: RequestContext): Promise<SearchReply> => {
        served++;
        return inner.search(req, ctx);
      },
    };
    const app = await startMicroservice(RetrievalModule.register({ searcher }), 'retrieval', { ...this.transport, instance });
    this.closers.push(() => app.close(), () => client.close(), () => store.close(), () => nc.drain());
    return { served: () => served };
  }

  async startGeneration(): Promise<void> {
    this.track(await startMicroservice(GenerationModule.register({ generator: new ExtractiveGenerator() }), 'generation', { ...this.transport, instance: 'g1' }));
  }

  /** The ingest service; `ackWaitMs` short so a crashed consumer's batches come back quickly. */
  async startIngest(options: { ackWaitMs?: number; concurrency?: number } = {}): Promise<void> {
    const nc = await connectNats(this.natsUrl, 'ingest');
    const store = await createVectorStore(this.storeConfig, nc);
    const queue = await JetStreamJobQueue.open({
      nc,
      stream: Streams.ingest,
      subject: Subjects.ingestBatch,
      durable: Streams.ingestConsumer,
      ackWaitMs: options.ackWaitMs ?? 30_000,
      concurrency: options.concurrency ?? 4,
      fetchExpiresMs: 1_000,
    });
    const jobs = await KvJobStore.open({ nc });
    const client = await createRpcClient({ ...this.transport, instance: 'i1' }, 'ingest-client', systemClock);
    const runner = buildIngestRunner(createIndexingParts(this.indexing), store, client.rpc, jobs, systemClock, { batchTimeoutMs: 30_000, maxAttempts: 5 });
    const app = await startMicroservice(IngestModule.register({ queue, runner }), 'ingest', { ...this.transport, instance: 'i1' });
    this.ingest = { app, nc };
    this.closers.push(async () => {
      if (!this.ingest) return;
      await app.close();
      await client.close();
      await store.close();
      await nc.drain().catch(() => undefined);
    });
  }

  /** Simulates a crash of the ingest process: its NATS connection dies with batches in flight (no acks). */
  async crashIngest(): Promise<void> {
    const ingest = this.ingest;
    this.ingest = undefined;
    if (!ingest) return;
    await ingest.nc.close();
    await ingest.app.close().catch(() => undefined);
  }

  async startGateway(): Promise<string> {
    const nc = await connectNats(this.natsUrl, 'gateway');
    const queue = await JetStreamJobQueue.open({ nc, stream: Streams.ingest, subject: Subjects.ingestBatch, durable: Streams.ingestConsumer });
    const jobs = await KvJobStore.open({ nc });
    const client = await createRpcClient({ ...this.transport, instance: 'gw' }, 'gateway-client', systemClock);
    this.gateway = await createGatewayApp(
      {
        searcher: new RemoteSearcher(client.rpc),
        generator: new RemoteGenerator(client.rpc),
        queue,
        jobs,
        clock: systemClock,
        readiness: async () => ({ ready: true, dependencies: {} }),
      },
      // hybrid, so a query crosses every hop: gateway → retrieval → embedding, gateway → generation.
      loadGatewayConfig({ LOG_LEVEL: 'silent', RETRIEVAL_MODE: 'hybrid' }),
    );
    await this.gateway.listen(0, '127.0.0.1');
    const address = this.gateway.getHttpServer().address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    this.closers.push(() => this.gateway.close(), () => client.close(), () => nc.drain());
    return this.url;
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
  }

  private track(app: INestMicroservice): void {
    this.closers.push(() => app.close());
  }
}
