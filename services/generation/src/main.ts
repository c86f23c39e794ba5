import 'reflect-metadata';
import { createAnswerGenerator, runService, startMicroservice } from '@ragops/platform';
import { loadGenerationConfig } from './generation.config.js';
import { GenerationModule } from './generation.module.js';

await runService('generation', async (log) => {
  const config = loadGenerationConfig(process.env);
  const generator = createAnswerGenerator(config);
  log.info({ provider: config.LLM_PROVIDER, model: config.LLM_MODEL }, 'generator ready');
  const app = await startMicroservice(GenerationModule.register({ generator }), 'generation', { kind: 'nats', servers: config.NATS_URL }, log);
  return () => app.close();
});
