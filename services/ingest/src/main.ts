import 'reflect-metadata';
import { Streams, Subjects, systemClock } from '@ragops/contracts';
import { JetStreamJobQueue, KvJobStore } from '@ragops/messaging';
import {
  buildIngestRunner,
  connectNats,
  createIndexingParts,
  createRpcClient,
  createVectorStore,
  meterIngestQueue,
  runService,
  startMetricsServer,
  startMicroservice,
} from '@ragops/platform';
import { createMetrics } from '@ragops/telemetry';
import { loadIngestConfig } from './ingest.config.js';
import { IngestModule } from './ingest.module.js';

await runService('ingest', async (log) => {
  const config = loadIngestConfig(process.env);
  const metrics = createMetrics('ingest');
  const server = await startMetricsServer({ registry: metrics.registry, port: config.METRICS_PORT, host: config.METRICS_HOST });
  const transport = { kind: 'nats', servers: config.NATS_URL } as const;
  const nc = await connectNats(config.NATS_URL, 'ragops-ingest-jetstream');
  const store = await createVectorStore(config, nc);
  const queue = await JetStreamJobQueue.open({
    nc,
    stream: Streams.ingest,
    subject: Subjects.ingestBatch,
    durable: Streams.ingestConsumer,
    ackWaitMs: config.INGEST_ACK_WAIT_MS,
    maxDeliver: config.INGEST_MAX_ATTEMPTS,
    concurrency: config.INGEST_CONCURRENCY,
  });
  const jobs = await KvJobStore.open({ nc });
  const client = await createRpcClient(transport, 'ingest-client', systemClock);
  const runner = buildIngestRunner(createIndexingParts(config), store, client.rpc, jobs, systemClock, {
    batchTimeoutMs: config.INGEST_BATCH_TIMEOUT_MS,
    maxAttempts: config.INGEST_MAX_ATTEMPTS,
    log,
    metrics,
  });
  // Queue depth and consumer lag are polled from JetStream; a failed read keeps the last values.
  const metered = meterIngestQueue(queue, metrics, { stream: Streams.ingest, clock: systemClock, onError: (err) => log.warn({ err }, 'cannot read the ingest backlog') });
  const app = await startMicroservice(IngestModule.register({ queue: metered.queue, runner }), 'ingest', transport, log, metrics);
  log.info({ metrics: `${server.url}/metrics` }, 'metrics served');
  return async () => {
    await app.close(); // drains: in-flight batches finish and are acked
    metered.stop();
    await client.close();
    await store.close();
    await nc.drain();
    await server.close();
  };
});
