import 'reflect-metadata';
import { ExtractiveGenerator } from '@ragops/models';
import { runService, startMicroservice } from '@ragops/platform';
import { loadGenerationConfig } from './generation.config.js';
import { GenerationModule } from './generation.module.js';

await runService('generation', async (log) => {
  const config = loadGenerationConfig(process.env);
  const generator = new ExtractiveGenerator({ maxSentences: config.EXTRACTIVE_MAX_SENTENCES });
  const app = await startMicroservice(GenerationModule.register({ generator }), 'generation', { kind: 'nats', servers: config.NATS_URL }, log);
  return () => app.close();
});
