import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { defaultVariant, loadConfig, type RequestContext } from '@ragops/contracts';
import { CachedEmbedder } from '@ragops/rag';
import {
  CacheEnv,
  createCache,
  createEmbedder,
  createIndexingParts,
  EmbeddingProviderEnv,
  EmbeddingProviderRules,
  IndexingEnv,
  IndexingRules,
} from '@ragops/platform';
import { HubDoubleServer, OpenAIDoubleServer } from '@ragops/testing';

const fixtures = join(import.meta.dirname, '../../../../shared/data/model2vec-test-fixtures');
const ctx: RequestContext = { requestId: 'r', tenant: 't', deadline: Date.now() + 60_000, variant: defaultVariant };
const Env = IndexingEnv.extend(EmbeddingProviderEnv.shape).extend(CacheEnv.shape);
const load = (env: Record<string, string>) => loadConfig(Env, env, 'test', [...IndexingRules, ...EmbeddingProviderRules]);

describe('adapter selection by configuration', () => {
  let dirs: string[] = [];
  const tempDir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'ragops-factory-'));
    dirs.push(d);
    return d;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    dirs = [];
  });

  describe('configuration', () => {
    it('defaults to the local embedder and the in-memory cache', () => {
      const config = load({});
      expect(config).toMatchObject({ EMBEDDINGS: 'local', CACHE: 'memory', EMBEDDING_SEND_DIMENSIONS: true });
      expect(createIndexingParts(config).embedder).toEqual({ model: 'local-hash-384', dimensions: 384 });
    });

    it('names every offending key at once: bad values and keys a chosen adapter needs', () => {
      const attempt = () => load({ EMBEDDINGS: 'openai', EMBEDDING_DIMENSIONS: 'many', CACHE: 'memcached', EMBEDDING_BASE_URL: 'ftp://x', EMBEDDING_SEND_DIMENSIONS: 'maybe' });
      expect(attempt).toThrow(/EMBEDDING_DIMENSIONS=/);
      let message = '';
      try {
        attempt();
      } catch (e) {
        message = (e as Error).message;
      }
      for (const key of ['EMBEDDING_DIMENSIONS', 'CACHE', 'EMBEDDING_BASE_URL', 'EMBEDDING_SEND_DIMENSIONS', 'EMBEDDING_MODEL', 'EMBEDDING_API_KEY']) {
        expect(message).toContain(`${key}=`);
      }
      expect(message).toContain('is required when EMBEDDINGS=openai');
    });

    it('requires EMBEDDING_MODEL for model2vec, and not an API key', () => {
      expect(() => load({ EMBEDDINGS: 'model2vec' })).toThrow(/EMBEDDING_MODEL="": is required when EMBEDDINGS=model2vec/);
      expect(load({ EMBEDDINGS: 'model2vec', EMBEDDING_MODEL: 'minishlab/potion-base-8M' }).EMBEDDINGS).toBe('model2vec');
    });
  });

  describe('embedders', () => {
    it('model2vec from a local directory, named by EMBEDDING_MODEL, parity with the Python reference', async () => {
      const config = load({ EMBEDDINGS: 'model2vec', EMBEDDING_MODEL: 'test/float32', EMBEDDING_DIMENSIONS: '8', MODEL2VEC_PATH: join(fixtures, 'test-model-float32') });
      // The fixture model has 2 dimensions: a wrong EMBEDDING_DIMENSIONS is caught at start, with the fix.
      await expect(createEmbedder(config)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('set EMBEDDING_DIMENSIONS=2') });
      const embedder = await createEmbedder({ ...config, EMBEDDING_DIMENSIONS: 2 });
      expect([embedder.model, embedder.dimensions]).toEqual(['test/float32', 2]);
      const reference = JSON.parse(await readFile(join(fixtures, 'embeddings_short.json'), 'utf8')) as number[][];
      expect(await embedder.embed(['hello world'], 'query', ctx)).toEqual(reference);
    });

    it('model2vec from the Hub (HF_ENDPOINT) into MODEL_CACHE_DIR', async () => {
      const files: Record<string, Uint8Array> = {};
      for (const f of ['config.json', 'tokenizer.json', 'model.safetensors']) files[f] = await readFile(join(fixtures, 'test-model-float32', f));
      const hub = await HubDoubleServer.start({ repos: { 'acme/m2v': { main: files } } });
      try {
        const cacheDir = await tempDir();
        const config = load({ EMBEDDINGS: 'model2vec', EMBEDDING_MODEL: 'acme/m2v', EMBEDDING_DIMENSIONS: '8', HF_ENDPOINT: hub.url, MODEL_CACHE_DIR: cacheDir });
        const embedder = await createEmbedder({ ...config, EMBEDDING_DIMENSIONS: 2 });
        expect(embedder.model).toBe('acme/m2v');
        expect(hub.downloads).toBe(3);
      } finally {
        await hub.close();
      }
    });

    it('openai-compatible, with query embeddings cached: a repeated query does not reach the server', async () => {
      const server = await OpenAIDoubleServer.start({ apiKey: 'sk-test' });
      try {
        const config = load({
          EMBEDDINGS: 'openai',
          EMBEDDING_MODEL: 'text-embedding-3-small',
          EMBEDDING_API_KEY: 'sk-test',
          EMBEDDING_BASE_URL: server.baseURL,
          EMBEDDING_DIMENSIONS: '16',
        });
        const cache = await createCache(config);
        const embedder = await createEmbedder(config, { cache });
        expect(embedder).toBeInstanceOf(CachedEmbedder);
        const first = await embedder.embed(['what is rrf?'], 'query', ctx);
        const second = await embedder.embed(['what is rrf?'], 'query', ctx);
        expect(second).toEqual(first);
        expect(first[0]).toEqual(OpenAIDoubleServer.vectorFor('what is rrf?', 16));
        expect(server.requests).toHaveLength(1);
        expect(server.requests[0]!.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 16 });
        // EMBEDDING_CACHE_TTL_SECONDS=0 turns caching off.
        expect(await createEmbedder({ ...config, EMBEDDING_CACHE_TTL_SECONDS: 0 }, { cache })).not.toBeInstanceOf(CachedEmbedder);
      } finally {
        await server.close();
      }
    });

    it('does not cache embedders that compute faster than a lookup', async () => {
      const cache = await createCache(load({}));
      expect(await createEmbedder(load({}), { cache })).not.toBeInstanceOf(CachedEmbedder);
    });
  });

  describe('caches', () => {
    const prefix = `ragops-factory-${process.pid}`;
    let redis: Redis;
    beforeAll(() => {
      redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: false });
    });
    afterAll(async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });

    it('CACHE=redis talks to Redis under REDIS_PREFIX', async () => {
      const cache = await createCache(load({ CACHE: 'redis', REDIS_PREFIX: prefix }));
      try {
        await cache.set('embeddings', 'k', 'v', { ttlMs: 10_000 });
        expect(await redis.get(`${prefix}:embeddings:k`)).toBe('v');
        expect(await cache.get('embeddings', 'k')).toBe('v');
      } finally {
        await cache.close?.();
      }
    });

    it('CACHE=redis with nothing listening fails the start with UNAVAILABLE naming the address', async () => {
      await expect(createCache(load({ CACHE: 'redis', REDIS_URL: 'redis://127.0.0.1:1' }))).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: expect.stringContaining('127.0.0.1:1'),
      });
    });
  });
});
