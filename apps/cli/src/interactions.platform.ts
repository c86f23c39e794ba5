import type { INestMicroservice } from '@nestjs/common';
import { EvaluationModule, loadEvaluationConfig, createOnlineEvaluation } from '@ragops/evaluation-service';
import type { InteractionConfig } from '@ragops/messaging';
import { MemoryFeedbackLog, MemoryInteractionLog } from '@ragops/messaging';
import { type MetricsServer, startMetricsServer, startMicroservice, type ServiceTransport } from '@ragops/platform';
import type { Logger, ServiceMetrics } from '@ragops/telemetry';

export interface InProcessInteractions {
  /** Interaction records: the gateway's sink, the tail endpoint's feed, the evaluation service's source. */
  interactions: MemoryInteractionLog;
  feedback: MemoryFeedbackLog;
  /** The online evaluation service's /metrics listener, e.g. http://127.0.0.1:9464. */
  evaluationUrl: string;
  evaluationMetrics: ServiceMetrics;
  /** Stops the evaluation service (after the gateway, whose last records it then still scores). */
  close(): Promise<void>;
}

/**
 * The all-in-one process's interaction records and online evaluation: records go to in-memory logs (a ring buffer
 * of INTERACTIONS_BUFFER records) that fan out to the evaluation service — the same module as in distributed mode,
 * on the in-process transport — and to `GET /v1/interactions/tail`. The evaluation service reads the same EVAL_* and
 * JUDGE_* keys as its distributed form and serves /metrics on `port` (0: any free port).
 */
export async function startInProcessInteractions(
  env: Record<string, string | undefined>,
  config: InteractionConfig,
  transport: ServiceTransport,
  options: { port: number; host: string; log: Logger },
): Promise<InProcessInteractions> {
  const evalConfig = loadEvaluationConfig(env);
  const interactions = new MemoryInteractionLog({ capacity: config.INTERACTIONS_BUFFER, concurrency: evalConfig.EVAL_CONCURRENCY, maxDeliver: evalConfig.EVAL_FEEDBACK_JOIN_ATTEMPTS + 5 });
  const feedback = new MemoryFeedbackLog({ capacity: config.INTERACTIONS_BUFFER, maxDeliver: evalConfig.EVAL_FEEDBACK_JOIN_ATTEMPTS + 5 });
  const { evaluator, metrics } = createOnlineEvaluation(evalConfig);
  let app: INestMicroservice | undefined;
  let server: MetricsServer | undefined;
  try {
    app = await startMicroservice(EvaluationModule.register({ interactions, feedback, evaluator, log: options.log }), 'evaluation', transport);
    server = await startMetricsServer({ registry: metrics.registry, port: options.port, host: options.host });
  } catch (err) {
    await app?.close();
    throw err;
  }
  const started = { app, server };
  return {
    interactions,
    feedback,
    evaluationUrl: server.url,
    evaluationMetrics: metrics,
    async close() {
      await started.app.close();
      await started.server.close();
    },
  };
}
