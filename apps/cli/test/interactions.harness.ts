import type { INestMicroservice } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Streams, Subjects, systemClock } from '@ragops/contracts';
import { EvaluationModule, loadEvaluationConfig, consumerOptions, createOnlineEvaluation } from '@ragops/evaluation-service';
import { createGatewayApp, loadGatewayConfig } from '@ragops/gateway';
import {
  feedbackStreamLimits,
  interactionStreamLimits,
  JetStreamFeedbackSink,
  JetStreamInteractionIndex,
  JetStreamInteractionSink,
  JetStreamJobQueue,
  KvJobStore,
  openFeedbackLog,
  openInteractionLog,
  RemoteGenerator,
  RemoteSearcher,
} from '@ragops/messaging';
import { connectNats, createRpcClient, type MetricsServer, startMetricsServer, startMicroservice } from '@ragops/platform';
import type { RecordSource } from '@ragops/rag';
import type { ServiceMetrics } from '@ragops/telemetry';

/** A gateway publishing interaction records and feedback to JetStream, as services/gateway/src/main.ts wires it. */
export async function startRecordingGateway(natsUrl: string, env: Record<string, string> = {}): Promise<{ url: string; app: NestFastifyApplication; close: () => Promise<void> }> {
  const config = loadGatewayConfig({ LOG_LEVEL: 'silent', ...env });
  const nc = await connectNats(natsUrl, `gateway-${config.variant.id}`);
  const queue = await JetStreamJobQueue.open({ nc, stream: Streams.ingest, subject: Subjects.ingestBatch, durable: Streams.ingestConsumer });
  const jobs = await KvJobStore.open({ nc });
  const client = await createRpcClient({ kind: 'nats', servers: natsUrl, instance: `gw-${config.variant.id}` }, 'gateway-client', systemClock);
  const i = config.interactions;
  const app = await createGatewayApp(
    {
      searcher: new RemoteSearcher(client.rpc),
      generator: new RemoteGenerator(client.rpc),
      queue,
      jobs,
      clock: systemClock,
      readiness: async () => ({ ready: true, dependencies: {} }),
      interactions: new JetStreamInteractionSink(await openInteractionLog(nc, interactionStreamLimits(i), 'update')),
      feedback: new JetStreamFeedbackSink(await openFeedbackLog(nc, feedbackStreamLimits(i), 'update')),
    },
    config,
  );
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    app,
    close: async () => {
      await app.close();
      await client.close();
      await nc.drain();
    },
  };
}

export interface RunningEvaluation {
  /** Base URL of its /metrics listener. */
  url: string;
  metrics: ServiceMetrics;
  scrape(): Promise<string>;
  close(): Promise<void>;
}

/** The evaluation service as services/evaluation/src/main.ts wires it, on its own connection and durable consumer. */
export async function startEvaluation(
  natsUrl: string,
  env: Record<string, string> = {},
  durable: string = Streams.evaluationConsumer,
  options: { readInteractions?: boolean } = {},
): Promise<RunningEvaluation> {
  const config = loadEvaluationConfig({ LOG_LEVEL: 'silent', ...env });
  const nc = await connectNats(natsUrl, `evaluation-${durable}`);
  const consumers = consumerOptions(config, durable);
  const interactionLog = await openInteractionLog(nc, interactionStreamLimits(config), 'create');
  // readInteractions false: a replica that never gets an interaction record (others score them all); it knows
  // variants only from the index.
  const interactions: RecordSource =
    options.readInteractions === false ? { consume: async () => ({ stop: async () => undefined }) } : await interactionLog.source({ ...consumers.interactions, fetchExpiresMs: 1000 });
  const index = new JetStreamInteractionIndex(interactionLog, config.EVAL_JOIN_WINDOW);
  const feedback = await (await openFeedbackLog(nc, feedbackStreamLimits(config), 'create')).source({ ...consumers.feedback, fetchExpiresMs: 1000, retryDelayMs: 200 });
  const { evaluator, metrics } = createOnlineEvaluation(config);
  const app: INestMicroservice = await startMicroservice(EvaluationModule.register({ interactions, feedback, index, evaluator }), 'evaluation', { kind: 'nats', servers: natsUrl, instance: durable });
  const server: MetricsServer = await startMetricsServer({ registry: metrics.registry, port: 0, host: '127.0.0.1' });
  return {
    url: server.url,
    metrics,
    scrape: async () => (await fetch(`${server.url}/metrics`)).text(),
    close: async () => {
      await app.close();
      await server.close();
      await nc.drain();
    },
  };
}

/** Every message of a stream, decoded (a test's view of what the gateway published). */
export async function readStream(nc: NatsConnection, stream: string): Promise<unknown[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const out: unknown[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m) out.push(m.json());
  }
  return out;
}

/** The value of one sample in a Prometheus exposition (labels matched as a subset), or undefined. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (!(line.startsWith(`${name}{`) || line.startsWith(`${name} `))) continue;
    const body = line.includes('{') ? line.slice(line.indexOf('{') + 1, line.indexOf('}')) : '';
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) total = (total ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export async function eventually(cond: () => Promise<boolean> | boolean, ms = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
