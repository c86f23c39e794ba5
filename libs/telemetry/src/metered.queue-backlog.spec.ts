import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@ragops/contracts';
import { pollQueueBacklog, type QueueBacklog } from './metered.queue-backlog.js';
import { createMetrics, type ServiceMetrics } from './metrics.registry.js';

async function gauge(m: ServiceMetrics, name: string): Promise<number | undefined> {
  const line = (await m.registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{stream="RAGOPS_INGEST"`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('pollQueueBacklog', () => {
  it('sets depth and the age of the oldest message at once and on every poll; an empty queue has no lag', async () => {
    const m = createMetrics('ingest');
    const clock = new ManualClock(100_000);
    const answers: QueueBacklog[] = [{ depth: 3, oldestPublishedAt: 40_000 }, { depth: 0 }];
    const poller = pollQueueBacklog(async () => answers.shift()!, m, { stream: 'RAGOPS_INGEST', intervalMs: 60_000, clock });
    try {
      await poller.poll(); // the first read, started by pollQueueBacklog itself
      expect(await gauge(m, 'ragops_ingest_queue_depth_messages')).toBe(3);
      expect(await gauge(m, 'ragops_ingest_consumer_lag_seconds')).toBe(60);
      await poller.poll();
      expect(await gauge(m, 'ragops_ingest_queue_depth_messages')).toBe(0);
      expect(await gauge(m, 'ragops_ingest_consumer_lag_seconds')).toBe(0);
    } finally {
      poller.stop();
    }
  });

  it('keeps the last values when a read fails, and reports depth only when the queue cannot date its messages', async () => {
    const m = createMetrics('ingest');
    const errors: unknown[] = [];
    const reads: (() => Promise<QueueBacklog>)[] = [async () => ({ depth: 2, oldestPublishedAt: 9_000 }), async () => Promise.reject(new Error('nats down')), async () => ({ depth: 5 })];
    const poller = pollQueueBacklog(() => reads.shift()!(), m, { stream: 'RAGOPS_INGEST', intervalMs: 60_000, clock: new ManualClock(10_000), onError: (e) => errors.push(e) });
    try {
      await poller.poll();
      await poller.poll();
      expect(errors).toEqual([new Error('nats down')]);
      expect(await gauge(m, 'ragops_ingest_queue_depth_messages')).toBe(2);
      await poller.poll();
      expect(await gauge(m, 'ragops_ingest_queue_depth_messages')).toBe(5);
      expect(await gauge(m, 'ragops_ingest_consumer_lag_seconds')).toBe(1); // the last known lag stays
    } finally {
      poller.stop();
    }
  });

  it('a clock behind the publisher never makes lag negative', async () => {
    const m = createMetrics('ingest');
    const poller = pollQueueBacklog(async () => ({ depth: 1, oldestPublishedAt: 50_000 }), m, { stream: 'RAGOPS_INGEST', intervalMs: 60_000, clock: new ManualClock(49_000) });
    await poller.poll();
    poller.stop();
    expect(await gauge(m, 'ragops_ingest_consumer_lag_seconds')).toBe(0);
  });
});
