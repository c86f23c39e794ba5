import { defaultVariant, Limits, type RequestContext, type SourceDocument } from '@ragops/contracts';
import { LocalEmbedder } from '@ragops/models';
import type { ChunkRecord } from '@ragops/rag';
import { createBm25Encoder } from '@ragops/search';
import { cl100kCounter, contentHash, createAnalyzer, createChunker } from '@ragops/text';
import { MemoryVectorStore } from '@ragops/vector-store';
import { platformDefaults } from './platform.defaults.js';

export interface RawPipelineOptions {
  /** Chunking and embedding default to the platform's (CHUNK_MAX_TOKENS, CHUNK_OVERLAP_TOKENS, EMBEDDING_DIMENSIONS). */
  maxTokens?: number;
  overlapTokens?: number;
  dimensions?: number;
  /** Documents per indexing step, as the ingest service receives them. Default Limits.ingestBatchSize (32). */
  batchSize?: number;
}

export interface StageTimes {
  chunkMs: number;
  hashMs: number;
  embedMs: number;
  sparseMs: number;
  upsertMs: number;
}

export interface RawPipelineResult {
  documents: number;
  chunks: number;
  totalMs: number;
  stages: StageTimes;
  store: MemoryVectorStore;
}

/**
 * The ingest work with nothing around it — no HTTP, queue, bus, message validation or job bookkeeping: chunk,
 * hash, embed (LocalEmbedder), BM25-encode and MemoryVectorStore.upsert called directly, batch by batch, with the
 * same texts the platform's Indexer builds (title + "\n" + chunk). The floor the platform's throughput is compared
 * against. Every call builds fresh parts (own analyzer caches); the cl100k counter is a process-wide singleton.
 */
export async function runRawPipeline(documents: readonly SourceDocument[], options: RawPipelineOptions = {}): Promise<RawPipelineResult> {
  const analyzer = createAnalyzer();
  const chunker = createChunker({
    maxTokens: options.maxTokens ?? platformDefaults.chunkMaxTokens,
    overlapTokens: options.overlapTokens ?? platformDefaults.chunkOverlapTokens,
    counter: cl100kCounter(),
  });
  const embedder = new LocalEmbedder({ dimensions: options.dimensions ?? platformDefaults.embeddingDimensions, analyzer });
  const sparse = createBm25Encoder({ analyzer });
  const store = new MemoryVectorStore();
  const index = 'default';
  const tenant = 'default';
  const batchSize = options.batchSize ?? Limits.ingestBatchSize;
  const ctx: RequestContext = { requestId: 'raw', tenant, deadline: Number.MAX_SAFE_INTEGER, variant: defaultVariant };
  const stages: StageTimes = { chunkMs: 0, hashMs: 0, embedMs: 0, sparseMs: 0, upsertMs: 0 };
  let chunks = 0;

  const started = performance.now();
  await store.ensureIndex(index, { dimensions: embedder.dimensions });
  for (let b = 0; b < documents.length; b += batchSize) {
    const batch = documents.slice(b, b + batchSize);
    let t = performance.now();
    const planned = batch.map((doc) => ({ doc, chunks: chunker.chunk({ text: doc.text, format: doc.format, title: doc.title }) }));
    stages.chunkMs += performance.now() - t;

    t = performance.now();
    const hashes = batch.map((doc) => contentHash(doc));
    stages.hashMs += performance.now() - t;

    const texts = planned.flatMap((p) => p.chunks.map((c) => (p.doc.title ? `${p.doc.title}\n${c.text}` : c.text)));
    t = performance.now();
    const vectors = await embedder.embed(texts, 'document', ctx);
    stages.embedMs += performance.now() - t;

    t = performance.now();
    const encoded = texts.map((text) => sparse.encodeDocument(text));
    stages.sparseMs += performance.now() - t;

    const records: ChunkRecord[] = [];
    let v = 0;
    planned.forEach((p, i) => {
      for (const c of p.chunks) {
        records.push({
          chunkId: `${p.doc.id}#${c.index}`,
          docId: p.doc.id,
          tenant,
          chunkIndex: c.index,
          docHash: hashes[i]!,
          text: c.text,
          title: p.doc.title,
          source: p.doc.source,
          dense: vectors[v]!,
          sparse: encoded[v]!,
        });
        v++;
      }
    });
    t = performance.now();
    await store.upsert(index, records);
    stages.upsertMs += performance.now() - t;
    chunks += records.length;
  }
  return { documents: documents.length, chunks, totalMs: performance.now() - started, stages, store };
}

/** Time to run the analyzer once over `texts`: what analysing each chunk a second time costs. */
export function timeAnalysis(texts: readonly string[]): number {
  const analyzer = createAnalyzer();
  const t = performance.now();
  for (const text of texts) analyzer.analyze(text);
  return performance.now() - t;
}
