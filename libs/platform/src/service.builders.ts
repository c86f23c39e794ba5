import { type Clock, defaultVariant, HealthReply, type RequestContext, type ServiceName, Subjects } from '@ragops/contracts';
import { RemoteEmbedder, type RpcClient } from '@ragops/messaging';
import { Indexer, IngestJobRunner, type JobStore, Retriever, type RetrieverOptions, type RunnerLog, type VectorStore } from '@ragops/rag';
import { contentHash } from '@ragops/text';
import type { createIndexingParts } from './adapters.factory.js';

type IndexingParts = ReturnType<typeof createIndexingParts>;

/**
 * The retrieval service's searcher: query embeddings come from the embedding service (over whatever transport
 * `rpc` uses), lexical encoding and the store are local.
 */
export function buildSearcher(parts: IndexingParts, store: VectorStore, rpc: RpcClient, clock: Clock, options: RetrieverOptions = {}): Retriever {
  const embedder = new RemoteEmbedder(rpc, { model: parts.embedder.model, dimensions: parts.embedder.dimensions });
  return new Retriever(store, embedder, parts.sparse, clock, options);
}

export interface IngestRunnerOptions {
  batchTimeoutMs: number;
  maxAttempts: number;
  log?: RunnerLog;
}

/** The ingest service's job runner: chunk and hash locally, embed through the embedding service, write the store. */
export function buildIngestRunner(parts: IndexingParts, store: VectorStore, rpc: RpcClient, jobs: JobStore, clock: Clock, options: IngestRunnerOptions): IngestJobRunner {
  const embedder = new RemoteEmbedder(rpc, { model: parts.embedder.model, dimensions: parts.embedder.dimensions });
  const indexer = new Indexer({ store, embedder, chunker: parts.chunker, sparse: parts.sparse, hash: contentHash, clock });
  return new IngestJobRunner(indexer, jobs, clock, { batchTimeoutMs: options.batchTimeoutMs, maxAttempts: options.maxAttempts }, options.log);
}

/** A readiness check that a replica of `service` answers its health subject within the probe's time. */
export function serviceHealthCheck(rpc: RpcClient, service: ServiceName, clock: Clock, timeoutMs = 2000) {
  return async (): Promise<void> => {
    const ctx: RequestContext = { requestId: `readyz-${service}`, tenant: 'system', deadline: clock.now() + timeoutMs, variant: defaultVariant };
    const reply = await rpc.request(Subjects.health(service), { ctx, data: {} }, HealthReply);
    if (!reply.ok) throw new Error(`${service} reports not ok`);
  };
}

/** The gateway's readiness checks on every service behind it (each must answer its health subject). */
export function serviceHealthChecks(rpc: RpcClient, clock: Clock, timeoutMs: number): Record<Exclude<ServiceName, 'gateway'>, () => Promise<void>> {
  return {
    embedding: serviceHealthCheck(rpc, 'embedding', clock, timeoutMs),
    retrieval: serviceHealthCheck(rpc, 'retrieval', clock, timeoutMs),
    generation: serviceHealthCheck(rpc, 'generation', clock, timeoutMs),
    ingest: serviceHealthCheck(rpc, 'ingest', clock, timeoutMs),
  };
}
