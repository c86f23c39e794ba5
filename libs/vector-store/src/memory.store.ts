import { readFile } from 'node:fs/promises';
import { AppError, type ChunkHit } from '@ragops/contracts';
import { assertIndexName, type ChunkRecord, type HybridQuery, type IndexInfo, type IndexSpec, type IndexStats, type VectorStore } from '@ragops/rag';
import { DenseIndex, InvertedIndex, l2Normalize, reciprocalRankFusion, type Scored } from '@ragops/search';
import { writeFileAtomic } from './atomic-file.writer.js';
import { validateChunk, validateQuery } from './chunk.validation.js';
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
 * Qdrant's IDF modifier, both from @ragops/search, fused with RRF. Aliases are a name → index map consulted by every
 * operation. Operations run synchronously inside their promise, so each one (an alias switch included) is atomic
 * with respect to the others. Optionally persisted as a single snapshot file (see snapshot.codec.ts, aliases
 * included) that save() replaces atomically.
 */
export class MemoryVectorStore implements VectorStore {
  private readonly indexes = new Map<string, IndexState>();
  /** alias → index name; the index always exists (dropIndex refuses while an alias points at it). */
  private readonly aliases = new Map<string, string>();
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
    for (const a of snapshot.aliases) store.aliases.set(a.alias, a.index);
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
    const snapshot: Snapshot = {
      indexes: [...this.indexes.values()].map((s) => s.toSnapshot()),
      aliases: [...this.aliases].map(([alias, index]) => ({ alias, index })),
    };
    const parts = encodeSnapshot(snapshot);
    try {
      await writeFileAtomic(path, parts);
    } catch (e) {
      throw new AppError('UNAVAILABLE', `cannot write vector-store snapshot ${path}: ${(e as Error).message}`, { path }, { cause: e });
    }
  }

  async ensureIndex(index: string, spec: IndexSpec): Promise<void> {
    this.assertOpen();
    if (!Number.isInteger(spec?.dimensions) || spec.dimensions <= 0) {
      throw new AppError('VALIDATION_FAILED', `index dimensions must be a positive integer, got ${spec?.dimensions}`, { index });
    }
    const existing = this.lookup(index);
    if (existing) {
      if (existing.dimensions !== spec.dimensions) {
        const via = existing.name === index ? '' : ` (alias ${index})`;
        throw new AppError(
          'VALIDATION_FAILED',
          `index ${existing.name}${via} has dimension ${existing.dimensions}, got ${spec.dimensions}; use a new index name for another embedding model`,
          { index: existing.name, dimensions: existing.dimensions, requested: spec.dimensions },
        );
      }
      return;
    }
    assertIndexName(index, 'index');
    this.indexes.set(index, new IndexState(index, spec.dimensions, this.snapshotPath !== undefined));
    this.writes++;
  }

  async hasIndex(index: string): Promise<boolean> {
    this.assertOpen();
    return this.lookup(index) !== undefined;
  }

  async switchAlias(alias: string, index: string): Promise<void> {
    this.assertOpen();
    assertIndexName(alias, 'alias');
    if (this.indexes.has(alias)) {
      throw new AppError('VALIDATION_FAILED', `${alias} is an index, so it cannot also be an alias; choose another alias name`, { alias });
    }
    if (!this.indexes.has(index)) {
      assertIndexName(index, 'index');
      const target = this.aliases.get(index);
      throw new AppError(
        'UNKNOWN_INDEX',
        target === undefined
          ? `index ${index} does not exist; create it with ensureIndex before pointing alias ${alias} at it`
          : `${index} is an alias (of ${target}); point alias ${alias} at an index, e.g. ${target}`,
        { index, alias },
      );
    }
    if (this.aliases.get(alias) === index) return;
    this.aliases.set(alias, index);
    this.writes++;
  }

  async deleteAlias(alias: string): Promise<boolean> {
    this.assertOpen();
    const deleted = this.aliases.delete(alias);
    if (deleted) this.writes++;
    return deleted;
  }

  async resolveAlias(alias: string): Promise<string | undefined> {
    this.assertOpen();
    return this.aliases.get(alias);
  }

  async listIndexes(): Promise<IndexInfo[]> {
    this.assertOpen();
    const byIndex = new Map<string, string[]>([...this.indexes.keys()].map((name) => [name, []]));
    for (const [alias, index] of this.aliases) byIndex.get(index)!.push(alias);
    return [...byIndex]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, aliases]) => ({ name, aliases: aliases.sort() }));
  }

  async dropIndex(index: string): Promise<boolean> {
    this.assertOpen();
    const target = this.aliases.get(index);
    if (target !== undefined) {
      throw new AppError('VALIDATION_FAILED', `${index} is an alias (of ${target}), not an index; use deleteAlias to remove it`, { index });
    }
    if (!this.indexes.has(index)) return false;
    const pointing = [...this.aliases].filter(([, i]) => i === index).map(([a]) => a).sort();
    if (pointing.length > 0) {
      throw new AppError(
        'VALIDATION_FAILED',
        `index ${index} is still the target of alias ${pointing.join(', ')}; switch or delete the alias first`,
        { index, aliases: pointing },
      );
    }
    this.indexes.delete(index);
    this.writes++;
    return true;
  }

  async upsert(index: string, chunks: readonly ChunkInput[]): Promise<void> {
    const state = this.state(index);
    // Validate the whole batch first: a bad record must not leave half a batch applied.
    chunks.forEach((c, i) => validateChunk(c, i, state.name, state.dimensions));
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
    validateQuery(query, state.name, state.dimensions);
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
    chunks.forEach((c, i) => validateChunk(c, i, state.name, state.dimensions));
  }

  private state(index: string): IndexState {
    this.assertOpen();
    const state = this.lookup(index);
    if (!state) {
      throw new AppError('UNKNOWN_INDEX', `index ${index} does not exist; create it with ensureIndex first`, { index });
    }
    return state;
  }

  /** The index named `name`, or the one the alias `name` points at. */
  private lookup(name: string): IndexState | undefined {
    const state = this.indexes.get(name);
    if (state) return state;
    const target = this.aliases.get(name);
    return target === undefined ? undefined : this.indexes.get(target);
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('UNAVAILABLE', 'the vector store has been closed');
  }
}
