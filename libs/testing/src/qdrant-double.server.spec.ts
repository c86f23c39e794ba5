import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { qdrantIdf, qdrantRrf, parseJsonPath } from './qdrant-double.collection.js';
import { QdrantDoubleServer, type QdrantSpecVersion } from './qdrant-double.server.js';

interface Answer {
  status: number;
  body: { result?: unknown; status?: unknown; time?: unknown };
}

async function call(double: QdrantDoubleServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(double.url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const ids = (a: Answer) => ((a.body.result as { points: { id: unknown }[] }).points ?? []).map((p) => p.id);
const scores = (a: Answer) => (a.body.result as { points: { score: number }[] }).points.map((p) => p.score);

describe('Qdrant formulas', () => {
  it('computes IDF as Qdrant documents it', () => {
    expect(qdrantIdf(10, 1)).toBeCloseTo(Math.log(1 + 9.5 / 1.5), 12);
    expect(qdrantIdf(3, 3)).toBeCloseTo(Math.log(1 + 0.5 / 3.5), 12);
    expect(qdrantIdf(5, 0)).toBeGreaterThan(qdrantIdf(5, 1));
  });

  it('fuses with RRF exactly as Qdrant’s own unit test expects (k = 2, 0-based positions)', () => {
    const p = (id: number) => ({ id, version: 0, score: 0 });
    // lib/segment/src/common/reciprocal_rank_fusion.rs, test_rrf_scoring.
    const fused = qdrantRrf([[p(2), p(1)], [p(1), p(2), p(3)], [p(5), p(3), p(1)]]);
    expect(fused.map((x) => [x.id, x.score])).toEqual([
      [1, Math.fround(1.0833334)],
      [2, Math.fround(0.8333334)],
      [3, Math.fround(0.5833334)],
      [5, 0.5],
    ]);
    // Weights compress positions: weight 0 contributes nothing.
    expect(qdrantRrf([[p(1)], [p(2)]], 2, [1, 0]).map((x) => [x.id, x.score])).toEqual([
      [1, 0.5],
      [2, 0],
    ]);
  });

  it('parses JSON paths with quoted keys and array selectors', () => {
    expect(parseJsonPath('metadata."a.b"[]')).toEqual([{ key: 'metadata' }, { key: 'a.b' }, { wildcard: true }]);
    expect(parseJsonPath('a[2].b-c')).toEqual([{ key: 'a' }, { index: 2 }, { key: 'b-c' }]);
    expect(() => parseJsonPath('a..b')).toThrow();
    expect(() => parseJsonPath('"open')).toThrow();
  });
});

describe.each<QdrantSpecVersion>(['1.16', '1.19'])('QdrantDoubleServer (spec %s)', (spec) => {
  let double: QdrantDoubleServer;
  const col = '/collections/c';

  beforeAll(async () => {
    double = await QdrantDoubleServer.start({ spec });
  });
  afterAll(async () => {
    await double.close();
  });
  beforeEach(async () => {
    await call(double, 'DELETE', col);
    double.violations.length = 0;
    double.reset();
    await call(double, 'PUT', col, { vectors: { dense: { size: 2, distance: 'Cosine' } }, sparse_vectors: { sparse: { modifier: 'idf' } } });
    await call(double, 'PUT', `${col}/index?wait=true`, { field_name: 'tag', field_schema: 'keyword' });
  });

  const upsert = (points: unknown[]) => call(double, 'PUT', `${col}/points?wait=true`, { points });
  const query = (body: Record<string, unknown>) => call(double, 'POST', `${col}/points/query`, { with_payload: true, ...body });

  it('serves the spec version it was started with, in Qdrant’s envelope', async () => {
    expect(double.specVersion).toBe(`v${spec}.x`);
    const root = await call(double, 'GET', '/');
    expect(root).toEqual({ status: 200, body: { title: expect.any(String), version: `${spec}.0` } });
    expect(await call(double, 'GET', '/collections')).toMatchObject({ body: { result: { collections: [{ name: 'c' }] } } });
    expect(double.violations).toEqual([]);
  });

  describe('request validation against the spec', () => {
    const rejected = async (answer: Promise<Answer>, status: number, text: string) => {
      const a = await answer;
      expect(a.status).toBe(status);
      expect(a.body).toEqual({ status: { error: expect.stringContaining(text) }, time: expect.any(Number) });
      expect(double.violations.at(-1)).toMatchObject({ kind: 'request', message: expect.stringContaining(text) });
    };

    it('rejects a body of the wrong shape with 400 and records it', async () => {
      await rejected(query({ query: 'not a vector', using: 'dense' }), 400, '/query');
      await rejected(upsert([{ id: 'not-a-uuid', vector: { dense: [1, 0] } }]), 400, '/points/0/id');
      await rejected(call(double, 'POST', '/collections/aliases', { actions: [{ create_alias: { alias_name: 'a' } }] }), 400, 'collection_name');
    });

    it('rejects out-of-range values with 422', async () => {
      await rejected(query({ query: [1, 0], using: 'dense', limit: 0 }), 422, '/limit must be >= 1');
      await rejected(query({ prefetch: [{ query: [1, 0], using: 'dense', limit: 0 }], query: { fusion: 'rrf' } }), 422, '/prefetch/0/limit');
      await rejected(query({ query: { indices: [-1], values: [1] }, using: 'sparse' }), 422, '/query/indices/0');
      // The spec says uniqueItems (Qdrant reads a set); the integer branch of the anyOf fails deeper, so this is 400.
      await rejected(call(double, 'POST', `${col}/points/count`, { filter: { must: [{ key: 'tag', match: { any: ['a', 'a'] } }] } }), 400, 'duplicate');
    });

    it('rejects fields the spec does not declare, where Qdrant would silently ignore them', async () => {
      await rejected(query({ query: [1, 0], using: 'dense', limt: 3 }), 400, 'limt');
      await rejected(query({ prefetch: [{ query: [1, 0], usin: 'dense' }], query: { fusion: 'rrf' } }), 400, 'usin');
      await rejected(call(double, 'POST', `${col}/points/count`, { filter: { must: [{ key: 'tag', match: { valu: 'a' } }] } }), 400, 'valu');
    });

    it('rejects unknown and malformed query parameters, paths and methods', async () => {
      await rejected(call(double, 'PUT', `${col}/points?wait=yes`, { points: [] }), 400, 'wait=yes');
      await rejected(call(double, 'POST', `${col}/points/query?wiat=true`, { query: [1, 0], using: 'dense' }), 400, 'wiat');
      await rejected(call(double, 'POST', `${col}/points/query?timeout=0`, { query: [1, 0], using: 'dense' }), 422, 'timeout=0');
      await rejected(call(double, 'GET', '/collections/c/nothing-here'), 404, 'no path of the spec');
      await rejected(call(double, 'POST', '/collections'), 404, 'POST is not an operation');
      await rejected(call(double, 'POST', `${col}/points/count`, '{"filter": '), 400, 'not valid JSON');
      await rejected(call(double, 'POST', `${col}/points/count`), 400, 'needs a JSON body');
    });

    it('records a feature it does not implement as a violation', async () => {
      const a = await query({ query: [1, 0], using: 'dense', with_vector: true });
      expect(a.status).toBe(400);
      expect(double.violations.at(-1)).toMatchObject({ kind: 'unsupported', message: expect.stringContaining('with_vector') });
    });
  });

  describe('semantics', () => {
    const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

    it('answers Qdrant’s errors: 404 missing collection, 400 wrong dimension, 409 existing collection', async () => {
      expect(await call(double, 'POST', '/collections/nope/points/count', {})).toEqual({
        status: 404,
        body: { status: { error: 'Not found: Collection `nope` doesn\'t exist!' }, time: expect.any(Number) },
      });
      const dim = await upsert([{ id: 1, vector: { dense: [1, 0, 0] } }]);
      expect(dim).toMatchObject({ status: 400, body: { status: { error: 'Wrong input: Vector dimension error: expected dim: 2, got 3' } } });
      expect(await query({ query: [1], using: 'dense' })).toMatchObject({ status: 400 });
      expect(await call(double, 'PUT', col, { vectors: { dense: { size: 2, distance: 'Cosine' } } })).toMatchObject({ status: 409 });
      expect(await query({ query: [1, 0], using: 'nope' })).toMatchObject({ status: 400, body: { status: { error: expect.stringContaining('Not existing vector name') } } });
      expect(double.violations).toEqual([]);
    });

    it('scores dense by cosine, sparse by Σ idf·q·d over the whole collection, and normalises UUIDs', async () => {
      await upsert([
        { id: uuid(1), vector: { dense: [3, 0], sparse: { indices: [7, 1], values: [2, 1] } }, payload: { tag: 'a' } },
        { id: uuid(2).toUpperCase(), vector: { dense: [1, 1], sparse: { indices: [1], values: [1] } }, payload: { tag: 'b' } },
        { id: 3, vector: { dense: [0, 2], sparse: { indices: [9], values: [1] } }, payload: { tag: 'b' } },
      ]);
      const dense = await query({ query: [1, 0], using: 'dense' });
      expect(ids(dense)).toEqual([uuid(1), uuid(2), 3]);
      expect(scores(dense)).toEqual([1, expect.closeTo(Math.SQRT1_2, 6), 0]);
      // Term 1 is in 2 of 3 points, term 7 in 1; the filter does not change the statistics.
      const sparse = await query({ query: { indices: [1, 7], values: [1, 0.5] }, using: 'sparse', filter: { must: [{ key: 'tag', match: { value: 'a' } }] } });
      expect(ids(sparse)).toEqual([uuid(1)]);
      expect(scores(sparse)[0]).toBeCloseTo(qdrantIdf(3, 2) * 1 * 1 + qdrantIdf(3, 1) * 0.5 * 2, 5);
      expect(double.violations).toEqual([]);
    });

    it('fuses prefetches with RRF, propagates the root filter into them, and applies score_threshold after fusion', async () => {
      await upsert([
        { id: 1, vector: { dense: [1, 0], sparse: { indices: [1], values: [1] } }, payload: { tag: 'a' } },
        { id: 2, vector: { dense: [0.8, 0.6], sparse: { indices: [2], values: [1] } }, payload: { tag: 'a' } },
        { id: 3, vector: { dense: [0.9, 0.1], sparse: { indices: [1], values: [5] } }, payload: { tag: 'b' } },
      ]);
      const prefetch = [
        { query: [1, 0], using: 'dense', limit: 10 },
        { query: { indices: [1], values: [1] }, using: 'sparse', limit: 10 },
      ];
      const fused = await query({ prefetch, query: { rrf: { k: 60 } }, filter: { must: [{ key: 'tag', match: { value: 'a' } }] } });
      expect(ids(fused)).toEqual([1, 2]);
      expect(scores(fused)).toEqual([Math.fround(1 / 60 + 1 / 60), Math.fround(1 / 61)]);
      // Qdrant's default k = 2: points 1 and 3 are first in one leg and second in the other (1/2 + 1/3), 2 has 1/4.
      const thresholded = await query({ prefetch, query: { fusion: 'rrf' }, score_threshold: 0.6 });
      expect(ids(thresholded).sort()).toEqual([1, 3]);
      expect(scores(thresholded)).toEqual([Math.fround(0.5 + Math.fround(1 / 3)), Math.fround(0.5 + Math.fround(1 / 3))]);
      expect(double.violations).toEqual([]);
    });

    it('evaluates must, should, must_not, min_should, nested filters, ranges, has_id and quoted keys', async () => {
      await upsert([
        { id: 1, vector: { dense: [1, 0] }, payload: { tag: 'a', n: 1, meta: { 'x.y': 'dot', list: ['p', 'q'] } } },
        { id: 2, vector: { dense: [1, 0] }, payload: { tag: 'b', n: 2.5, meta: { x: { y: 'nested' }, list: ['q'] } } },
        { id: 3, vector: { dense: [1, 0] }, payload: { tag: 'c', n: '1' } },
      ]);
      const count = async (filter: unknown) => ((await call(double, 'POST', `${col}/points/count`, { filter, exact: true })).body.result as { count: number }).count;
      const m = (key: string, value: unknown) => ({ key, match: { value } });
      expect(await count({ must: [m('meta."x.y"', 'dot')] })).toBe(1);
      expect(await count({ must: [m('meta.x.y', 'nested')] })).toBe(1);
      expect(await count({ must: [m('meta.list', 'q')] })).toBe(2);
      expect(await count({ must: [m('n', 1)] })).toBe(1); // the string "1" is not the integer 1
      expect(await count({ must: [{ key: 'n', range: { gte: 2.5, lte: 2.5 } }] })).toBe(1);
      expect(await count({ should: [m('tag', 'a'), m('tag', 'c')] })).toBe(2);
      expect(await count({ must_not: [m('tag', 'a')] })).toBe(2);
      expect(await count({ min_should: { conditions: [m('tag', 'a'), m('meta.list', 'p'), m('tag', 'b')], min_count: 2 } })).toBe(1);
      expect(await count({ must: [{ should: [m('tag', 'a'), m('tag', 'b')] }, { must_not: [m('n', 1)] }] })).toBe(1);
      expect(await count({ must: [{ has_id: [2, 3] }, { key: 'tag', match: { any: ['a', 'b'] } }] })).toBe(1);
      expect(await count({ must: [{ is_empty: { key: 'meta' } }] })).toBe(1);
      expect(double.violations).toEqual([]);
    });

    it('scrolls in id order across pages, counts, facets (only on an indexed key) and deletes by filter', async () => {
      await upsert(Array.from({ length: 25 }, (_, i) => ({ id: i + 1, vector: { dense: [1, i] }, payload: { tag: i % 3 === 0 ? 'x' : 'y', other: 'z' } })));
      const seen: unknown[] = [];
      let offset: unknown = null;
      do {
        const page = (await call(double, 'POST', `${col}/points/scroll`, { limit: 10, offset, with_payload: ['tag'] })).body.result as {
          points: { id: number; payload: Record<string, unknown> }[];
          next_page_offset: unknown;
        };
        expect(page.points.every((p) => Object.keys(p.payload).join() === 'tag')).toBe(true);
        seen.push(...page.points.map((p) => p.id));
        offset = page.next_page_offset;
      } while (offset !== null);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      const facet = await call(double, 'POST', `${col}/facet`, { key: 'tag', limit: 10, exact: true });
      expect(facet.body.result).toEqual({ hits: [{ value: 'y', count: 16 }, { value: 'x', count: 9 }] });
      const unindexed = await call(double, 'POST', `${col}/facet`, { key: 'other' });
      expect(unindexed).toMatchObject({ status: 400, body: { status: { error: expect.stringContaining('Index required') } } });
      const del = await call(double, 'POST', `${col}/points/delete?wait=true`, { filter: { must: [{ key: 'tag', match: { value: 'x' } }] } });
      expect(del.body.result).toEqual({ operation_id: expect.any(Number), status: 'completed' });
      expect((await call(double, 'POST', `${col}/points/count`, {})).body.result).toEqual({ count: 16 });
      expect(double.violations).toEqual([]);
    });

    it('changes aliases action by action, like Qdrant: a failing create leaves the earlier delete done', async () => {
      const ok = await call(double, 'POST', '/collections/aliases', { actions: [{ create_alias: { alias_name: 'live', collection_name: 'c' } }] });
      expect(ok.body.result).toBe(true);
      expect(ids(await call(double, 'POST', '/collections/live/points/query', { query: [1, 0], using: 'dense' }))).toEqual([]);
      const failed = await call(double, 'POST', '/collections/aliases', {
        actions: [{ delete_alias: { alias_name: 'live' } }, { create_alias: { alias_name: 'live', collection_name: 'missing' } }],
      });
      expect(failed.status).toBe(404);
      expect((await call(double, 'GET', '/aliases')).body.result).toEqual({ aliases: [] });
      const clash = await call(double, 'POST', '/collections/aliases', { actions: [{ create_alias: { alias_name: 'c', collection_name: 'c' } }] });
      expect(clash.status).toBe(409);
      await call(double, 'POST', '/collections/aliases', { actions: [{ create_alias: { alias_name: 'a2', collection_name: 'c' } }] });
      expect((await call(double, 'GET', '/collections/c/aliases')).body.result).toEqual({ aliases: [{ alias_name: 'a2', collection_name: 'c' }] });
      // Dropping the collection drops its aliases.
      expect((await call(double, 'DELETE', col)).body.result).toBe(true);
      expect((await call(double, 'GET', '/aliases')).body.result).toEqual({ aliases: [] });
      expect((await call(double, 'DELETE', col)).body.result).toBe(false);
      expect(double.violations).toEqual([]);
    });

    it('describes a collection in a CollectionInfo the spec accepts', async () => {
      await upsert([{ id: 1, vector: { dense: [1, 0] }, payload: { tag: 'a' } }]);
      const info = await call(double, 'GET', col);
      expect(info.body.result).toMatchObject({
        points_count: 1,
        config: { params: { vectors: { dense: { size: 2, distance: 'Cosine' } }, sparse_vectors: { sparse: { modifier: 'idf' } } } },
        payload_schema: { tag: { data_type: 'keyword', points: 1 } },
      });
      expect(double.violations).toEqual([]);
    });
  });

  it('injects faults: status, latency, hang, dropped connection', async () => {
    double.inject({ status: 500, message: 'boom' }, 1, (_m, path) => path.endsWith('/count'));
    expect(await call(double, 'GET', '/collections')).toMatchObject({ status: 200 });
    expect(await call(double, 'POST', `${col}/points/count`, {})).toMatchObject({ status: 500, body: { status: { error: 'boom' } } });
    double.inject({ latencyMs: 150 });
    const started = performance.now();
    await call(double, 'GET', '/collections');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    double.inject({ hang: true });
    await expect(fetch(`${double.url}/collections`, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({ name: 'TimeoutError' });
    double.inject({ dropConnection: true });
    await expect(fetch(`${double.url}/collections`)).rejects.toThrow('fetch failed');
    expect(double.violations).toEqual([]);
  });

  it('requires the API key when started with one', async () => {
    const secured = await QdrantDoubleServer.start({ spec, apiKey: 'k' });
    try {
      expect((await call(secured, 'GET', '/collections')).status).toBe(401);
      expect((await call(secured, 'GET', '/collections', undefined, { 'api-key': 'k' })).status).toBe(200);
      expect((await call(secured, 'GET', '/collections', undefined, { authorization: 'Bearer k' })).status).toBe(200);
      expect(secured.violations).toEqual([]);
    } finally {
      await secured.close();
    }
  });
});
