import type { ChunkHit, DocumentMetadata, SearchFilter, SparseVector } from '@ragops/contracts';

/** One stored chunk. `chunkId` is `${docId}#${chunkIndex}`, so re-indexing a document overwrites in place. */
export interface ChunkRecord {
  chunkId: string;
  docId: string;
  tenant: string;
  chunkIndex: number;
  /** Content hash of the whole source document (dedup and stale-chunk cleanup). */
  docHash: string;
  text: string;
  title?: string;
  source?: string;
  metadata?: DocumentMetadata;
  dense: number[];
  /** BM25 document-side weights; the store applies IDF (Qdrant's `modifier: idf`). */
  sparse: SparseVector;
}

export interface IndexSpec {
  dimensions: number;
}

/** Mirrors Qdrant's Query API: two prefetches (dense, sparse) fused with RRF, then top-K. */
export interface HybridQuery {
  /** Always applied; tenants never see each other's chunks. */
  tenant: string;
  /** Omit for a sparse-only search. */
  dense?: number[];
  /** Omit for a dense-only search. */
  sparse?: SparseVector;
  topK: number;
  /** Candidates per leg before fusion. */
  candidates: number;
  rrfK: number;
  filter?: SearchFilter;
  /** Drop fused hits scoring below this. */
  scoreThreshold?: number;
}

export interface IndexStats {
  chunks: number;
  documents: number;
}

/**
 * Port for every vector store (in-memory, Qdrant). Every adapter must pass the shared behavioural suite in
 * libs/testing. Errors are AppErrors: UNKNOWN_INDEX, VALIDATION_FAILED (dimension mismatch), UNAVAILABLE.
 */
export interface VectorStore {
  /** Creates the index if missing; a different dimension for an existing index is VALIDATION_FAILED. */
  ensureIndex(index: string, spec: IndexSpec): Promise<void>;
  hasIndex(index: string): Promise<boolean>;
  /** Idempotent by chunkId. */
  upsert(index: string, chunks: ChunkRecord[]): Promise<void>;
  /** Deletes a document's chunks; with `exceptHash`, only those from other versions of it (stale chunks). */
  deleteDocument(index: string, tenant: string, docId: string, opts?: { exceptHash?: string }): Promise<number>;
  /** Content hash of the stored version of a document, if any. */
  documentHash(index: string, tenant: string, docId: string): Promise<string | undefined>;
  search(index: string, query: HybridQuery): Promise<ChunkHit[]>;
  stats(index: string): Promise<IndexStats>;
  close(): Promise<void>;
}
