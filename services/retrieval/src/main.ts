import 'reflect-metadata';
import { systemClock } from '@ragops/contracts';
import { buildSearcher, connectNats, createIndexingParts, createRpcClient, createVectorStore, runService, startMicroservice } from '@ragops/platform';
import { loadRetrievalConfig } from './retrieval.config.js';
import { RetrievalModule } from './retrieval.module.js';

await runService('retrieval', async (log) => {
  const config = loadRetrievalConfig(process.env);
  const transport = { kind: 'nats', servers: config.NATS_URL } as const;
  const nc = await connectNats(config.NATS_URL, 'ragops-retrieval-store');
  const store = await createVectorStore(config, nc);
  const client = await createRpcClient(transport, 'retrieval-client', systemClock);
  const searcher = buildSearcher(createIndexingParts(config), store, client.rpc, systemClock);
  const app = await startMicroservice(RetrievalModule.register({ searcher }), 'retrieval', transport, log);
  return async () => {
    await app.close();
    await client.close();
    await store.close();
    await nc.drain();
  };
});
