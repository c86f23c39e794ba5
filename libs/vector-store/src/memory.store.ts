import { readFile } from 'node:fs/promises';
import { AppError, type ChunkHit, type SparseVector } from '@ragops/contracts';
import type { ChunkRecord, HybridQuery, IndexSpec, IndexStats, VectorStore } from '@ragops/rag';
import { DenseIndex, InvertedIndex, l2Normalize, reciprocalRankFusion, type Scored } from '@ragops/search';
import { writeFileAtomic } from './atomic-file.writer.js';
import { compileFilter } from './payload.filter.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot, type SnapshotChunk, type SnapshotIndex } from './snapshot.codec.js';

export interface MemoryVectorStoreOptions {
  /** Where save() writes and open() reads. Without it the store keeps no second copy of the vectors. */
  snapshotPath?: string;
}

/** A ChunkRecord whose dense vector may already be a Float32Array (as the replicated store decodes it). */
export type ChunkInput = Omit<ChunkRecord, 'dense'> & { dense: readonly number[] | Float32Array };

interface StoredChunk extends SnapshotChunk {
  key: number;
  /** Unit-length vector and sparse terms, kept only when the store can be saved (DenseIndex has no read-back). */
  vector?: Float32Array;
  termIds?: Uint32Array;
  termWeights?: Float32Array;
}

interface StoredDocument {
  keys: Set<number>;
  /** What documentHash reports: the hash of the version upserted last. */
  hash: string;
}

const SEP = '\u0000';
const MAX_INDEX_NAME = 255;

/** One named index: a dense and a sparse index over the same integer keys, plus payloads. */
class IndexState {
  readonly dense: DenseIndex;
  readonly sparse = new InvertedIndex();
  /** By key; keys grow monotonically, so iteration order is first-insertion order. */
  readonly chunks = new Map<number, StoredChunk>();
  /** `${tenant}\0${chunkId}` → key: chunk ids are only unique within a tenant. */
  readonly keyOf = new Map<string, number>();
  /** `${tenant}\0${docId}` → the document's chunks. */
  readonly documents = new Map<string, StoredDocument>();
  private nextKey = 0;

  constructor(
    readonly name: string,
    readonly dimensions: number,
    private readonly retain: boolean,
  ) {
    this.dense = new DenseIndex({ dimensions, metric: 'cosine' });
  }

  upsert(r: ChunkInput): void {
    const id = r.tenant + SEP + r.chunkId;
    let key = this.keyOf.get(id);
    if (key === undefined) {
      key = this.nextKey++;
      this.keyOf.set(id, key);
    } else {
      const old = this.chunks.get(key)!;
      if (old.docId !== r.docId) this.detach(old);
    }
    const vector = l2Normalize(r.dense);
    this.dense.add(key, vector);
    this.sparse.add(key, r.sparse);
    const stored: StoredChunk = {
      key,
      chunkId: r.chunkId,
      docId: r.docId,
      tenant: r.tenant,
      chunkIndex: r.chunkIndex,
      docHash: r.docHash,
      text: r.text,
    };
    if (r.title !== undefined) stored.title = r.title;
    if (r.source !== undefined) stored.source = r.source;
    if (r.metadata !== undefined) stored.metadata = r.metadata;
    if (this.retain) {
      stored.vector = vector;
      stored.termIds = Uint32Array.from(r.sparse.indices);
      stored.termWeights = Float32Array.from(r.sparse.values);
    }
    this.chunks.set(key, stored);
    const docKey = r.tenant + SEP + r.docId;
    const doc = this.documents.get(docKey);
    if (doc) {
      doc.keys.add(key);
      doc.hash = r.docHash;
    } else {
      this.documents.set(docKey, { keys: new Set([key]), hash: r.docHash });
    }
  }

  deleteDocument(tenant: string, docId: string, exceptHash: string | undefined): number {
    const doc = this.documents.get(tenant + SEP + docId);
    if (!doc) return 0;
    let removed = 0;
    for (const key of doc.keys) {
      const c = this.chunks.get(key)!;
      if (exceptHash !== undefined && c.docHash === exceptHash) continue;
      this.remove(c);
      removed++;
    }
    if (doc.keys.size === 0) this.documents.delete(tenant + SEP + docId);
    else if (exceptHash !== undefined) doc.hash = exceptHash; // only chunks of that version are left
    return removed;
  }

  documentHash(tenant: string, docId: string): string | undefined {
    return this.documents.get(tenant + SEP + docId)?.hash;
  }

  search(q: HybridQuery): ChunkHit[] {
    const predicate = compileFilter(q.filter);
    const { chunks } = this;
    const tenant = q.tenant;
    const accept = (key: number): boolean => {
      const c = chunks.get(key)!;
      return c.tenant === tenant && (predicate === undefined || predicate(c));
    };
    // As Qdrant's Query API runs it: prefetch `candidates` per leg before fusion; a single leg is just top-K.
    const perLeg = q.dense && q.sparse ? q.candidates : q.topK;
    const dense = q.dense ? this.dense.search(q.dense, perLeg, accept) : undefined;
    const sparse = q.sparse ? this.sparse.search(q.sparse, perLeg, accept) : undefined;

    let ranked: Scored[];
    if (dense && sparse) {
      const keys = (hits: Scored[]) => hits.map((h) => String(h.key));
      ranked = reciprocalRankFusion([keys(dense), keys(sparse)], q.rrfK).map((f) => ({ key: Number(f.id), score: f.score }));
    } else {
      ranked = dense ?? sparse ?? [];
    }
    const out: ChunkHit[] = [];
    for (const { key, score } of ranked) {
      if (out.length === q.topK) break;
      if (q.scoreThreshold !== undefined && score < q.scoreThreshold) continue;
      out.push(toHit(chunks.get(key)!, score));
    }
    return out;
  }

  stats(): IndexStats {
    return { chunks: this.chunks.size, documents: this.documents.size };
  }

  toSnapshot(): SnapshotIndex {
    const n = this.chunks.size;
    const dim = this.dimensions;
    const vectors = new Float32Array(n * dim);
    const termCounts = new Uint32Array(n);
    let terms = 0;
    for (const c of this.chunks.values()) terms += c.termIds!.length;
    const termIds = new Uint32Array(terms);
    const termWeights = new Float32Array(terms);
    const chunks: SnapshotChunk[] = [];
    let i = 0;
    let t = 0;
    for (const c of this.chunks.values()) {
      vectors.set(c.vector!, i * dim);
      termCounts[i++] = c.termIds!.length;
      termIds.set(c.termIds!, t);
      termWeights.set(c.termWeights!, t);
      t += c.termIds!.length;
      const { key: _key, vector: _vector, termIds: _ids, termWeights: _weights, ...payload } = c;
      chunks.push(payload);
    }
    const documents = [...this.documents].map(([id, doc]) => {
      const cut = id.indexOf(SEP);
      return { tenant: id.slice(0, cut), docId: id.slice(cut + 1), hash: doc.hash };
    });
    return { name: this.name, dimensions: dim, chunks, vectors, termCounts, termIds, termWeights, documents };
  }

  static fromSnapshot(s: SnapshotIndex): IndexState {
    const state = new IndexState(s.name, s.dimensions, true);
    const dim = s.dimensions;
    let t = 0;
    s.chunks.forEach((payload, i) => {
      const count = s.termCounts[i];
      const record: ChunkInput = {
        ...payload,
        dense: s.vectors.subarray(i * dim, (i + 1) * dim),
        sparse: {
          indices: Array.from(s.termIds.subarray(t, t + count)),
          values: Array.from(s.termWeights.subarray(t, t + count)),
        },
      };
      t += count;
      state.upsert(record);
    });
    for (const d of s.documents) {
      const doc = state.documents.get(d.tenant + SEP + d.docId);
      if (doc) doc.hash = d.hash;
    }
    return state;
  }

  private remove(c: StoredChunk): void {
    this.dense.remove(c.key);
    this.sparse.remove(c.key);
    this.chunks.delete(c.key);
    this.keyOf.delete(c.tenant + SEP + c.chunkId);
    this.detach(c);
  }

  /** Takes a chunk out of its document's key set (dropping the document when it was the last chunk). */
  private detach(c: StoredChunk): void {
    const docKey = c.tenant + SEP + c.docId;
    const doc = this.documents.get(docKey);
    if (!doc) return;
    doc.keys.delete(c.key);
    if (doc.keys.size === 0) this.documents.delete(docKey);
  }
}

function toHit(c: StoredChunk, score: number): ChunkHit {
  const hit: ChunkHit = { chunkId: c.chunkId, docId: c.docId, score, text: c.text };
  if (c.title !== undefined) hit.title = c.title;
  if (c.source !== undefined) hit.source = c.source;
  if (c.metadata !== undefined) hit.metadata = c.metadata;
  return hit;
}

/**
 * The in-process VectorStore of the all-in-one mode: exact dense search (cosine) and an inverted sparse index with
 * Qdrant's IDF modifier, both from @ragops/search, fused with RRF. Operations run synchronously inside their
 * promise, so each one is atomic with respect to the others. Optionally persisted as a single snapshot file
 * (see snapshot.codec.ts) that save() replaces atomically.
 */
export class MemoryVectorStore implements VectorStore {
  private readonly indexes = new Map<string, IndexState>();
  private closed = false;
  private writes = 0;
  readonly snapshotPath: string | undefined;

  /** Increases with every change, so an owner can save a snapshot only when something changed. */
  get revision(): number {
    return this.writes;
  }

  constructor(options: MemoryVectorStoreOptions = {}) {
    this.snapshotPath = options.snapshotPath;
  }

  /** Restores a store saved with save(); it saves back to the same path. */
  static async load(path: string): Promise<MemoryVectorStore> {
    let file: Buffer;
    try {
      file = await readFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new AppError('NOT_FOUND', `no vector-store snapshot at ${path}`, { path }, { cause: e });
      throw new AppError('UNAVAILABLE', `cannot read vector-store snapshot ${path}: ${(e as Error).message}`, { path }, { cause: e });
    }
    const snapshot = decodeSnapshot(file, path);
    const store = new MemoryVectorStore({ snapshotPath: path });
    for (const ix of snapshot.indexes) store.indexes.set(ix.name, IndexState.fromSnapshot(ix));
    return store;
  }

  /** load() when the snapshot exists, otherwise an empty store that will save to `snapshotPath`. */
  static async open(options: Required<MemoryVectorStoreOptions>): Promise<MemoryVectorStore> {
    try {
      return await MemoryVectorStore.load(options.snapshotPath);
    } catch (e) {
      if (e instanceof AppError && e.code === 'NOT_FOUND') return new MemoryVectorStore(options);
      throw e;
    }
  }

  /** Writes every index to `snapshotPath`, atomically: a crash mid-write leaves the previous snapshot intact. */
  async save(): Promise<void> {
    this.assertOpen();
    const path = this.snapshotPath;
    if (path === undefined) {
      throw new AppError('VALIDATION_FAILED', 'this MemoryVectorStore has no snapshotPath; construct it with { snapshotPath } to save');
    }
    // Encoded synchronously, so the snapshot is one consistent point in time even while writes continue.
    const snapshot: Snapshot = { indexes: [...this.indexes.values()].map((s) => s.toSnapshot()) };
    const parts = encodeSnapshot(snapshot);
    try {
      await writeFileAtomic(path, parts);
    } catch (e) {
      throw new AppError('UNAVAILABLE', `cannot write vector-store snapshot ${path}: ${(e as Error).message}`, { path }, { cause: e });
    }
  }

  async ensureIndex(index: string, spec: IndexSpec): Promise<void> {
    this.assertOpen();
    if (typeof index !== 'string' || index.length === 0 || index.length > MAX_INDEX_NAME) {
      throw new AppError('VALIDATION_FAILED', `index name must be 1-${MAX_INDEX_NAME} characters`, { index });
    }
    if (!Number.isInteger(spec.dimensions) || spec.dimensions <= 0) {
      throw new AppError('VALIDATION_FAILED', `index dimensions must be a positive integer, got ${spec.dimensions}`, { index });
    }
    const existing = this.indexes.get(index);
    if (existing) {
      if (existing.dimensions !== spec.dimensions) {
        throw new AppError(
          'VALIDATION_FAILED',
          `index ${index} has dimension ${existing.dimensions}, got ${spec.dimensions}; use a new index name for another embedding model`,
          { index, dimensions: existing.dimensions, requested: spec.dimensions },
        );
      }
      return;
    }
    this.indexes.set(index, new IndexState(index, spec.dimensions, this.snapshotPath !== undefined));
    this.writes++;
  }

  async hasIndex(index: string): Promise<boolean> {
    this.assertOpen();
    return this.indexes.has(index);
  }

  async upsert(index: string, chunks: readonly ChunkInput[]): Promise<void> {
    const state = this.state(index);
    // Validate the whole batch first: a bad record must not leave half a batch applied.
    chunks.forEach((c, i) => validateRecord(c, i, state));
    for (const c of chunks) state.upsert(c);
    if (chunks.length) this.writes++;
  }

  async deleteDocument(index: string, tenant: string, docId: string, opts?: { exceptHash?: string }): Promise<number> {
    const deleted = this.state(index).deleteDocument(tenant, docId, opts?.exceptHash);
    if (deleted) this.writes++;
    return deleted;
  }

  async documentHash(index: string, tenant: string, docId: string): Promise<string | undefined> {
    return this.state(index).documentHash(tenant, docId);
  }

  async search(index: string, query: HybridQuery): Promise<ChunkHit[]> {
    const state = this.state(index);
    validateQuery(query, state);
    return state.search(query);
  }

  async stats(index: string): Promise<IndexStats> {
    return this.state(index).stats();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /**
   * Checks a batch against an index without applying it (same rules as upsert). The replicated store uses it to
   * refuse a bad batch before publishing it to every replica.
   */
  validateUpsert(index: string, chunks: readonly ChunkInput[]): void {
    const state = this.state(index);
    chunks.forEach((c, i) => validateRecord(c, i, state));
  }

  private state(index: string): IndexState {
    this.assertOpen();
    const state = this.indexes.get(index);
    if (!state) {
      throw new AppError('UNKNOWN_INDEX', `index ${index} does not exist; create it with ensureIndex first`, { index });
    }
    return state;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('UNAVAILABLE', 'the vector store has been closed');
  }
}

function validateRecord(c: ChunkInput, position: number, state: IndexState): void {
  const bad = (message: string, extra?: Record<string, unknown>) =>
    new AppError('VALIDATION_FAILED', `chunk ${position} (${String(c?.chunkId)}): ${message}`, {
      index: state.name,
      position,
      ...extra,
    });
  for (const field of ['chunkId', 'docId', 'tenant', 'docHash'] as const) {
    if (typeof c[field] !== 'string' || c[field].length === 0) throw bad(`${field} must be a non-empty string`);
  }
  if (typeof c.text !== 'string') throw bad('text must be a string');
  if (!(Array.isArray(c.dense) || c.dense instanceof Float32Array) || c.dense.length !== state.dimensions) {
    throw bad(`dense vector has ${c.dense?.length} dimensions, index ${state.name} has ${state.dimensions}`);
  }
  for (let i = 0; i < c.dense.length; i++) {
    if (!Number.isFinite(c.dense[i])) throw bad('dense vector values must be finite numbers', { dimension: i });
  }
  checkSparse(c.sparse, true, bad);
}

function validateQuery(q: HybridQuery, state: IndexState): void {
  const bad = (message: string) => new AppError('VALIDATION_FAILED', `search in ${state.name}: ${message}`, { index: state.name });
  if (typeof q.tenant !== 'string' || q.tenant.length === 0) throw bad('tenant must be a non-empty string');
  if (!q.dense && !q.sparse) throw bad('give a dense vector, a sparse vector or both');
  if (!Number.isInteger(q.topK) || q.topK < 0) throw bad(`topK must be a non-negative integer, got ${q.topK}`);
  if (!Number.isInteger(q.candidates) || q.candidates < 0) {
    throw bad(`candidates must be a non-negative integer, got ${q.candidates}`);
  }
  if (!(Number.isFinite(q.rrfK) && q.rrfK >= 0)) throw bad(`rrfK must be a finite number ≥ 0, got ${q.rrfK}`);
  if (q.dense) {
    if (q.dense.length !== state.dimensions) {
      throw bad(`query vector has ${q.dense.length} dimensions, index ${state.name} has ${state.dimensions}`);
    }
    for (const v of q.dense) if (!Number.isFinite(v)) throw bad('query vector values must be finite numbers');
  }
  if (q.sparse) checkSparse(q.sparse, false, (m) => bad(`sparse query: ${m}`));
}

/** Stored vectors must be sorted and duplicate-free (as Qdrant requires); a query only needs matching lengths. */
function checkSparse(v: SparseVector, stored: boolean, bad: (message: string) => AppError): void {
  if (!v || !Array.isArray(v.indices) || !Array.isArray(v.values) || v.indices.length !== v.values.length) {
    throw bad('sparse vector needs equally long indices and values arrays');
  }
  const { indices, values } = v;
  for (let i = 0; i < indices.length; i++) {
    const t = indices[i];
    if (!(Number.isInteger(t) && t >= 0 && t <= 0xffffffff)) throw bad(`sparse index ${t} is not a uint32`);
    if (stored && i > 0 && t <= indices[i - 1]) {
      throw bad('sparse indices must be sorted ascending without duplicates (merge duplicate terms first)');
    }
    if (!Number.isFinite(values[i])) throw bad('sparse values must be finite numbers');
  }
}
