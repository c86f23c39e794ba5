import 'reflect-metadata';
import { createCache, createEmbedder, markCircuitsClosed, runService, startMetricsServer, startMicroservice } from '@ragops/platform';
import { createMetrics } from '@ragops/telemetry';
import { loadEmbeddingConfig } from './embedding.config.js';
import { EmbeddingModule } from './embedding.module.js';

await runService('embedding', async (log) => {
  const config = loadEmbeddingConfig(process.env);
  const metrics = createMetrics('embedding');
  const server = await startMetricsServer({ registry: metrics.registry, port: config.METRICS_PORT, host: config.METRICS_HOST });
  markCircuitsClosed(metrics, [...(config.EMBEDDINGS === 'openai' ? (['embeddings'] as const) : []), ...(config.CACHE === 'redis' ? (['cache'] as const) : [])]);
  const cache = await createCache(config, { onError: (err) => log.warn({ err }, 'cache connection error') });
  // The cache fails open: an outage costs latency (every text embedded again), not availability.
  const embedder = await createEmbedder(config, { cache, metrics, onCacheError: (err) => log.warn({ err }, 'embedding cache unavailable; embedding without it') });
  log.info({ model: embedder.model, dimensions: embedder.dimensions, cache: config.CACHE, metrics: `${server.url}/metrics` }, 'embedder ready');
  const app = await startMicroservice(EmbeddingModule.register({ embedder }), 'embedding', { kind: 'nats', servers: config.NATS_URL }, log, metrics);
  return async () => {
    await app.close();
    await cache.close?.();
    await server.close();
  };
});
