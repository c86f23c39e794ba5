import 'reflect-metadata';
import { createCache, createEmbedder, runService, startMicroservice } from '@ragops/platform';
import { loadEmbeddingConfig } from './embedding.config.js';
import { EmbeddingModule } from './embedding.module.js';

await runService('embedding', async (log) => {
  const config = loadEmbeddingConfig(process.env);
  const cache = await createCache(config, { onError: (err) => log.warn({ err }, 'cache connection error') });
  // The cache fails open: an outage costs latency (every text embedded again), not availability.
  const embedder = await createEmbedder(config, { cache, onCacheError: (err) => log.warn({ err }, 'embedding cache unavailable; embedding without it') });
  log.info({ model: embedder.model, dimensions: embedder.dimensions, cache: config.CACHE }, 'embedder ready');
  const app = await startMicroservice(EmbeddingModule.register({ embedder }), 'embedding', { kind: 'nats', servers: config.NATS_URL }, log);
  return async () => {
    await app.close();
    await cache.close?.();
  };
});
