import { Writable } from 'node:stream';
import type { INestMicroservice } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { Streams, Subjects, systemClock } from '@ragops/contracts';
import { EmbeddingModule } from '@ragops/embedding';
import { createGatewayApp, loadGatewayConfig } from '@ragops/gateway';
import { GenerationModule } from '@ragops/generation';
import { IngestModule } from '@ragops/ingest';
import { JetStreamJobQueue, KvJobStore, RemoteGenerator, RemoteSearcher } from '@ragops/messaging';
import {
  buildIngestRunner,
  buildSearcher,
  connectNats,
  createAnswerGenerator,
  createEmbedder,
  createIndexingParts,
  createRpcClient,
  createVectorStore,
  EmbeddingProviderEnv,
  IndexingEnv,
  LlmEnv,
  startMicroservice,
  StoreEnv,
} from '@ragops/platform';
import { RetrievalModule } from '@ragops/retrieval';
import { createLogger, type Logger } from '@ragops/telemetry';

/** Every JSON line any component logged, from every service, at every level. */
export class LogSink {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];

  logger(service: string): Logger {
    const destination = new Writable({
      write: (chunk, _enc, done) => {
        const text = String(chunk);
        this.raw.push(text);
        this.lines.push(JSON.parse(text) as Record<string, unknown>);
        done();
      },
    });
    return createLogger({ service, level: 'trace', destination });
  }
}

/**
 * Distributed mode for the tracing suite: each service its own Nest microservice with its own NATS connections on a
 * private nats-server, built by the platform's own factories (so they are instrumented exactly as in production), and
 * every service logging at `trace` level into one sink. Start tracing BEFORE start(): adapters are instrumented when
 * they are built.
 */
export class TracedDistributedPlatform {
  private readonly closers: (() => Promise<unknown>)[] = [];
  readonly indexing = IndexingEnv.extend(EmbeddingProviderEnv.shape).parse({});
  gateway!: NestFastifyApplication;
  url!: string;

  constructor(
    private readonly natsUrl: string,
    readonly logs: LogSink,
  ) {}

  async start(): Promise<void> {
    const transport = (instance: string) => ({ kind: 'nats' as const, servers: this.natsUrl, instance });
    const parts = createIndexingParts(this.indexing);

    const embedder = await createEmbedder(this.indexing);
    this.track(await startMicroservice(EmbeddingModule.register({ embedder }), 'embedding', transport('e1'), this.logs.logger('embedding')));

    const storeConfig = StoreEnv.parse({ VECTOR_STORE: 'replicated' });
    const rnc = await connectNats(this.natsUrl, 'retrieval-store');
    const store = await createVectorStore(storeConfig, rnc);
    const rclient = await createRpcClient(transport('r1'), 'retrieval-client', systemClock);
    const retrieval = await startMicroservice(RetrievalModule.register({ searcher: buildSearcher(parts, store, rclient.rpc, systemClock) }), 'retrieval', transport('r1'), this.logs.logger('retrieval'));
    this.closers.push(() => retrieval.close(), () => rclient.close(), () => store.close(), () => rnc.drain());

    this.track(await startMicroservice(GenerationModule.register({ generator: createAnswerGenerator(LlmEnv.parse({})) }), 'generation', transport('g1'), this.logs.logger('generation')));

    const inc = await connectNats(this.natsUrl, 'ingest');
    const istore = await createVectorStore(storeConfig, inc);
    const queue = await JetStreamJobQueue.open({ nc: inc, stream: Streams.ingest, subject: Subjects.ingestBatch, durable: Streams.ingestConsumer, fetchExpiresMs: 1_000 });
    const ijobs = await KvJobStore.open({ nc: inc });
    const iclient = await createRpcClient(transport('i1'), 'ingest-client', systemClock);
    const ingestLog = this.logs.logger('ingest');
    const runner = buildIngestRunner(parts, istore, iclient.rpc, ijobs, systemClock, { batchTimeoutMs: 30_000, maxAttempts: 5, log: ingestLog });
    const ingest = await startMicroservice(IngestModule.register({ queue, runner }), 'ingest', transport('i1'), ingestLog);
    this.closers.push(() => ingest.close(), () => iclient.close(), () => istore.close(), () => inc.drain());

    const gnc = await connectNats(this.natsUrl, 'gateway');
    const gqueue = await JetStreamJobQueue.open({ nc: gnc, stream: Streams.ingest, subject: Subjects.ingestBatch, durable: Streams.ingestConsumer });
    const gjobs = await KvJobStore.open({ nc: gnc });
    const gclient = await createRpcClient(transport('gw'), 'gateway-client', systemClock);
    this.gateway = await createGatewayApp(
      {
        searcher: new RemoteSearcher(gclient.rpc),
        generator: new RemoteGenerator(gclient.rpc),
        queue: gqueue,
        jobs: gjobs,
        clock: systemClock,
        logger: this.logs.logger('gateway'),
        readiness: async () => ({ ready: true, dependencies: {} }),
      },
      // hybrid, so a query crosses every hop: gateway → retrieval → embedding, gateway → generation.
      loadGatewayConfig({ RETRIEVAL_MODE: 'hybrid', LOG_LEVEL: 'trace' }),
    );
    await this.gateway.listen(0, '127.0.0.1');
    const address = this.gateway.getHttpServer().address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    this.closers.push(() => this.gateway.close(), () => gclient.close(), () => gnc.drain());
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
  }

  private track(app: INestMicroservice): void {
    this.closers.push(() => app.close());
  }
}

/** Spans by id, with helpers to walk a trace. */
export class SpanTree {
  private readonly byId = new Map<string, ReadableSpan>();

  constructor(readonly spans: ReadableSpan[]) {
    for (const s of spans) this.byId.set(s.spanContext().spanId, s);
  }

  traceIds(): string[] {
    return [...new Set(this.spans.map((s) => s.spanContext().traceId))];
  }

  /** The one span with this name (or name prefix ending in `*`); fails when there are none or several. */
  one(name: string): ReadableSpan {
    const found = this.spans.filter((s) => (name.endsWith('*') ? s.name.startsWith(name.slice(0, -1)) : s.name === name));
    if (found.length !== 1) throw new Error(`expected one span ${name}, found ${found.length}: ${this.spans.map((s) => s.name).join(', ')}`);
    return found[0]!;
  }

  parentOf(span: ReadableSpan): ReadableSpan | undefined {
    const id = span.parentSpanContext?.spanId;
    return id ? this.byId.get(id) : undefined;
  }

  /** Spans whose parent is not in the set (a connected trace has exactly one: its root). */
  roots(): ReadableSpan[] {
    return this.spans.filter((s) => !this.parentOf(s));
  }
}
