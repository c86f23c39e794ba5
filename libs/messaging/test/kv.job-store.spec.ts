import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { connectTestNats, deleteKvBuckets, NatsTestResources } from '@ragops/testing';
import { KvJobStore } from '../src/index.js';
import { batchResult, describeJobStore, jobRecord } from './job-store.behaviour.js';

let nc: NatsConnection;
const resources = new NatsTestResources();

beforeAll(async () => {
  nc = await connectTestNats('kv-job-store-test');
});
afterAll(async () => {
  await resources.cleanup(nc);
  await nc.close();
});

describeJobStore('KvJobStore', async () => {
  const bucket = resources.bucket('ragops-test-jobs');
  const store = await KvJobStore.open({ nc, bucket, ttlMs: 60_000 });
  return { store, dispose: () => deleteKvBuckets(nc, bucket) };
});

describe('KvJobStore on NATS KV', () => {
  it('creates a file-storage bucket keeping one revision per key for the TTL', async () => {
    const bucket = resources.bucket('ragops-test-jobs');
    await KvJobStore.open({ nc, bucket, ttlMs: 3_600_000 });
    const info = await (await jetstreamManager(nc)).streams.info(`KV_${bucket}`);
    expect(info.config).toMatchObject({ max_age: nanos(3_600_000), max_msgs_per_subject: 1, storage: 'file' });
  });

  it('keeps one key per fact: <jobId>.meta, <jobId>.started.<n>, <jobId>.result.<n>', async () => {
    const bucket = resources.bucket('ragops-test-jobs');
    const store = await KvJobStore.open({ nc, bucket });
    await store.create(jobRecord('layout'));
    await store.markStarted('layout', 0, 5);
    await store.recordBatch('layout', batchResult(0));
    const kv = await new Kvm(nc).open(bucket);
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    expect(keys.sort()).toEqual(['layout.meta', 'layout.result.0', 'layout.started.0']);
  });
});
