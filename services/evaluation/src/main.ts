import 'reflect-metadata';
import { Streams } from '@ragops/contracts';
import { feedbackStreamLimits, interactionStreamLimits, JetStreamInteractionIndex, openFeedbackLog, openInteractionLog } from '@ragops/messaging';
import { connectNats, runService, startMetricsServer, startMicroservice } from '@ragops/platform';
import { loadEvaluationConfig } from './evaluation.config.js';
import { EvaluationModule } from './evaluation.module.js';
import { consumerOptions, createOnlineEvaluation } from './online-evaluation.factory.js';

await runService('evaluation', async (log) => {
  const config = loadEvaluationConfig(process.env);
  const nc = await connectNats(config.NATS_URL, 'ragops-evaluation-jetstream');
  // A reader creates a missing stream but never changes its limits: the gateway (the publisher) owns them.
  const interactionLog = await openInteractionLog(nc, interactionStreamLimits(config), 'create');
  const feedbackLog = await openFeedbackLog(nc, feedbackStreamLimits(config), 'create');
  const consumers = consumerOptions(config, Streams.evaluationConsumer);
  const interactions = await interactionLog.source(consumers.interactions);
  const feedback = await feedbackLog.source(consumers.feedback);
  const { evaluator, metrics } = createOnlineEvaluation(config);
  const index = new JetStreamInteractionIndex(interactionLog, config.EVAL_JOIN_WINDOW);
  const app = await startMicroservice(EvaluationModule.register({ interactions, feedback, index, evaluator, log }), 'evaluation', { kind: 'nats', servers: config.NATS_URL }, log);
  const server = await startMetricsServer({
    registry: metrics.registry,
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    ready: async () => {
      if (nc.isClosed()) throw new Error('NATS connection closed');
      await nc.flush();
    },
  });
  log.info({ metrics: `${server.url}/metrics`, sampleRate: config.EVAL_SAMPLE_RATE, implementation: evaluator.implementation, metricsScored: config.EVAL_METRICS }, 'online evaluation running');
  return async () => {
    await app.close(); // drains: interactions being scored finish and are acknowledged
    await server.close();
    await nc.drain();
  };
});
