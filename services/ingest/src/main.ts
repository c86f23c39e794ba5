import 'reflect-metadata';
import { Streams, Subjects, systemClock } from '@ragops/contracts';
import { JetStreamJobQueue, KvJobStore } from '@ragops/messaging';
import { buildIngestRunner, connectNats, createIndexingParts, createRpcClient, createVectorStore, runService, startMicroservice } from '@ragops/platform';
import { loadIngestConfig } from './ingest.config.js';
import { IngestModule } from './ingest.module.js';

await runService('ingest', async (log) => {
  const config = loadIngestConfig(process.env);
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
  });
  const app = await startMicroservice(IngestModule.register({ queue, runner }), 'ingest', transport, log);
  return async () => {
    await app.close(); // drains: in-flight batches finish and are acked
    await client.close();
    await store.close();
    await nc.drain();
  };
});
