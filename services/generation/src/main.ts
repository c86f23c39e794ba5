import 'reflect-metadata';
import { createAnswerGenerator, markCircuitsClosed, runService, startMetricsServer, startMicroservice } from '@ragops/platform';
import { createMetrics } from '@ragops/telemetry';
import { loadGenerationConfig } from './generation.config.js';
import { GenerationModule } from './generation.module.js';

await runService('generation', async (log) => {
  const config = loadGenerationConfig(process.env);
  const metrics = createMetrics('generation');
  const server = await startMetricsServer({ registry: metrics.registry, port: config.METRICS_PORT, host: config.METRICS_HOST });
  if (config.LLM_PROVIDER === 'openai') markCircuitsClosed(metrics, ['llm']);
  const generator = createAnswerGenerator(config, { metrics });
  log.info({ provider: config.LLM_PROVIDER, model: config.LLM_MODEL, metrics: `${server.url}/metrics` }, 'generator ready');
  const app = await startMicroservice(GenerationModule.register({ generator }), 'generation', { kind: 'nats', servers: config.NATS_URL }, log, metrics);
  return async () => {
    await app.close();
    await server.close();
  };
});
