import 'reflect-metadata';
import { createIndexingParts, runService, startMicroservice } from '@ragops/platform';
import { loadEmbeddingConfig } from './embedding.config.js';
import { EmbeddingModule } from './embedding.module.js';

await runService('embedding', async (log) => {
  const config = loadEmbeddingConfig(process.env);
  const { embedder } = createIndexingParts(config);
  const app = await startMicroservice(EmbeddingModule.register({ embedder }), 'embedding', { kind: 'nats', servers: config.NATS_URL }, log);
  return () => app.close();
});
