import 'reflect-metadata';
import { systemClock } from '@ragops/contracts';
import {
  buildSearcher,
  connectNats,
  createIndexingParts,
  createReranker,
  createRpcClient,
  createVectorStore,
  markCircuitsClosed,
  runService,
  startMetricsServer,
  startMicroservice,
} from '@ragops/platform';
import { createMetrics } from '@ragops/telemetry';
import { loadRetrievalConfig } from './retrieval.config.js';
import { RetrievalModule } from './retrieval.module.js';

await runService('retrieval', async (log) => {
  const config = loadRetrievalConfig(process.env);
  const metrics = createMetrics('retrieval');
  const server = await startMetricsServer({ registry: metrics.registry, port: config.METRICS_PORT, host: config.METRICS_HOST });
  markCircuitsClosed(metrics, ['embeddings', 'vector_store', ...(config.RERANK_PROVIDER === 'none' ? [] : (['reranker'] as const))]);
  const transport = { kind: 'nats', servers: config.NATS_URL } as const;
  const nc = await connectNats(config.NATS_URL, 'ragops-retrieval-store');
  const store = await createVectorStore(config, nc);
  const client = await createRpcClient(transport, 'retrieval-client', systemClock);
  const reranker = createReranker(config, { metrics });
  const searcher = buildSearcher(createIndexingParts(config), store, client.rpc, systemClock, {
    ...(reranker ? { reranker } : {}),
    rerankCandidates: config.RERANK_CANDIDATES,
    // A variant asking for rerank still gets fused results when the reranker fails; the log says it happened.
    observeRerank: (outcome, err) => {
      if (err) log.warn({ err, outcome }, 'rerank failed; answering in fused order');
    },
  }, metrics);
  const app = await startMicroservice(RetrievalModule.register({ searcher }), 'retrieval', transport, log, metrics);
  log.info({ metrics: `${server.url}/metrics` }, 'metrics served');
  return async () => {
    await app.close();
    await client.close();
    await store.close();
    await nc.drain();
    await server.close();
  };
});
