import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { OpenApiValidator, type SpecProblem, type SpecRoute } from './openapi-spec.validator.js';
import { DoubleCollection, QdrantDoubleError, type DenseParams, type Filter, type PointId, type SparseParams } from './qdrant-double.collection.js';

/** The Qdrant REST API versions the double can be started with (specs in shared/data/qdrant-openapi). */
export type QdrantSpecVersion = '1.16' | '1.19';

export interface QdrantDoubleOptions {
  /** Which published OpenAPI spec every request and response is checked against. Default 1.19. */
  spec?: QdrantSpecVersion;
  /** Another spec file (overrides `spec`). */
  specPath?: string;
  /** When set, requests need `api-key: <apiKey>` (or `Authorization: Bearer <apiKey>`), else 401. */
  apiKey?: string;
  /** Properties the spec does not declare are violations (default true; see OpenApiValidatorOptions). */
  closedObjects?: boolean;
}

/** One fault, applied to one matching request instead of (or before) the normal answer. */
export interface QdrantDoubleFault {
  /** Wait this long before answering. */
  latencyMs?: number;
  /** Answer with this status and Qdrant's error body (`{ status: { error }, time }`). */
  status?: number;
  message?: string;
  /** Never answer; the socket stays open until the client gives up or the double closes. */
  hang?: boolean;
  /** Destroy the socket without answering. */
  dropConnection?: boolean;
}

/** Something the client did that real Qdrant would reject or silently ignore, or a bug in the double itself. */
export interface QdrantDoubleViolation {
  /** request: the request breaks the spec; unsupported: a feature the double lacks; response: the double broke the spec. */
  kind: 'request' | 'unsupported' | 'response';
  method: string;
  path: string;
  operation?: string;
  message: string;
}

export interface RecordedQdrantRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when there was none; the raw text when it did not parse). */
  body: unknown;
  operation?: string;
  status?: number;
}

interface Reply {
  status: number;
  result?: unknown;
  error?: string;
}

const SPEC_DIR = fileURLToPath(new URL('../../../../shared/data/qdrant-openapi/', import.meta.url));

/**
 * A local HTTP server speaking the part of Qdrant's REST API a vector-store adapter needs, with real semantics:
 * collections with named dense (Cosine/Dot) and sparse vectors (IDF modifier as Qdrant documents it), payloads and
 * payload indexes, filters (must / should / must_not / min_should; match value / any, range, has_id, is_empty,
 * is_null, nested filters; JSON paths with quoted keys), exact search, the Query API with prefetches and RRF
 * fusion (Qdrant's formula), count, scroll, facet, delete by ids or filter, and aliases (changed as Qdrant does:
 * action by action, an error stopping the list part-way).
 *
 * Every request is validated against the OpenAPI spec the double was started with: route, path and query
 * parameters, JSON body. An invalid request is answered 400 (422 for out-of-range values), like Qdrant, and
 * recorded in `violations`, so a suite can assert that its client never sent one. Every response the double sends
 * is validated against the spec too. Answers use Qdrant's envelope `{ result, status: "ok", time }` and its error
 * shape `{ status: { error }, time }` with Qdrant's messages (404 missing collection, 400 wrong dimension, 409
 * existing collection).
 */
export class QdrantDoubleServer {
  readonly violations: QdrantDoubleViolation[] = [];
  readonly requests: RecordedQdrantRequest[] = [];
  readonly validator: OpenApiValidator;
  private readonly server: Server;
  private readonly collections = new Map<string, DoubleCollection>();
  /** alias → collection */
  private readonly aliases = new Map<string, string>();
  private readonly faults: { fault: QdrantDoubleFault; when?: (method: string, path: string) => boolean }[] = [];

  private constructor(private readonly options: QdrantDoubleOptions) {
    const specPath = options.specPath ?? `${SPEC_DIR}openapi-v${options.spec ?? '1.19'}.x.json`;
    this.validator = OpenApiValidator.load(specPath, { closedObjects: options.closedObjects ?? true });
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.violations.push({ kind: 'response', method: req.method ?? '', path: req.url ?? '', message: `double crashed: ${String(e)}` });
        if (!res.headersSent) send(res, 500, { status: { error: `Service internal error: ${String(e)}` }, time: 0 });
      });
    });
  }

  static async start(options: QdrantDoubleOptions = {}): Promise<QdrantDoubleServer> {
    const double = new QdrantDoubleServer(options);
    await new Promise<void>((resolve, reject) => {
      double.server.once('error', reject);
      double.server.listen(0, '127.0.0.1', () => resolve());
    });
    return double;
  }

  /** The REST URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The spec's `info.version` (`v1.16.x`, `v1.19.x`). */
  get specVersion(): string {
    return this.validator.version;
  }

  /** Applies `fault` to each of the next `times` requests for which `when` holds (all when omitted). */
  inject(fault: QdrantDoubleFault, times = 1, when?: (method: string, path: string) => boolean): void {
    for (let i = 0; i < times; i++) this.faults.push({ fault, when });
  }

  /** Forgets queued faults and recorded requests (not data, not violations). */
  reset(): void {
    this.faults.length = 0;
    this.requests.length = 0;
  }

  /** Names of the collections that exist, sorted. */
  collectionNames(): string[] {
    return [...this.collections.keys()].sort();
  }

  /** The payload indexes of a collection: field → type. */
  payloadIndexes(collection: string): Record<string, string> {
    return Object.fromEntries(this.collections.get(collection)?.payloadIndexes ?? []);
  }

  async close(): Promise<void> {
    this.faults.length = 0;
    // Hanging requests keep their sockets open: cut them, or close() would wait for them forever.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const text = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://double');
    const method = req.method ?? 'GET';
    let body: unknown;
    let parsed = true;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
      parsed = false;
    }
    const record: RecordedQdrantRequest = { method, path: url.pathname, query: url.searchParams, headers: req.headers, body };
    this.requests.push(record);
    const violate = (kind: QdrantDoubleViolation['kind'], message: string) =>
      this.violations.push({ kind, method, path: url.pathname + url.search, operation: record.operation, message });

    const at = this.faults.findIndex((f) => !f.when || f.when(method, url.pathname));
    const fault = at < 0 ? undefined : this.faults.splice(at, 1)[0].fault;
    if (fault?.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    if (fault?.hang) return;
    if (fault?.dropConnection) {
      req.socket.destroy();
      return;
    }

    const route = this.validator.route(method, url.pathname);
    const answer = (reply: Reply) => {
      record.status = reply.status;
      const time = (performance.now() - started) / 1000;
      // `GET /` answers its VersionInfo bare; every other operation wraps the result in Qdrant's envelope.
      const bare = !('where' in route) && route.operation.operationId === 'root' && reply.error === undefined;
      const payload = bare ? reply.result : reply.error === undefined ? { result: reply.result, status: 'ok', time } : { status: { error: reply.error }, time };
      if (!('where' in route)) {
        for (const p of this.validator.validateResponse(route, reply.status, payload)) violate('response', p.message);
      }
      send(res, reply.status, payload);
    };
    if ('where' in route) {
      violate('request', route.message);
      return answer({ status: 404, error: `Not found: ${route.message}` });
    }
    record.operation = route.operation.operationId;
    if (fault?.status !== undefined) return answer({ status: fault.status, error: fault.message ?? `Service internal error: injected fault ${fault.status}` });

    const key = this.options.apiKey;
    if (key !== undefined && req.headers['api-key'] !== key && req.headers.authorization !== `Bearer ${key}`) {
      return answer({ status: 401, error: 'Unauthorized: Invalid API key or JWT' });
    }
    if (!parsed) {
      violate('request', 'body is not valid JSON');
      return answer({ status: 400, error: `Format error in JSON body: not valid JSON: ${text.slice(0, 80)}` });
    }
    if (body !== undefined && !String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      violate('request', `body sent as ${String(req.headers['content-type'])}, not application/json`);
      return answer({ status: 415, error: 'Unsupported Media Type: expected application/json' });
    }
    const problems = this.validator.validateRequest(route, url.searchParams, body);
    if (problems.length > 0) {
      for (const p of problems) violate('request', `${p.where}: ${p.message}`);
      return answer(rejection(problems));
    }
    try {
      answer(this.operate(route, url.searchParams, body as Record<string, unknown>));
    } catch (e) {
      if (!(e instanceof QdrantDoubleError)) throw e;
      if (e.unsupported) violate('unsupported', e.message);
      answer({ status: e.status, error: e.message });
    }
  }

  private operate(route: SpecRoute, query: URLSearchParams, body: Record<string, unknown>): Reply {
    const name = route.params.collection_name;
    const ok = (result: unknown): Reply => ({ status: 200, result });
    const update = (operation_id: number): Reply => ok({ operation_id, status: query.get('wait') === 'true' ? 'completed' : 'acknowledged' });
    switch (route.operation.operationId) {
      case 'root':
        return ok({ title: 'qdrant - vector search engine (double)', version: this.validator.version.replace(/^v/, '').replace(/x$/, '0') });
      case 'get_collections':
        return ok({ collections: this.collectionNames().map((n) => ({ name: n })) });
      case 'collection_exists':
        return ok({ exists: this.collections.has(name) });
      case 'get_collection':
        return ok(this.info(this.collection(name)));
      case 'create_collection':
        this.create(name, body);
        return ok(true);
      case 'delete_collection': {
        const existed = this.collections.delete(name);
        for (const [alias, target] of this.aliases) if (target === name) this.aliases.delete(alias);
        return ok(existed);
      }
      case 'update_aliases':
        this.changeAliases(body.actions as Record<string, Record<string, string>>[]);
        return ok(true);
      case 'get_collections_aliases':
        return ok({ aliases: [...this.aliases].sort().map(([alias_name, collection_name]) => ({ alias_name, collection_name })) });
      case 'get_collection_aliases': {
        this.collection(name);
        const of = [...this.aliases].filter(([, c]) => c === name).sort();
        return ok({ aliases: of.map(([alias_name, collection_name]) => ({ alias_name, collection_name })) });
      }
      case 'create_field_index':
        return update(this.collection(name).createPayloadIndex(body.field_name as string, body.field_schema));
      case 'upsert_points': {
        const col = this.collection(name);
        if ('batch' in body) {
          const b = body.batch as { ids: PointId[]; vectors: Record<string, unknown[]>; payloads?: (Record<string, never> | null)[] | null };
          const points = b.ids.map((id, i) => ({
            id,
            vector: Object.fromEntries(Object.entries(b.vectors).map(([v, list]) => [v, list[i]])),
            payload: b.payloads?.[i] ?? null,
          }));
          return update(col.upsert(points));
        }
        return update(col.upsert(body.points as { id: PointId; vector: unknown; payload?: Record<string, never> | null }[]));
      }
      case 'delete_points': {
        const col = this.collection(name);
        if ('points' in body) return update(col.deleteIds(body.points as PointId[]));
        return update(col.deleteWhere(body.filter as Filter));
      }
      case 'count_points':
        return ok({ count: this.collection(name).count(body.filter as Filter | null) });
      case 'scroll_points':
        if (body.order_by != null) throw new QdrantDoubleError(400, 'the Qdrant double does not implement order_by', true);
        return ok(
          this.collection(name).scroll({
            offset: body.offset as PointId | null,
            limit: body.limit as number | null,
            filter: body.filter as Filter | null,
            withPayload: body.with_payload,
          }),
        );
      case 'facet':
        return ok({ hits: this.collection(name).facet(body.key as string, { limit: body.limit as number | null, filter: body.filter as Filter | null }) });
      case 'query_points':
        return ok({ points: this.collection(name).query(body) });
      default:
        throw new QdrantDoubleError(400, `the Qdrant double does not implement ${route.operation.operationId}`, true);
    }
  }

  /** A collection by name or alias; 404 with Qdrant's message when neither exists. */
  private collection(name: string): DoubleCollection {
    const col = this.collections.get(name) ?? this.collections.get(this.aliases.get(name) ?? '');
    if (!col) throw new QdrantDoubleError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return col;
  }

  private create(name: string, body: Record<string, unknown>): void {
    if (this.collections.has(name)) throw new QdrantDoubleError(409, `Wrong input: Collection \`${name}\` already exists!`);
    if (this.aliases.has(name)) throw new QdrantDoubleError(409, `Wrong input: Alias with name \`${name}\` already exists!`);
    // Qdrant refuses these characters in collection names (they end up in file paths).
    if (name.length === 0 || name.length > 255 || [...name].some((ch) => '<>:"/\\|?*'.includes(ch) || ch.charCodeAt(0) < 0x20)) {
      throw new QdrantDoubleError(422, `Validation error in path parameters: [name: collection name cannot contain / \\ < > : " | ? * or control characters]`);
    }
    const vectors = (body.vectors ?? {}) as Record<string, unknown>;
    if ('size' in vectors) throw new QdrantDoubleError(400, 'the Qdrant double does not implement the unnamed default vector', true);
    for (const k of ['quantization_config', 'sharding_method', 'strict_mode_config']) {
      if (body[k] != null) throw new QdrantDoubleError(400, `the Qdrant double does not implement ${k}`, true);
    }
    const dense = new Map(Object.entries(vectors as Record<string, DenseParams>).map(([k, v]) => [k, { size: v.size, distance: v.distance }]));
    for (const [k, v] of dense) {
      if (v.distance !== 'Cosine' && v.distance !== 'Dot') throw new QdrantDoubleError(400, `the Qdrant double does not implement ${v.distance} distance (vector ${k})`, true);
    }
    const sparse = new Map(Object.entries((body.sparse_vectors ?? {}) as Record<string, SparseParams>).map(([k, v]) => [k, { modifier: v.modifier ?? null }]));
    for (const k of sparse.keys()) if (dense.has(k)) throw new QdrantDoubleError(400, `Wrong input: vector name ${k} is used by a dense and a sparse vector`);
    this.collections.set(name, new DoubleCollection(name, dense, sparse));
  }

  /** Qdrant applies alias actions one by one under a lock; an error stops the list and earlier actions stay done. */
  private changeAliases(actions: Record<string, Record<string, string>>[]): void {
    for (const action of actions) {
      if (action.create_alias) {
        const { collection_name, alias_name } = action.create_alias;
        if (!this.collections.has(collection_name)) throw new QdrantDoubleError(404, `Not found: Collection \`${collection_name}\` doesn't exist!`);
        if (this.collections.has(alias_name)) throw new QdrantDoubleError(409, `Wrong input: Collection \`${alias_name}\` already exists!`);
        this.aliases.set(alias_name, collection_name);
      } else if (action.delete_alias) {
        this.aliases.delete(action.delete_alias.alias_name);
      } else if (action.rename_alias) {
        const { old_alias_name, new_alias_name } = action.rename_alias;
        const target = this.aliases.get(old_alias_name);
        if (target === undefined) throw new QdrantDoubleError(404, `Not found: Alias ${old_alias_name} does not exist`);
        this.aliases.delete(old_alias_name);
        this.aliases.set(new_alias_name, target);
      }
    }
  }

  private info(col: DoubleCollection): unknown {
    const payload_schema = Object.fromEntries(
      [...col.payloadIndexes].map(([field, type]) => [field, { data_type: type, points: col.indexedPoints(field) }]),
    );
    return {
      status: 'green',
      optimizer_status: 'ok',
      indexed_vectors_count: 0,
      points_count: col.size,
      segments_count: 1,
      config: {
        params: {
          vectors: Object.fromEntries([...col.dense].map(([k, v]) => [k, { size: v.size, distance: v.distance }])),
          shard_number: 1,
          replication_factor: 1,
          write_consistency_factor: 1,
          on_disk_payload: true,
          sparse_vectors: Object.fromEntries([...col.sparse].map(([k, v]) => [k, v.modifier ? { modifier: v.modifier } : {}])),
        },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
        optimizer_config: {
          deleted_threshold: 0.2,
          vacuum_min_vector_number: 1000,
          default_segment_number: 0,
          max_segment_size: null,
          memmap_threshold: null,
          indexing_threshold: 10000,
          flush_interval_sec: 5,
          max_optimization_threads: null,
        },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
        quantization_config: null,
      },
      payload_schema,
    };
  }
}

function rejection(problems: SpecProblem[]): Reply {
  const text = problems.map((p) => p.message).join('; ');
  if (problems.every((p) => p.rangeOnly)) return { status: 422, error: `Validation error in JSON body: [${text}]` };
  const where = problems[0].where === 'query' ? 'Query deserialize error' : problems[0].where === 'path' ? 'Path deserialize error' : 'Format error in JSON body';
  return { status: 400, error: `${where}: ${text}` };
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
