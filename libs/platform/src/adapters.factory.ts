import { AppError } from '@ragops/contracts';
import type { Embedder, SparseEncoder, VectorStore } from '@ragops/rag';
import { LocalEmbedder } from '@ragops/models';
import { createBm25Encoder } from '@ragops/search';
import { cl100kCounter, createAnalyzer, createChunker, type Analyzer, type Chunker } from '@ragops/text';
import { MemoryVectorStore, ReplicatedVectorStore } from '@ragops/vector-store';
import type { NatsConnection } from '@nats-io/transport-node';
import type { IndexingConfig, StoreConfig } from './env.schema.js';

/**
 * Adapter selection by configuration: each port gets the implementation the config names. Services and the
 * all-in-one process call these, so both build identical pipelines from identical settings.
 */
export function createIndexingParts(config: IndexingConfig, analyzer: Analyzer = createAnalyzer()) {
  return {
    analyzer,
    embedder: createEmbedder(config, analyzer),
    sparse: createSparseEncoder(config, analyzer),
    chunker: createTextChunker(config),
  };
}

export function createEmbedder(config: IndexingConfig, analyzer: Analyzer): Embedder {
  switch (config.EMBEDDINGS) {
    case 'local':
      return new LocalEmbedder({ dimensions: config.EMBEDDING_DIMENSIONS, analyzer });
  }
}

export function createSparseEncoder(config: IndexingConfig, analyzer: Analyzer): SparseEncoder {
  return createBm25Encoder({ analyzer, k1: config.BM25_K1, b: config.BM25_B, avgDocLength: config.BM25_AVG_DOC_LENGTH });
}

export function createTextChunker(config: IndexingConfig): Chunker {
  return createChunker({ maxTokens: config.CHUNK_MAX_TOKENS, overlapTokens: config.CHUNK_OVERLAP_TOKENS, counter: cl100kCounter() });
}

export async function createVectorStore(config: StoreConfig, nc?: NatsConnection): Promise<VectorStore> {
  switch (config.VECTOR_STORE) {
    case 'memory':
      return new MemoryVectorStore();
    case 'replicated':
      if (!nc) throw new AppError('VALIDATION_FAILED', 'VECTOR_STORE=replicated needs a NATS connection (NATS_URL)');
      return ReplicatedVectorStore.open({ nc, stream: config.INDEX_STREAM, subjectPrefix: `ragops.index.${config.INDEX_STREAM}` });
  }
}
