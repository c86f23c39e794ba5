import { AppError, systemClock, type ChunkHit, type Clock, type DocumentMetadata } from '@ragops/contracts';
import {
  assertIndexName,
  INDEX_NAME_PATTERN,
  type ChunkRecord,
  type HybridQuery,
  type IndexInfo,
  type IndexSpec,
  type IndexStats,
  type VectorStore,
} from '@ragops/rag';
import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { validateChunk, validateQuery } from './chunk.validation.js';
import type { ChunkInput } from './memory.store.js';
import { mapQdrantError } from './qdrant.errors.js';
import { documentFilter, qdrantFilter } from './qdrant.filter.js';
import { qdrantPointId } from './qdrant.point-id.js';

export interface QdrantVectorStoreOptions {
  /** Qdrant's REST URL with its port, e.g. `http://qdrant:6333` (without a port the client assumes 6333). */
  url: string;
  /** Sent as the `api-key` header. */
  apiKey?: string;
  /** Bound on every HTTP request, in ms (also sent to Qdrant as its own `timeout` where the API takes one). Default 10 000. */
  timeoutMs?: number;
  /** Points per upsert request. Default 256. */
  upsertBatchSize?: number;
  /**
   * Put in front of every index and alias name to make the Qdrant collection and alias names, so several
   * deployments (or test runs) can share one Qdrant. 0-64 characters of [A-Za-z0-9_-]. Default `ragops_`.
   */
  collectionPrefix?: string;
  /** Stamps each write (documentHash reports the version written last). Default systemClock. */
  clock?: Clock;
}

/** Vector names inside each collection. */
export const DENSE_VECTOR = 'dense';
export const SPARSE_VECTOR = 'sparse';
/** Keyword payload indexes every collection gets: the tenant filter, document filters and deletes, stats. */
export const KEYWORD_INDEXES = ['tenant', 'docId', 'source', 'docKey'] as const;
/** Payload fields a hit needs (the rest stays on the server). */
const HIT_FIELDS = ['chunkId', 'docId', 'text', 'title', 'source', 'metadata'];

/** What each point carries. `docKey` is one keyword per (tenant, document) for counting documents by facet. */
interface ChunkPayload {
  tenant: string;
  docId: string;
  docKey: string;
  chunkId: string;
  chunkIndex: number;
  docHash: string;
  text: string;
  /** When the point was written (ms, strictly increasing per store): which version of a document came last. */
  writtenAt: number;
  title?: string;
  source?: string;
  metadata?: DocumentMetadata;
}

/**
 * The VectorStore on Qdrant through `@qdrant/js-client-rest`. One collection per index version
 * (`<prefix><index>`), with a named dense vector (cosine) and a named sparse vector with `modifier: idf`, so
 * Qdrant computes the BM25 IDF at query time; keyword payload indexes on tenant, docId, source and docKey.
 *
 * - Points: id = UUIDv5 of (tenant, chunkId) (qdrant.point-id.ts), payload as ChunkPayload.
 * - upsert: checked whole first, then sent in batches of `upsertBatchSize` with `wait: true`. Not atomic across
 *   batches (a failure leaves a prefix); re-running is safe, points are idempotent by id.
 * - search: the Query API. Dense-only and sparse-only are one nearest query (cosine; Σ idf·q·d); hybrid is a dense
 *   and a sparse prefetch (`limit` = candidates) fused by RRF. Qdrant's RRF gives the point at 0-based position p
 *   1/(p + k), so k = rrfK + 1 yields the port's 1/(rrfK + rank) with 1-based ranks. The tenant filter and the
 *   SearchFilter go on every prefetch and on the root query.
 * - deleteDocument: an exact count of the matching points, then a delete by the same filter (two calls: Qdrant's
 *   delete does not say how many it removed; a write racing between them can make the count differ by its size).
 * - documentHash: scrolls the document's points (hash and write stamp only) and reports the newest hash.
 * - stats: chunks by an exact count; documents by an exact facet on `docKey` with limit = chunks, so it returns
 *   every distinct (tenant, document) once: one call whose answer grows with the number of documents, not
 *   chunks (a scroll would move every point's payload).
 * - Aliases: Qdrant aliases named `<prefix><alias>`, switched by one change-aliases call (delete + create). Qdrant
 *   applies those actions one by one and keeps the first if the second fails, so the target is checked first.
 * - Every request is bounded by `timeoutMs` (client-side abort → DEADLINE_EXCEEDED); errors are mapped by
 *   qdrant.errors.ts.
 */
export class QdrantVectorStore implements VectorStore {
  readonly url: string;
  readonly collectionPrefix: string;
  private readonly client: QdrantClient;
  private readonly timeoutMs: number;
  private readonly timeoutSeconds: number;
  private readonly batchSize: number;
  private readonly clock: Clock;
  private lastStamp = 0;
  private closed = false;

  constructor(options: QdrantVectorStoreOptions) {
    const { timeoutMs = 10_000, upsertBatchSize = 256, collectionPrefix = 'ragops_' } = options;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new AppError('VALIDATION_FAILED', `Qdrant timeoutMs must be a positive integer, got ${timeoutMs}`);
    if (!Number.isInteger(upsertBatchSize) || upsertBatchSize < 1 || upsertBatchSize > 10_000) {
      throw new AppError('VALIDATION_FAILED', `Qdrant upsertBatchSize must be an integer in 1..10000, got ${upsertBatchSize}`);
    }
    if (!/^[A-Za-z0-9_-]{0,64}$/.test(collectionPrefix)) {
      throw new AppError('VALIDATION_FAILED', `Qdrant collectionPrefix must be 0-64 characters of A-Z a-z 0-9 _ -, got ${JSON.stringify(collectionPrefix)}`);
    }
    if (!/^https?:\/\/[^/]/.test(options.url ?? '')) {
      throw new AppError('VALIDATION_FAILED', `QDRANT_URL must be an http(s) URL such as http://qdrant:6333, got ${JSON.stringify(options.url)}`);
    }
    this.url = options.url;
    this.collectionPrefix = collectionPrefix;
    this.timeoutMs = timeoutMs;
    this.timeoutSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    this.batchSize = upsertBatchSize;
    this.clock = options.clock ?? systemClock;
    this.client = new QdrantClient({
      url: options.url,
      apiKey: options.apiKey,
      timeout: timeoutMs,
      // The check is one more request at construction whose failure only logs to the console.
      checkCompatibility: false,
    });
  }

  async ensureIndex(index: string, spec: IndexSpec): Promise<void> {
    this.assertOpen();
    const dimensions = spec?.dimensions;
    if (!Number.isInteger(dimensions) || dimensions <= 0) {
      throw new AppError('VALIDATION_FAILED', `index dimensions must be a positive integer, got ${dimensions}`, { index });
    }
    let info = INDEX_NAME_PATTERN.test(index) ? await this.collectionInfo(index) : undefined;
    if (!info) {
      assertIndexName(index, 'index');
      const collection = this.collectionOf(index);
      try {
        await this.client.createCollection(collection, {
          vectors: { [DENSE_VECTOR]: { size: dimensions, distance: 'Cosine' } },
          sparse_vectors: { [SPARSE_VECTOR]: { modifier: 'idf' } },
          timeout: this.timeoutSeconds,
        });
      } catch (e) {
        // 409: another process created it first; check what it created like any existing index.
        if ((e as { status?: unknown }).status !== 409) throw this.fail(e, `creating index ${index}`, index);
      }
      info = await this.collectionInfo(index);
      if (!info) throw new AppError('UPSTREAM_FAILED', `Qdrant accepted index ${index} but does not show it`, { index });
    }
    const params = info.config.params;
    const vectors = params.vectors as Record<string, { size?: number }> | undefined;
    const size = vectors?.[DENSE_VECTOR]?.size;
    if (size === undefined || !params.sparse_vectors?.[SPARSE_VECTOR]) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Qdrant collection ${this.collectionOf(index)} lacks the vectors ${DENSE_VECTOR}/${SPARSE_VECTOR}; it was not created by ragops — use another index name or collectionPrefix`,
        { index },
      );
    }
    if (size !== dimensions) {
      throw new AppError(
        'VALIDATION_FAILED',
        `index ${index} has dimension ${size}, got ${dimensions}; use a new index name for another embedding model`,
        { index, dimensions: size, requested: dimensions },
      );
    }
    // Also repairs an index whose creation stopped before its payload indexes were made.
    for (const field of KEYWORD_INDEXES) {
      if (info.payload_schema[field]) continue;
      await this.call(`creating the ${field} payload index of ${index}`, index, () =>
        this.client.createPayloadIndex(this.collectionOf(index), { field_name: field, field_schema: 'keyword', wait: true }),
      );
    }
  }

  async hasIndex(index: string): Promise<boolean> {
    this.assertOpen();
    return INDEX_NAME_PATTERN.test(index) && (await this.collectionInfo(index)) !== undefined;
  }

  async upsert(index: string, chunks: readonly ChunkInput[]): Promise<void> {
    this.assertOpen();
    this.assertKnownName(index);
    chunks.forEach((c, i) => validateChunk(c, i, index));
    // Qdrant checks the dimension per request; one length for all makes a mismatch fail on the first batch.
    const length = chunks[0]?.dense.length;
    chunks.forEach((c, i) => {
      if (c.dense.length !== length) {
        throw new AppError('VALIDATION_FAILED', `chunk ${i} (${c.chunkId}): dense vector has ${c.dense.length} dimensions, chunk 0 has ${length}`, { index, position: i });
      }
    });
    if (chunks.length === 0) {
      if (!(await this.collectionInfo(index))) throw unknownIndex(index);
      return;
    }
    const writtenAt = this.stamp();
    const collection = this.collectionOf(index);
    for (let start = 0; start < chunks.length; start += this.batchSize) {
      const points = chunks.slice(start, start + this.batchSize).map((c) => toPoint(c, writtenAt));
      await this.call(`upserting ${points.length} chunks into index ${index}`, index, () => this.client.upsert(collection, { wait: true, points }));
    }
  }

  async deleteDocument(index: string, tenant: string, docId: string, opts?: { exceptHash?: string }): Promise<number> {
    this.assertOpen();
    this.assertKnownName(index);
    const collection = this.collectionOf(index);
    const filter = documentFilter(tenant, docId, opts?.exceptHash);
    const what = `deleting document ${docId} from index ${index}`;
    const { count } = await this.call(what, index, () => this.client.count(collection, { filter, exact: true, timeout: this.timeoutSeconds }));
    if (count > 0) await this.call(what, index, () => this.client.delete(collection, { filter, wait: true }));
    return count;
  }

  async documentHash(index: string, tenant: string, docId: string): Promise<string | undefined> {
    this.assertOpen();
    this.assertKnownName(index);
    const collection = this.collectionOf(index);
    const filter = documentFilter(tenant, docId);
    let newest: { hash: string; at: number } | undefined;
    let offset: Schemas['ExtendedPointId'] | undefined;
    do {
      const page = await this.call(`reading the hash of document ${docId} in index ${index}`, index, () =>
        this.client.scroll(collection, { filter, limit: 256, offset, with_payload: ['docHash', 'writtenAt'], with_vector: false, timeout: this.timeoutSeconds }),
      );
      for (const p of page.points) {
        const payload = p.payload as Partial<ChunkPayload> | null | undefined;
        if (typeof payload?.docHash !== 'string') continue;
        const at = typeof payload.writtenAt === 'number' ? payload.writtenAt : 0;
        if (!newest || at > newest.at) newest = { hash: payload.docHash, at };
      }
      // The client's type admits an object here (its generator reads the spec's bare `nullable`); ids are these two.
      const next = page.next_page_offset;
      offset = typeof next === 'string' || typeof next === 'number' ? next : undefined;
    } while (offset !== undefined);
    return newest?.hash;
  }

  async search(index: string, q: HybridQuery): Promise<ChunkHit[]> {
    this.assertOpen();
    this.assertKnownName(index);
    validateQuery(q, index);
    if (!Number.isSafeInteger(q.rrfK)) {
      throw new AppError('VALIDATION_FAILED', `search in ${index}: Qdrant's RRF takes an integer k, got rrfK ${q.rrfK}`, { index });
    }
    const hybrid = q.dense !== undefined && q.sparse !== undefined;
    // Qdrant's limits start at 1: an empty answer needs no search, only the index check every search makes.
    if (q.topK === 0 || (hybrid && q.candidates === 0)) {
      if (!(await this.collectionInfo(index))) throw unknownIndex(index);
      return [];
    }
    const filter = qdrantFilter(q.tenant, q.filter);
    const dense = q.dense ? Array.from(q.dense) : undefined;
    const sparse = q.sparse ? mergeTerms(q.sparse) : undefined;
    const request: Schemas['QueryRequest'] = { filter, limit: q.topK, with_payload: HIT_FIELDS };
    if (q.scoreThreshold !== undefined) request.score_threshold = q.scoreThreshold;
    if (dense && sparse) {
      request.prefetch = [
        { query: dense, using: DENSE_VECTOR, limit: q.candidates, filter },
        { query: sparse, using: SPARSE_VECTOR, limit: q.candidates, filter },
      ];
      request.query = { rrf: { k: q.rrfK + 1 } };
    } else if (dense) {
      request.query = dense;
      request.using = DENSE_VECTOR;
    } else {
      request.query = sparse!;
      request.using = SPARSE_VECTOR;
    }
    const collection = this.collectionOf(index);
    const answer = await this.call(`search in index ${index}`, index, () => this.client.query(collection, { ...request, timeout: this.timeoutSeconds }));
    return answer.points.map((p) => toHit(p.payload as unknown as ChunkPayload, p.score));
  }

  async stats(index: string): Promise<IndexStats> {
    this.assertOpen();
    this.assertKnownName(index);
    const collection = this.collectionOf(index);
    const what = `reading the stats of index ${index}`;
    const { count } = await this.call(what, index, () => this.client.count(collection, { exact: true, timeout: this.timeoutSeconds }));
    if (count === 0) return { chunks: 0, documents: 0 };
    const facet = await this.call(what, index, () => this.client.facet(collection, { key: 'docKey', limit: count, exact: true, timeout: this.timeoutSeconds }));
    return { chunks: count, documents: facet.hits.length };
  }

  async switchAlias(alias: string, index: string): Promise<void> {
    this.assertOpen();
    assertIndexName(alias, 'alias');
    assertIndexName(index, 'index');
    const { collections, aliases } = await this.catalogue(`switching alias ${alias} to ${index}`);
    const qAlias = this.collectionOf(alias);
    const qIndex = this.collectionOf(index);
    if (collections.has(qAlias)) {
      throw new AppError('VALIDATION_FAILED', `${alias} is an index, so it cannot also be an alias; choose another alias name`, { alias });
    }
    if (!collections.has(qIndex)) {
      const target = aliases.get(qIndex);
      throw new AppError(
        'UNKNOWN_INDEX',
        target === undefined
          ? `index ${index} does not exist; create it with ensureIndex before pointing alias ${alias} at it`
          : `${index} is an alias (of ${this.indexOf(target)}); point alias ${alias} at an index`,
        { index, alias },
      );
    }
    if (aliases.get(qAlias) === qIndex) return;
    const actions: Schemas['AliasOperations'][] = [];
    if (aliases.has(qAlias)) actions.push({ delete_alias: { alias_name: qAlias } });
    actions.push({ create_alias: { alias_name: qAlias, collection_name: qIndex } });
    await this.call(`switching alias ${alias} to ${index}`, index, () => this.client.updateCollectionAliases({ actions, timeout: this.timeoutSeconds }));
  }

  async deleteAlias(alias: string): Promise<boolean> {
    this.assertOpen();
    if (!INDEX_NAME_PATTERN.test(alias)) return false;
    const qAlias = this.collectionOf(alias);
    const { aliases } = await this.catalogue(`deleting alias ${alias}`);
    if (!aliases.has(qAlias)) return false;
    await this.call(`deleting alias ${alias}`, undefined, () =>
      this.client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: qAlias } }], timeout: this.timeoutSeconds }),
    );
    return true;
  }

  async resolveAlias(alias: string): Promise<string | undefined> {
    this.assertOpen();
    if (!INDEX_NAME_PATTERN.test(alias)) return undefined;
    const { aliases } = await this.catalogue(`resolving alias ${alias}`);
    const target = aliases.get(this.collectionOf(alias));
    return target === undefined ? undefined : this.indexOf(target);
  }

  async listIndexes(): Promise<IndexInfo[]> {
    this.assertOpen();
    const { collections, aliases } = await this.catalogue('listing indexes');
    const byIndex = new Map<string, string[]>();
    for (const c of collections) {
      const name = this.indexOf(c);
      if (name !== undefined) byIndex.set(c, []);
    }
    for (const [alias, target] of aliases) {
      const name = this.indexOf(alias);
      if (name !== undefined) byIndex.get(target)?.push(name);
    }
    return [...byIndex]
      .map(([c, list]) => ({ name: this.indexOf(c)!, aliases: list.sort() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async dropIndex(index: string): Promise<boolean> {
    this.assertOpen();
    if (!INDEX_NAME_PATTERN.test(index)) return false;
    const qIndex = this.collectionOf(index);
    const { aliases } = await this.catalogue(`dropping index ${index}`);
    const target = aliases.get(qIndex);
    if (target !== undefined) {
      throw new AppError('VALIDATION_FAILED', `${index} is an alias (of ${this.indexOf(target)}), not an index; use deleteAlias to remove it`, { index });
    }
    const pointing = [...aliases].filter(([, c]) => c === qIndex).map(([a]) => this.indexOf(a) ?? a).sort();
    if (pointing.length > 0) {
      throw new AppError('VALIDATION_FAILED', `index ${index} is still the target of alias ${pointing.join(', ')}; switch or delete the alias first`, { index, aliases: pointing });
    }
    return this.call(`dropping index ${index}`, undefined, () => this.client.deleteCollection(qIndex, { timeout: this.timeoutSeconds }));
  }

  /** Marks the store closed; the client keeps no state that needs releasing beyond idle keep-alive sockets. */
  async close(): Promise<void> {
    this.closed = true;
  }

  /** The Qdrant collection (or alias) name of an index (or alias). */
  collectionOf(index: string): string {
    return this.collectionPrefix + index;
  }

  /** The index name of one of our collections or aliases; undefined for a name without our prefix. */
  private indexOf(qdrantName: string): string | undefined {
    if (!qdrantName.startsWith(this.collectionPrefix)) return undefined;
    const name = qdrantName.slice(this.collectionPrefix.length);
    return INDEX_NAME_PATTERN.test(name) ? name : undefined;
  }

  /** Collection info by index or alias name (Qdrant resolves aliases), undefined when neither exists. */
  private async collectionInfo(index: string): Promise<Schemas['CollectionInfo'] | undefined> {
    try {
      return await this.client.getCollection(this.collectionOf(index));
    } catch (e) {
      if ((e as { status?: unknown }).status === 404) return undefined;
      throw this.fail(e, `looking up index ${index}`, index);
    }
  }

  /** Every collection and alias (alias → collection) on the server. */
  private async catalogue(what: string): Promise<{ collections: Set<string>; aliases: Map<string, string> }> {
    const [collections, aliases] = await this.call(what, undefined, () => Promise.all([this.client.getCollections(), this.client.getAliases()]));
    return {
      collections: new Set(collections.collections.map((c) => c.name)),
      aliases: new Map(aliases.aliases.map((a) => [a.alias_name, a.collection_name])),
    };
  }

  private async call<T>(what: string, index: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw this.fail(e, what, index);
    }
  }

  private fail(e: unknown, what: string, index: string | undefined): AppError {
    return mapQdrantError(e, { operation: what, url: this.url, timeoutMs: this.timeoutMs, index });
  }

  /** A name that cannot be an index cannot exist: UNKNOWN_INDEX without asking (and without putting it in a URL). */
  private assertKnownName(index: string): void {
    if (typeof index !== 'string' || !INDEX_NAME_PATTERN.test(index)) throw unknownIndex(index);
  }

  private stamp(): number {
    this.lastStamp = Math.max(this.clock.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('UNAVAILABLE', 'the Qdrant vector store has been closed');
  }
}

/** Builds a QdrantVectorStore (for config wiring: VECTOR_STORE=qdrant, QDRANT_URL, QDRANT_API_KEY). */
export function createQdrantStore(options: QdrantVectorStoreOptions): QdrantVectorStore {
  return new QdrantVectorStore(options);
}

function unknownIndex(index: string): AppError {
  return new AppError('UNKNOWN_INDEX', `index ${index} does not exist; create it with ensureIndex first`, { index });
}

function toPoint(c: ChunkInput | ChunkRecord, writtenAt: number): Schemas['PointStruct'] {
  const payload: ChunkPayload = {
    tenant: c.tenant,
    docId: c.docId,
    docKey: JSON.stringify([c.tenant, c.docId]),
    chunkId: c.chunkId,
    chunkIndex: c.chunkIndex,
    docHash: c.docHash,
    text: c.text,
    writtenAt,
  };
  if (c.title !== undefined) payload.title = c.title;
  if (c.source !== undefined) payload.source = c.source;
  if (c.metadata !== undefined) payload.metadata = c.metadata;
  return {
    id: qdrantPointId(c.tenant, c.chunkId),
    vector: {
      [DENSE_VECTOR]: Array.from(c.dense),
      [SPARSE_VECTOR]: { indices: [...c.sparse.indices], values: [...c.sparse.values] },
    },
    payload: payload as unknown as Schemas['Payload'],
  };
}

/** A query's terms sorted and merged: Qdrant wants unique indices; a repeated term counts with its summed weight. */
function mergeTerms(v: { indices: number[]; values: number[] }): { indices: number[]; values: number[] } {
  const merged = new Map<number, number>();
  v.indices.forEach((t, i) => merged.set(t, (merged.get(t) ?? 0) + v.values[i]));
  const indices = [...merged.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((t) => merged.get(t)!) };
}

function toHit(p: ChunkPayload, score: number): ChunkHit {
  const hit: ChunkHit = { chunkId: p.chunkId, docId: p.docId, score, text: p.text };
  if (p.title !== undefined && p.title !== null) hit.title = p.title;
  if (p.source !== undefined && p.source !== null) hit.source = p.source;
  if (p.metadata !== undefined && p.metadata !== null) hit.metadata = p.metadata;
  return hit;
}
