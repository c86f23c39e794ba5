import { AppError, type ChunkHit, type DocumentMetadata, type SearchFilter, type SparseVector } from '@ragops/contracts';

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

/** One index (a version of a corpus' vectors) and the aliases that currently point at it. */
export interface IndexInfo {
  name: string;
  /** Sorted. */
  aliases: string[];
}

/**
 * Names of new indexes and aliases: 1-128 characters of [A-Za-z0-9_.-], not starting with a dot. Every adapter can
 * hold them (Qdrant collection names, URL path segments, file names), and a dot-only name can never become `.`/`..`.
 */
export const INDEX_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/** Throws VALIDATION_FAILED unless `name` is a valid index or alias name; `what` names it in the message. */
export function assertIndexName(name: unknown, what: 'index' | 'alias'): asserts name is string {
  if (typeof name !== 'string' || !INDEX_NAME_PATTERN.test(name)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${what} name ${JSON.stringify(name)} is invalid: use 1-128 characters of A-Z a-z 0-9 _ . - (not starting with a dot)`,
      { [what]: name },
    );
  }
}

/**
 * Port for every vector store (in-memory, replicated, Qdrant). Every adapter must pass the shared behavioural suite
 * in libs/testing. Errors are AppErrors: UNKNOWN_INDEX, VALIDATION_FAILED (bad names, dimension mismatch),
 * UNAVAILABLE, and for remote stores DEADLINE_EXCEEDED and UPSTREAM_FAILED.
 *
 * Versions and aliases (as Qdrant has them): an index is one version of a corpus' vectors; an alias is a second name
 * for an index that can be moved atomically, so a rollout switches traffic from `docs-v1` to `docs-v2` by moving
 * the alias `docs`. Every method taking an `index` also accepts an alias name and acts on the index it points at.
 * Index and alias names share one namespace. An alias always points at an index, never at another alias.
 */
export interface VectorStore {
  /**
   * Creates the index if missing (the name must match INDEX_NAME_PATTERN). For an existing index or an alias, checks
   * the dimension instead: a different one is VALIDATION_FAILED.
   */
  ensureIndex(index: string, spec: IndexSpec): Promise<void>;
  /** True for an existing index and for an alias. */
  hasIndex(index: string): Promise<boolean>;
  /** Idempotent by chunkId. */
  upsert(index: string, chunks: ChunkRecord[]): Promise<void>;
  /** Deletes a document's chunks; with `exceptHash`, only those from other versions of it (stale chunks). */
  deleteDocument(index: string, tenant: string, docId: string, opts?: { exceptHash?: string }): Promise<number>;
  /** Content hash of the stored version of a document, if any. */
  documentHash(index: string, tenant: string, docId: string): Promise<string | undefined>;
  search(index: string, query: HybridQuery): Promise<ChunkHit[]>;
  stats(index: string): Promise<IndexStats>;

  /**
   * Points `alias` at `index` in one atomic step: creates the alias, or moves it from whatever it pointed at, with no
   * moment at which the alias is missing. `index` must be an existing index, not an alias (else UNKNOWN_INDEX);
   * `alias` must be a valid name that is not an index (else VALIDATION_FAILED).
   */
  switchAlias(alias: string, index: string): Promise<void>;
  /** Removes an alias (the index stays); false when no alias has that name. */
  deleteAlias(alias: string): Promise<boolean>;
  /** The index an alias points at; undefined when `alias` is not an alias (an index name included). */
  resolveAlias(alias: string): Promise<string | undefined>;
  /** Every index with its aliases, sorted by name. */
  listIndexes(): Promise<IndexInfo[]>;
  /**
   * Deletes an index and its vectors; false when it does not exist. Refused (VALIDATION_FAILED) for an alias name and
   * for an index that aliases still point at: switch or delete them first, so live traffic never loses its index.
   */
  dropIndex(index: string): Promise<boolean>;
  close(): Promise<void>;
}
