import { type Clock, defaultVariant, HealthReply, type RequestContext, type ServiceName, Subjects } from '@ragops/contracts';
import { RemoteEmbedder, type RpcClient } from '@ragops/messaging';
import { Indexer, IngestJobRunner, type JobStore, Retriever, type RetrieverOptions, type RunnerLog, type Searcher, type VectorStore } from '@ragops/rag';
import {
  MeteredChunker,
  MeteredEmbedder,
  MeteredIndexer,
  MeteredJobStore,
  MeteredSearcher,
  meteredVectorStore,
  RerankMeter,
  type ServiceMetrics,
  TracedSearcher,
  tracedVectorStore,
  whenTracing,
} from '@ragops/telemetry';
import { contentHash } from '@ragops/text';
import type { createIndexingParts } from './adapters.factory.js';

type IndexingParts = ReturnType<typeof createIndexingParts>;

/**
 * The retrieval service's searcher: query embeddings come from the embedding service (over whatever transport
 * `rpc` uses), lexical encoding and the store are local. With tracing on, the retrieval stage's attributes go on the
 * service's SERVER span (a `retrieval <index>` span outside one) and the store's search is a child `search <index>` span.
 */
export function buildSearcher(parts: IndexingParts, store: VectorStore, rpc: RpcClient, clock: Clock, options: RetrieverOptions = {}, metrics?: ServiceMetrics): Searcher {
  const embedder = new RemoteEmbedder(rpc, { model: parts.embedder.model, dimensions: parts.embedder.dimensions });
  // With a registry: hits, scores, empty and duplicate results, stage timings and rerank use per variant.
  const rerank = metrics ? new RerankMeter(metrics) : undefined;
  const observe = options.observeRerank;
  const observeRerank: RetrieverOptions['observeRerank'] =
    rerank && observe
      ? (outcome, error, ctx) => {
          rerank.observe(outcome, error, ctx);
          observe(outcome, error, ctx);
        }
      : (rerank?.observe ?? observe);
  const retriever = new Retriever(whenTracing(store, tracedVectorStore), embedder, parts.sparse, clock, { ...options, ...(observeRerank ? { observeRerank } : {}) });
  const traced = whenTracing<Searcher>(retriever, (r) => new TracedSearcher(r));
  return metrics ? new MeteredSearcher(traced, metrics, rerank) : traced;
}

export interface IngestRunnerOptions {
  batchTimeoutMs: number;
  maxAttempts: number;
  log?: RunnerLog;
  /**
   * The ingest service's registry: chunking, embedding and upsert stages, chunk sizes, documents and chunks by outcome,
   * failures by code. Document and chunk counts are labelled by the index of the batch being handled, which the queue
   * must set: wrap it with `meterIngestQueue`.
   */
  metrics?: ServiceMetrics;
}

/** The ingest service's job runner: chunk and hash locally, embed through the embedding service, write the store. */
export function buildIngestRunner(parts: IndexingParts, store: VectorStore, rpc: RpcClient, jobs: JobStore, clock: Clock, options: IngestRunnerOptions): IngestJobRunner {
  const remote = new RemoteEmbedder(rpc, { model: parts.embedder.model, dimensions: parts.embedder.dimensions });
  const { metrics } = options;
  const runOptions = { batchTimeoutMs: options.batchTimeoutMs, maxAttempts: options.maxAttempts };
  if (!metrics) {
    const indexer = new Indexer({ store, embedder: remote, chunker: parts.chunker, sparse: parts.sparse, hash: contentHash, clock });
    return new IngestJobRunner(indexer, jobs, clock, runOptions, options.log);
  }
  const indexer = new MeteredIndexer(
    {
      store: meteredVectorStore(store, metrics),
      embedder: new MeteredEmbedder(remote, metrics),
      chunker: new MeteredChunker(parts.chunker, metrics),
      sparse: parts.sparse,
      hash: contentHash,
      clock,
    },
    metrics,
  );
  return new IngestJobRunner(indexer, new MeteredJobStore(jobs, metrics), clock, runOptions, options.log);
}

/** A readiness check that a replica of `service` answers its health subject within the probe's time. */
export function serviceHealthCheck(rpc: RpcClient, service: ServiceName, clock: Clock, timeoutMs = 2000) {
  return async (): Promise<void> => {
    const ctx: RequestContext = { requestId: `readyz-${service}`, tenant: 'system', deadline: clock.now() + timeoutMs, variant: defaultVariant };
    const reply = await rpc.request(Subjects.health(service), { ctx, data: {} }, HealthReply);
    if (!reply.ok) throw new Error(`${service} reports not ok`);
  };
}

/**
 * The gateway's readiness checks on every service behind it (each must answer its health subject). Not evaluation:
 * it is off the request path, and records wait in their stream while it is down.
 */
export function serviceHealthChecks(rpc: RpcClient, clock: Clock, timeoutMs: number): Record<Exclude<ServiceName, 'gateway' | 'evaluation'>, () => Promise<void>> {
  return {
    embedding: serviceHealthCheck(rpc, 'embedding', clock, timeoutMs),
    retrieval: serviceHealthCheck(rpc, 'retrieval', clock, timeoutMs),
    generation: serviceHealthCheck(rpc, 'generation', clock, timeoutMs),
    ingest: serviceHealthCheck(rpc, 'ingest', clock, timeoutMs),
  };
}
