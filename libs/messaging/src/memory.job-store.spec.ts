import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@ragops/contracts';
import { batchResult, describeJobStore, jobRecord } from '../test/job-store.behaviour.js';
import { MemoryJobStore } from './memory.job-store.js';

describeJobStore('MemoryJobStore', async () => ({ store: new MemoryJobStore(), dispose: async () => {} }));

describe('MemoryJobStore', () => {
  it('forgets each entry its TTL after it was last written, like the KV bucket', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryJobStore({ clock, ttlMs: 1000 });
    await store.create(jobRecord('ttl'));
    clock.advance(600);
    await store.recordBatch('ttl', batchResult(0));
    clock.advance(399);
    expect((await store.get('ttl'))?.results).toEqual([batchResult(0)]);
    clock.advance(1);
    expect(await store.get('ttl')).toBeUndefined();
    await store.create(jobRecord('ttl'));
    expect((await store.get('ttl'))?.results).toEqual([batchResult(0)]);
    clock.advance(600);
    expect((await store.get('ttl'))?.results).toEqual([]);
  });

  it('drops expired jobs from memory when new jobs arrive', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryJobStore({ clock, ttlMs: 1000 });
    await store.create(jobRecord('old'));
    clock.advance(120_000);
    await store.create(jobRecord('new'));
    expect((store as unknown as { jobs: Map<string, unknown> }).jobs.has('old')).toBe(false);
  });
});
