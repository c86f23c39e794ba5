/**
 * The in-memory semantics behind QdrantDoubleServer: one collection with named dense and sparse vectors, payloads,
 * payload indexes, filters, exact (brute-force) search, Qdrant's IDF modifier and RRF fusion. Requests reaching it
 * have passed OpenAPI validation, so it only checks what the spec cannot say (dimensions, vector names, …) and
 * answers like Qdrant does. Features the adapter under test has no business using throw `unsupported`.
 */

export type PointId = number | string;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Payload = Record<string, Json>;

/** An error Qdrant would answer with this status and message. */
export class QdrantDoubleError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** True when the request used a feature the double does not implement (recorded as a violation). */
    readonly unsupported = false,
  ) {
    super(message);
  }
}

const unsupported = (what: string) => new QdrantDoubleError(400, `the Qdrant double does not implement ${what}`, true);

export interface DenseParams {
  size: number;
  distance: 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';
}
export interface SparseParams {
  modifier?: 'none' | 'idf' | null;
}

interface SparseStored {
  indices: number[];
  values: number[];
}

interface StoredPoint {
  id: PointId;
  /** Operation number of the last write. */
  version: number;
  dense: Map<string, Float32Array>;
  sparse: Map<string, SparseStored>;
  payload: Payload;
}

export interface ScoredPoint {
  id: PointId;
  version: number;
  score: number;
  payload?: Payload;
}

export type Filter = {
  must?: Condition | Condition[] | null;
  should?: Condition | Condition[] | null;
  must_not?: Condition | Condition[] | null;
  min_should?: { conditions: Condition[]; min_count: number } | null;
};
type Condition = Record<string, unknown>;

const UUID = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/** The canonical form of a point id (lowercase hyphenated UUIDs), as Qdrant echoes ids back. */
export function canonicalId(id: PointId): PointId {
  if (typeof id === 'number') return id;
  const m = UUID.exec(id);
  if (!m) throw new QdrantDoubleError(400, `Wrong input: Unable to parse UUID: ${id}`);
  return m.slice(1).join('-').toLowerCase();
}

const idKey = (id: PointId): string => (typeof id === 'number' ? `n${String(id).padStart(20, '0')}` : `u${id}`);

/** Qdrant's IDF (https://qdrant.tech/documentation/concepts/indexing/#idf-modifier): ln(1 + (N − n + 0.5)/(n + 0.5)). */
export function qdrantIdf(points: number, withTerm: number): number {
  return Math.log(1 + (points - withTerm + 0.5) / (withTerm + 0.5));
}

/**
 * Qdrant's RRF (lib/segment/src/common/reciprocal_rank_fusion.rs): a point at 0-based position p of a source adds
 * 1 / ((p + 1) / weight + k − 1), i.e. 1 / (p + k) with weight 1; the default k is 2.
 */
export function qdrantRrf(sources: ScoredPoint[][], k = 2, weights?: number[]): ScoredPoint[] {
  const f32 = Math.fround;
  const fused = new Map<string, ScoredPoint>();
  sources.forEach((source, s) => {
    const weight = f32(weights?.[s] ?? 1);
    source.forEach((point, position) => {
      // In f32, step by step, as the Rust code computes it.
      const add = weight <= 0 ? 0 : f32(1 / f32(f32(f32(position + 1) / weight) + k - 1));
      const key = idKey(point.id);
      const seen = fused.get(key);
      if (seen) seen.score = f32(seen.score + add);
      else fused.set(key, { ...point, score: add });
    });
  });
  return [...fused.values()].sort(byScore);
}

function byScore(a: ScoredPoint, b: ScoredPoint): number {
  if (b.score !== a.score) return b.score - a.score;
  const ka = idKey(a.id);
  const kb = idKey(b.id);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

// ---- JSON paths (lib/segment/src/json_path/parse.rs): key(.key | ."quoted key" | [n] | [])* -------------------------

type PathItem = { key: string } | { index: number } | { wildcard: true };

export function parseJsonPath(path: string): PathItem[] {
  const items: PathItem[] = [];
  let i = 0;
  const readKey = (): string => {
    if (path[i] === '"') {
      const end = path.indexOf('"', i + 1);
      if (end < 0) throw new QdrantDoubleError(400, `Wrong input: bad payload key ${path}`);
      const key = path.slice(i + 1, end);
      if (key.includes('\\')) throw new QdrantDoubleError(400, `Wrong input: bad payload key ${path}`);
      i = end + 1;
      return key;
    }
    const m = /^[\p{L}\p{N}_-]+/u.exec(path.slice(i));
    if (!m) throw new QdrantDoubleError(400, `Wrong input: bad payload key ${path}`);
    i += m[0].length;
    return m[0];
  };
  items.push({ key: readKey() });
  while (i < path.length) {
    if (path[i] === '.') {
      i++;
      items.push({ key: readKey() });
    } else if (path.startsWith('[]', i)) {
      i += 2;
      items.push({ wildcard: true });
    } else {
      const m = /^\[(\d+)\]/.exec(path.slice(i));
      if (!m) throw new QdrantDoubleError(400, `Wrong input: bad payload key ${path}`);
      i += m[0].length;
      items.push({ index: Number(m[1]) });
    }
  }
  return items;
}

const parsedPaths = new Map<string, PathItem[]>();

/** Every value at `path`, with arrays flattened (a condition on an array field tests each element). */
function valuesAt(payload: Payload, path: string): Json[] {
  let items = parsedPaths.get(path);
  if (!items) {
    items = parseJsonPath(path);
    if (parsedPaths.size < 10_000) parsedPaths.set(path, items);
  }
  let current: Json[] = [payload];
  for (const item of items) {
    const next: Json[] = [];
    for (const v of current) {
      if ('key' in item) {
        const objects = Array.isArray(v) ? v : [v];
        for (const o of objects) if (o && typeof o === 'object' && !Array.isArray(o) && item.key in o) next.push(o[item.key]);
      } else if ('index' in item) {
        if (Array.isArray(v) && item.index < v.length) next.push(v[item.index]);
      } else if (Array.isArray(v)) next.push(...v);
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

const asList = <T>(c: T | T[] | null | undefined): T[] => (c == null ? [] : Array.isArray(c) ? c : [c]);

export class DoubleCollection {
  private readonly points = new Map<string, StoredPoint>();
  readonly payloadIndexes = new Map<string, string>();
  private operations = 0;

  constructor(
    readonly name: string,
    readonly dense: Map<string, DenseParams>,
    readonly sparse: Map<string, SparseParams>,
  ) {}

  get size(): number {
    return this.points.size;
  }

  nextOperation(): number {
    return ++this.operations;
  }

  upsert(points: { id: PointId; vector: unknown; payload?: Payload | null }[]): number {
    // Check everything first: Qdrant rejects the whole request on a bad point.
    const prepared = points.map((p) => this.prepare(p));
    const operation = this.nextOperation();
    for (const p of prepared) {
      p.version = operation;
      this.points.set(idKey(p.id), p);
    }
    return operation;
  }

  deleteIds(ids: PointId[]): number {
    const operation = this.nextOperation();
    for (const id of ids) this.points.delete(idKey(canonicalId(id)));
    return operation;
  }

  deleteWhere(filter: Filter): number {
    const operation = this.nextOperation();
    for (const [key, p] of this.points) if (this.matches(p, filter)) this.points.delete(key);
    return operation;
  }

  createPayloadIndex(field: string, schema: unknown): number {
    parseJsonPath(field);
    const type = typeof schema === 'string' ? schema : (schema as { type?: string } | null)?.type;
    if (typeof type !== 'string') throw new QdrantDoubleError(400, `Wrong input: field_schema is required for ${field}`);
    this.payloadIndexes.set(field, type);
    return this.nextOperation();
  }

  indexedPoints(field: string): number {
    let n = 0;
    for (const p of this.points.values()) if (valuesAt(p.payload, field).length > 0) n++;
    return n;
  }

  count(filter: Filter | null | undefined): number {
    let n = 0;
    for (const p of this.points.values()) if (this.matches(p, filter)) n++;
    return n;
  }

  scroll(opts: { offset?: PointId | null; limit?: number | null; filter?: Filter | null; withPayload?: unknown }): {
    points: { id: PointId; payload?: Payload }[];
    next_page_offset: PointId | null;
  } {
    const limit = opts.limit ?? 10;
    const from = opts.offset == null ? '' : idKey(canonicalId(opts.offset));
    const sorted = [...this.points.entries()].filter(([k, p]) => k >= from && this.matches(p, opts.filter)).sort(([a], [b]) => (a < b ? -1 : 1));
    const page = sorted.slice(0, limit).map(([, p]) => this.record(p, opts.withPayload ?? true));
    return { points: page, next_page_offset: sorted.length > limit ? sorted[limit][1].id : null };
  }

  facet(key: string, opts: { limit?: number | null; filter?: Filter | null }): { value: string | number | boolean; count: number }[] {
    const type = this.payloadIndexes.get(key);
    if (!type || !['keyword', 'integer', 'bool', 'uuid'].includes(type)) {
      throw new QdrantDoubleError(
        400,
        `Bad request: Index required but not found for "${key}" of one of the following types: [keyword, integer, bool, uuid]. Help: Create an index for this key or use a different filter.`,
      );
    }
    const counts = new Map<string, { value: string | number | boolean; count: number }>();
    for (const p of this.points.values()) {
      if (!this.matches(p, opts.filter)) continue;
      const distinct = new Map<string, string | number | boolean>();
      for (const v of valuesAt(p.payload, key)) {
        if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v))) distinct.set(`${typeof v}:${String(v)}`, v);
      }
      for (const [k, value] of distinct) {
        const seen = counts.get(k);
        if (seen) seen.count++;
        else counts.set(k, { value, count: 1 });
      }
    }
    return [...counts.values()]
      .sort((a, b) => b.count - a.count || (String(a.value) < String(b.value) ? -1 : String(a.value) > String(b.value) ? 1 : 0))
      .slice(0, opts.limit ?? 10);
  }

  /** POST /points/query: prefetches (each ANDed with the root filter, as Qdrant propagates it), then the query. */
  query(req: Record<string, unknown>): ScoredPoint[] {
    for (const k of ['lookup_from', 'shard_key', 'params', 'with_vector']) {
      if (req[k] != null && !(k === 'with_vector' && req[k] === false)) throw unsupported(`query parameter ${k}`);
    }
    const limit = (req.limit as number | null | undefined) ?? 10;
    const offset = (req.offset as number | null | undefined) ?? 0;
    const ranked = this.stage(req, undefined, limit + offset);
    return ranked.slice(offset, offset + limit).map((p) => ({ ...p, payload: this.select(p.payload, req.with_payload ?? false) }));
  }

  private stage(req: Record<string, unknown>, inherited: Filter | undefined, limit: number): ScoredPoint[] {
    const filter = and(inherited, (req.filter as Filter | null | undefined) ?? undefined);
    const threshold = req.score_threshold as number | null | undefined;
    const keep = (points: ScoredPoint[]) => (threshold == null ? points : points.filter((p) => p.score >= threshold)).slice(0, limit);
    const prefetches = asList(req.prefetch as Record<string, unknown> | Record<string, unknown>[] | null);
    const query = req.query as unknown;
    const using = (req.using as string | null | undefined) ?? '';
    if (prefetches.length === 0) {
      if (query == null) throw unsupported('a query without a vector (ordering by id)');
      return keep(this.nearest(vectorOf(query), using, filter));
    }
    const sources = prefetches.map((p) => this.stage(p, filter, (p.limit as number | null | undefined) ?? 10));
    if (query && typeof query === 'object' && 'fusion' in query) {
      if ((query as { fusion: string }).fusion !== 'rrf') throw unsupported(`fusion ${(query as { fusion: string }).fusion}`);
      return keep(qdrantRrf(sources));
    }
    if (query && typeof query === 'object' && 'rrf' in query) {
      const rrf = (query as { rrf: { k?: number | null; weights?: number[] | null } }).rrf;
      if (rrf.weights && rrf.weights.length !== sources.length) {
        throw new QdrantDoubleError(400, `Bad request: Number of weights in RRF should match number of pre-fetches: got ${rrf.weights.length}, expected ${sources.length}`);
      }
      return keep(qdrantRrf(sources, rrf.k ?? 2, rrf.weights ?? undefined));
    }
    if (query == null) throw unsupported('prefetch without a query');
    // Re-score the prefetched candidates with the query vector.
    const candidates = new Set(sources.flat().map((p) => idKey(p.id)));
    return keep(this.nearest(vectorOf(query), using, filter, candidates));
  }

  private nearest(vector: number[] | SparseStored, using: string, filter: Filter | undefined, only?: Set<string>): ScoredPoint[] {
    const eligible = [...this.points.entries()].filter(([k, p]) => (only === undefined || only.has(k)) && this.matches(p, filter)).map(([, p]) => p);
    const scored: ScoredPoint[] = [];
    if (Array.isArray(vector)) {
      const params = this.dense.get(using);
      if (!params) {
        if (this.sparse.has(using)) throw new QdrantDoubleError(400, `Wrong input: Conversion between sparse and regular vectors failed`);
        throw new QdrantDoubleError(400, `Wrong input: Not existing vector name error: ${using}`);
      }
      if (vector.length !== params.size) {
        throw new QdrantDoubleError(400, `Wrong input: Vector dimension error: expected dim: ${params.size}, got ${vector.length}`);
      }
      const q = params.distance === 'Cosine' ? normalize(vector) : Float32Array.from(vector);
      for (const p of eligible) {
        const v = p.dense.get(using);
        if (v) scored.push(this.scored(p, Math.fround(dot(q, v))));
      }
    } else {
      const params = this.sparse.get(using);
      if (!params) {
        if (this.dense.has(using)) throw new QdrantDoubleError(400, `Wrong input: Conversion between sparse and regular vectors failed`);
        throw new QdrantDoubleError(400, `Wrong input: Not existing vector name error: ${using}`);
      }
      const query = new Map<number, number>();
      vector.indices.forEach((t, i) => query.set(t, vector.values[i]));
      let weights = query;
      if (params.modifier === 'idf') {
        // N and n over the whole collection, whatever the filter: statistics of the collection, as Qdrant says.
        let n = 0;
        const df = new Map<number, number>();
        for (const p of this.points.values()) {
          const s = p.sparse.get(using);
          if (!s) continue;
          n++;
          for (const t of s.indices) if (query.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
        }
        weights = new Map([...query].map(([t, w]) => [t, w * qdrantIdf(n, df.get(t) ?? 0)]));
      }
      for (const p of eligible) {
        const s = p.sparse.get(using);
        if (!s) continue;
        let score = 0;
        let shared = false;
        s.indices.forEach((t, i) => {
          const w = weights.get(t);
          if (w !== undefined) {
            shared = true;
            score += w * s.values[i];
          }
        });
        if (shared) scored.push(this.scored(p, Math.fround(score)));
      }
    }
    return scored.sort(byScore);
  }

  private scored(p: StoredPoint, score: number): ScoredPoint {
    return { id: p.id, version: p.version, score, payload: p.payload };
  }

  private record(p: StoredPoint, withPayload: unknown): { id: PointId; payload?: Payload } {
    const payload = this.select(p.payload, withPayload);
    return payload === undefined ? { id: p.id } : { id: p.id, payload };
  }

  /** Applies a WithPayloadInterface: true/false, a list of keys, or { include } / { exclude }. */
  private select(payload: Payload | undefined, selector: unknown): Payload | undefined {
    if (payload === undefined || selector === false || selector == null) return undefined;
    if (selector === true) return payload;
    const pick = (keys: string[]) => Object.fromEntries(Object.entries(payload).filter(([k]) => keys.includes(k)));
    if (Array.isArray(selector)) return pick(selector as string[]);
    const s = selector as { include?: string[]; exclude?: string[] };
    if (s.include) return pick(s.include);
    if (s.exclude) return Object.fromEntries(Object.entries(payload).filter(([k]) => !s.exclude!.includes(k)));
    return payload;
  }

  private prepare(p: { id: PointId; vector: unknown; payload?: Payload | null }): StoredPoint {
    const id = canonicalId(p.id);
    const point: StoredPoint = { id, version: 0, dense: new Map(), sparse: new Map(), payload: p.payload ?? {} };
    const vector = p.vector;
    if (Array.isArray(vector)) throw new QdrantDoubleError(400, 'Wrong input: Not existing vector name error: ');
    if (!vector || typeof vector !== 'object') throw unsupported('inference objects (Document, Image) as vectors');
    for (const [name, value] of Object.entries(vector as Record<string, unknown>)) {
      if (Array.isArray(value)) {
        const params = this.dense.get(name);
        if (!params) throw new QdrantDoubleError(400, `Wrong input: Not existing vector name error: ${name}`);
        if (value.some((x) => Array.isArray(x))) throw unsupported('multivectors');
        if (value.length !== params.size) {
          throw new QdrantDoubleError(400, `Wrong input: Vector dimension error: expected dim: ${params.size}, got ${value.length}`);
        }
        point.dense.set(name, params.distance === 'Cosine' ? normalize(value as number[]) : Float32Array.from(value as number[]));
      } else if (value && typeof value === 'object' && 'indices' in value) {
        if (!this.sparse.has(name)) throw new QdrantDoubleError(400, `Wrong input: Not existing vector name error: ${name}`);
        const s = value as SparseStored;
        if (s.indices.length !== s.values.length) {
          throw new QdrantDoubleError(422, `Validation error in JSON body: [points[].vector.${name}: indices and values must be the same length]`);
        }
        if (new Set(s.indices).size !== s.indices.length) {
          throw new QdrantDoubleError(422, `Validation error in JSON body: [points[].vector.${name}: indices must be unique]`);
        }
        const order = s.indices.map((_, i) => i).sort((a, b) => s.indices[a] - s.indices[b]);
        point.sparse.set(name, { indices: order.map((i) => s.indices[i]), values: order.map((i) => Math.fround(s.values[i])) });
      } else {
        throw unsupported('inference objects (Document, Image) as vectors');
      }
    }
    return point;
  }

  matches(p: StoredPoint, filter: Filter | null | undefined): boolean {
    if (!filter) return true;
    const test = (c: Condition) => this.condition(p, c);
    if (!asList(filter.must).every(test)) return false;
    if (asList(filter.must_not).some(test)) return false;
    const should = asList(filter.should);
    if (should.length > 0 && !should.some(test)) return false;
    if (filter.min_should) {
      const hits = filter.min_should.conditions.filter(test).length;
      if (hits < filter.min_should.min_count) return false;
    }
    return true;
  }

  private condition(p: StoredPoint, c: Condition): boolean {
    if ('key' in c) return this.fieldCondition(p, c);
    if ('has_id' in c) return (c.has_id as PointId[]).some((id) => idKey(canonicalId(id)) === idKey(p.id));
    if ('is_empty' in c) return valuesAt(p.payload, (c.is_empty as { key: string }).key).filter((v) => v !== null).length === 0;
    if ('is_null' in c) {
      const vs = valuesAt(p.payload, (c.is_null as { key: string }).key);
      return vs.length > 0 && vs.every((v) => v === null);
    }
    if ('must' in c || 'should' in c || 'must_not' in c || 'min_should' in c) return this.matches(p, c as Filter);
    throw unsupported(`filter condition ${Object.keys(c).join(', ')}`);
  }

  private fieldCondition(p: StoredPoint, c: Condition): boolean {
    const values = valuesAt(p.payload, c.key as string);
    const used = Object.keys(c).filter((k) => k !== 'key' && c[k] != null);
    if (used.length !== 1) throw unsupported(`field conditions with ${used.length === 0 ? 'no test' : used.join(' + ')}`);
    if (c.match != null) {
      const m = c.match as { value?: Json; any?: Json[] };
      if ('value' in m) return values.some((v) => sameScalar(v, m.value!));
      if ('any' in m) return values.some((v) => m.any!.some((w) => sameScalar(v, w)));
      throw unsupported(`match ${Object.keys(m).join(', ')}`);
    }
    if (c.range != null) {
      const r = c.range as { gt?: number | null; gte?: number | null; lt?: number | null; lte?: number | null };
      return values.some(
        (v) =>
          typeof v === 'number' &&
          (r.gt == null || v > r.gt) &&
          (r.gte == null || v >= r.gte) &&
          (r.lt == null || v < r.lt) &&
          (r.lte == null || v <= r.lte),
      );
    }
    throw unsupported(`field condition ${used[0]}`);
  }
}

/** Keyword, integer and bool matches compare by type: the string "1" never matches the number 1. */
function sameScalar(stored: Json, wanted: Json): boolean {
  if (typeof wanted === 'number') return typeof stored === 'number' && Number.isInteger(stored) && stored === wanted;
  return typeof stored === typeof wanted && stored === wanted;
}

function and(a: Filter | undefined, b: Filter | undefined): Filter | undefined {
  if (!a) return b;
  if (!b) return a;
  // Nested, not merged: merging `should` lists would OR them (qdrant/qdrant#10594).
  return { must: [a as Condition, b as Condition] };
}

function vectorOf(query: unknown): number[] | SparseStored {
  const q = query && typeof query === 'object' && !Array.isArray(query) && 'nearest' in query ? (query as { nearest: unknown }).nearest : query;
  if (Array.isArray(q) && q.every((x) => typeof x === 'number')) return q as number[];
  if (q && typeof q === 'object' && 'indices' in q && 'values' in q) {
    const s = q as SparseStored;
    if (s.indices.length !== s.values.length) throw new QdrantDoubleError(422, 'Validation error in JSON body: [query: indices and values must be the same length]');
    if (new Set(s.indices).size !== s.indices.length) throw new QdrantDoubleError(422, 'Validation error in JSON body: [query: indices must be unique]');
    return s;
  }
  if (query && typeof query === 'object' && 'nearest' in query && Object.keys(query).length > 1) throw unsupported('MMR');
  throw unsupported(`query ${JSON.stringify(query).slice(0, 60)}`);
}

function normalize(v: readonly number[]): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  // Qdrant leaves a zero vector as it is (it scores 0 against everything).
  return Float32Array.from(v, (x) => (norm > 1e-30 ? x / norm : x));
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
