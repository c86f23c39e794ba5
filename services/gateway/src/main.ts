import 'reflect-metadata';
import { Streams, Subjects, systemClock } from '@ragops/contracts';
import {
  feedbackStreamLimits,
  interactionStreamLimits,
  JetStreamFeedbackSink,
  JetStreamInteractionSink,
  JetStreamJobQueue,
  KvJobStore,
  openFeedbackLog,
  openInteractionLog,
  RemoteGenerator,
  RemoteSearcher,
} from '@ragops/messaging';
import { connectNats, createRpcClient, runService, serviceHealthChecks } from '@ragops/platform';
import { createGatewayApp } from './create-gateway.app.js';
import { loadGatewayConfig } from './gateway.config.js';
import { checkDependencies } from './readiness.js';

await runService('gateway', async (log) => {
  const config = loadGatewayConfig(process.env);
  const natsUrl = config.natsUrl;
  const nc = await connectNats(natsUrl, 'ragops-gateway-jetstream');
  const queue = await JetStreamJobQueue.open({ nc, stream: Streams.ingest, subject: Subjects.ingestBatch, durable: Streams.ingestConsumer });
  const jobs = await KvJobStore.open({ nc });
  const client = await createRpcClient({ kind: 'nats', servers: natsUrl }, 'gateway-client', systemClock);
  // The publisher owns the record streams' limits (INTERACTIONS_MAX_*, FEEDBACK_MAX_*): created or updated here.
  const i = config.interactions;
  const records =
    i.INTERACTIONS === 'on'
      ? {
          interactions: new JetStreamInteractionSink(await openInteractionLog(nc, interactionStreamLimits(i), 'update')),
          feedback: new JetStreamFeedbackSink(await openFeedbackLog(nc, feedbackStreamLimits(i), 'update')),
        }
      : {};
  const app = await createGatewayApp(
    {
      searcher: new RemoteSearcher(client.rpc),
      generator: new RemoteGenerator(client.rpc),
      queue,
      jobs,
      clock: systemClock,
      logger: log,
      ...records,
      readiness: () =>
        checkDependencies(
          {
            nats: async () => {
              if (nc.isClosed()) throw new Error('NATS connection closed');
              await nc.flush();
            },
            ...serviceHealthChecks(client.rpc, systemClock, config.readinessTimeoutMs),
          },
          config.readinessTimeoutMs,
        ),
    },
    config,
  );
  await app.listen(config.port, config.host);
  return async () => {
    await app.close();
    await client.close();
    await nc.drain();
  };
});
