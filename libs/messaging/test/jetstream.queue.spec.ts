import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { IngestBatch } from '@ragops/contracts';
import { connectTestNats, deleteStreams, NatsTestResources } from '@ragops/testing';
import { JetStreamJobQueue, type JetStreamJobQueueOptions } from '../src/index.js';
import { describeJobQueue, ingestBatch, RecordingLogger, waitFor } from './job-queue.behaviour.js';

let nc: NatsConnection;
const resources = new NatsTestResources();

beforeAll(async () => {
  nc = await connectTestNats('jetstream-queue-test');
});
afterAll(async () => {
  await resources.cleanup(nc);
  await nc.close();
});

function names(): Pick<JetStreamJobQueueOptions, 'stream' | 'subject' | 'durable'> {
  return { stream: resources.stream('RAGOPS_TEST_INGEST'), subject: resources.subject('ragops.test.ingest'), durable: 'ingest' };
}

describeJobQueue('JetStreamJobQueue', async (s) => {
  const n = names();
  const queue = await JetStreamJobQueue.open({ nc, ...n, ...s, ackWaitMs: 2000, fetchExpiresMs: 1000 });
  return { queue, dispose: () => deleteStreams(nc, n.stream) };
});

describe('JetStreamJobQueue on JetStream', () => {
  it('keeps a handler that outlasts ack_wait from being redelivered, with working() heartbeats', async () => {
    const n = names();
    const queue = await JetStreamJobQueue.open({ nc, ...n, ackWaitMs: 1000, fetchExpiresMs: 1000, logger: new RecordingLogger() });
    const attempts: number[] = [];
    const handle = await queue.consume(async (_b, attempt) => {
      attempts.push(attempt);
      await new Promise((r) => setTimeout(r, 2500));
      return 'ack';
    });
    await queue.enqueue([ingestBatch('slow-job', 0)]);
    await waitFor(async () => attempts.length > 0 && (await queue.pending()) === 0, 10_000, 'the ack');
    await handle.stop();
    expect(attempts).toEqual([1]);
  }, 15_000);

  it('redelivers to another consumer after ack_wait when a consumer dies without acking', async () => {
    const n = names();
    const doomed = await connectTestNats('doomed-consumer');
    const settings = { ...n, ackWaitMs: 1000, fetchExpiresMs: 1000, logger: new RecordingLogger() };
    const dying = await JetStreamJobQueue.open({ nc: doomed, ...settings });
    let taken = false;
    await dying.consume(async () => {
      taken = true;
      return new Promise<never>(() => {});
    });
    await dying.enqueue([ingestBatch('crash-job', 0)]);
    await waitFor(() => taken, 5000, 'the first delivery');
    await doomed.close();

    const survivor = await JetStreamJobQueue.open({ nc, ...settings });
    const attempts: number[] = [];
    const handle = await survivor.consume(async (_b, attempt) => {
      attempts.push(attempt);
      return 'ack';
    });
    await waitFor(async () => attempts.length === 1 && (await survivor.pending()) === 0, 10_000, 'the redelivery');
    await handle.stop();
    expect(attempts).toEqual([2]);
  }, 15_000);

  it('terminates a message that is not an ingest batch instead of redelivering it', async () => {
    const n = names();
    const logger = new RecordingLogger();
    const queue = await JetStreamJobQueue.open({ nc, ...n, logger, fetchExpiresMs: 1000 });
    await jetstream(nc).publish(n.subject, JSON.stringify({ jobId: 'x', documents: 'nope' }));
    const seen: IngestBatch[] = [];
    const handle = await queue.consume(async (b) => {
      seen.push(b);
      return 'ack';
    });
    await waitFor(async () => (await queue.pending()) === 0, 10_000, 'the termination');
    await handle.stop();
    expect(seen).toEqual([]);
    expect(logger.errors.flat().join(' ')).toContain('invalid ingest batch');
  });

  it('refuses a batch over max_payload with PAYLOAD_TOO_LARGE before publishing anything', async () => {
    const n = names();
    const queue = await JetStreamJobQueue.open({ nc, ...n });
    const huge = ingestBatch('huge-job', 0);
    huge.documents = Array.from({ length: 32 }, (_, i) => ({ id: `d${i}`, text: 'x'.repeat(40_000) }));
    await expect(queue.enqueue([ingestBatch('huge-job', 1), huge])).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await queue.pending()).toBe(0);
  });

  it('opens an existing stream and consumer again without losing messages (replicas start concurrently)', async () => {
    const n = names();
    const [a] = await Promise.all([JetStreamJobQueue.open({ nc, ...n }), JetStreamJobQueue.open({ nc, ...n })]);
    await a!.enqueue([ingestBatch('reopen', 0), ingestBatch('reopen', 1)]);
    const b = await JetStreamJobQueue.open({ nc, ...n, ackWaitMs: 10_000, maxDeliver: 2 });
    expect(await b.pending()).toBe(2);
  });
});
