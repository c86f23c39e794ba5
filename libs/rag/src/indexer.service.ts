import {
  AppError,
  type BatchResult,
  type Clock,
  type DocumentError,
  type IngestBatch,
  type RequestContext,
  type SourceDocument,
} from '@ragops/contracts';
import type { Embedder } from './ports/embedder.port.js';
import type { SparseEncoder } from './ports/sparse-encoder.port.js';
import type { ChunkRecord, VectorStore } from './ports/vector-store.port.js';

/** The chunker as the indexer needs it (implemented by @ragops/text's createChunker). */
export interface DocumentChunker {
  chunk(input: { text: string; format?: 'text' | 'markdown' | 'html'; title?: string }): { index: number; text: string }[];
}

export interface IndexerDeps {
  store: VectorStore;
  embedder: Embedder;
  chunker: DocumentChunker;
  sparse: SparseEncoder;
  hash: (doc: { title?: string; text: string; format?: string }) => string;
  clock: Clock;
}

interface PlannedDoc {
  doc: SourceDocument;
  hash: string;
  replaces: boolean;
  chunks: { index: number; text: string }[];
}

/**
 * Indexes one ingest batch idempotently: unchanged documents (same content hash) are skipped, changed ones are
 * re-chunked and their chunks overwritten in place (`docId#n`), then chunks of the old version are deleted — so a
 * document is never missing mid-update and a redelivered batch leaves exactly one copy.
 *
 * Per-document problems (nothing indexable) are reported in the result; infrastructure failures (embedding,
 * store) throw, so the queue redelivers the whole batch.
 */
export class Indexer {
  private readonly knownIndexes = new Set<string>();

  constructor(private readonly deps: IndexerDeps) {}

  async indexBatch(batch: IngestBatch, ctx: RequestContext): Promise<BatchResult> {
    const { store, embedder, chunker, sparse, hash } = this.deps;
    await this.ensureIndex(batch.index);

    const errors: DocumentError[] = [];
    const planned: PlannedDoc[] = [];
    let unchanged = 0;
    const hashes = await Promise.all(batch.documents.map((d) => store.documentHash(batch.index, batch.tenant, d.id)));
    batch.documents.forEach((doc, i) => {
      const h = hash(doc);
      if (hashes[i] === h) {
        unchanged++;
        return;
      }
      const chunks = chunker.chunk({ text: doc.text, format: doc.format, title: doc.title });
      if (chunks.length === 0) {
        errors.push({ docId: doc.id, code: 'VALIDATION_FAILED', message: 'document has no indexable text' });
        return;
      }
      planned.push({ doc, hash: h, replaces: hashes[i] !== undefined, chunks });
    });

    // Titles are part of what is matched (BEIR convention: title + text), but stored separately for display.
    const texts = planned.flatMap((p) => p.chunks.map((c) => (p.doc.title ? `${p.doc.title}\n${c.text}` : c.text)));
    const vectors = texts.length ? await embedder.embed(texts, 'document', ctx) : [];
    if (vectors.length !== texts.length) {
      throw new AppError('UPSTREAM_FAILED', `embedder returned ${vectors.length} vectors for ${texts.length} texts`);
    }

    const records: ChunkRecord[] = [];
    let v = 0;
    for (const p of planned) {
      for (const c of p.chunks) {
        records.push({
          chunkId: `${p.doc.id}#${c.index}`,
          docId: p.doc.id,
          tenant: batch.tenant,
          chunkIndex: c.index,
          docHash: p.hash,
          text: c.text,
          title: p.doc.title,
          source: p.doc.source,
          metadata: p.doc.metadata,
          dense: vectors[v],
          sparse: sparse.encodeDocument(texts[v]),
        });
        v++;
      }
    }
    if (records.length) await store.upsert(batch.index, records);
    await Promise.all(
      planned.filter((p) => p.replaces).map((p) => store.deleteDocument(batch.index, batch.tenant, p.doc.id, { exceptHash: p.hash })),
    );

    return {
      batch: batch.batch,
      indexed: planned.length,
      unchanged,
      failed: errors.length,
      chunks: records.length,
      errors,
      finishedAt: this.deps.clock.now(),
    };
  }

  private async ensureIndex(index: string): Promise<void> {
    if (this.knownIndexes.has(index)) return;
    await this.deps.store.ensureIndex(index, { dimensions: this.deps.embedder.dimensions });
    this.knownIndexes.add(index);
  }
}
