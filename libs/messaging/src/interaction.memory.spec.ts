import { describe, expect, it } from '@jest/globals';
import { defaultVariant, type InteractionRecord } from '@ragops/contracts';
import { readInteractionHeaders } from './interaction.headers.js';
import { MemoryInteractionLog, MemoryRecordLog } from './interaction.memory.js';

interface R {
  tenant: string;
  timestamp: number;
  id: string;
  nested?: { n: number };
}
const rec = (id: string, timestamp: number, tenant = 'acme'): R => ({ tenant, timestamp, id });
const quiet = { warn: () => undefined, error: () => undefined };
const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('MemoryRecordLog', () => {
  it('keeps the newest `capacity` records; subscribers get live ones, and buffered ones since a time', async () => {
    const log = new MemoryRecordLog<R>({ capacity: 3, logger: quiet });
    for (let i = 1; i <= 5; i++) await log.publish(rec(`r${i}`, i * 10));
    expect(log.recent().map((r) => r.id)).toEqual(['r3', 'r4', 'r5']);
    const seen: string[] = [];
    const stop = log.subscribe((r) => seen.push(r.id), { since: 40 });
    expect(seen).toEqual(['r4', 'r5']);
    await log.publish(rec('r6', 60));
    stop();
    await log.publish(rec('r7', 70));
    expect(seen).toEqual(['r4', 'r5', 'r6']);
  });

  it('filters subscribers by tenant and hands each one its own copy', async () => {
    const log = new MemoryRecordLog<R>({ logger: quiet });
    const a: R[] = [];
    const b: R[] = [];
    log.subscribe((r) => a.push(r), { tenant: 'acme' });
    log.subscribe((r) => b.push(r));
    const original = { ...rec('x', 1), nested: { n: 1 } };
    await log.publish(original);
    await log.publish(rec('y', 2, 'globex'));
    expect(a.map((r) => r.id)).toEqual(['x']);
    expect(b.map((r) => r.id)).toEqual(['x', 'y']);
    a[0]!.nested!.n = 99;
    expect(b[0]!.nested!.n).toBe(1);
    expect(original.nested.n).toBe(1);
  });

  it('a throwing subscriber does not stop the others or the publisher', async () => {
    const log = new MemoryRecordLog<R>({ logger: quiet });
    const got: string[] = [];
    log.subscribe(() => {
      throw new Error('bad listener');
    });
    log.subscribe((r) => got.push(r.id));
    await log.publish(rec('x', 1));
    expect(got).toEqual(['x']);
  });

  it('delivers to consumers with bounded concurrency and redelivers on retry until maxDeliver', async () => {
    const log = new MemoryRecordLog<R>({ concurrency: 2, maxDeliver: 3, retryDelayMs: 1, logger: quiet });
    let running = 0;
    let peak = 0;
    const attempts = new Map<string, number[]>();
    const handle = await log.consume(async (raw, attempt) => {
      const r = raw as R;
      attempts.set(r.id, [...(attempts.get(r.id) ?? []), attempt]);
      running++;
      peak = Math.max(peak, running);
      await new Promise((res) => setTimeout(res, 5));
      running--;
      return r.id === 'always-retry' || (r.id === 'retry-once' && attempt === 1) ? 'retry' : 'ack';
    });
    for (const id of ['a', 'b', 'c', 'd', 'retry-once', 'always-retry']) await log.publish(rec(id, 1));
    await until(() => (attempts.get('always-retry')?.length ?? 0) === 3 && (attempts.get('retry-once')?.length ?? 0) === 2);
    await new Promise((r) => setTimeout(r, 30));
    expect(peak).toBe(2);
    expect(attempts.get('a')).toEqual([1]);
    expect(attempts.get('retry-once')).toEqual([1, 2]);
    expect(attempts.get('always-retry')).toEqual([1, 2, 3]);
    await handle.stop();
  });

  it('treats a throwing handler as retry; stop() waits for running handlers and delivers nothing after', async () => {
    const log = new MemoryRecordLog<R>({ maxDeliver: 2, retryDelayMs: 1, logger: quiet });
    const calls: number[] = [];
    let finished = false;
    const handle = await log.consume(async (_raw, attempt) => {
      calls.push(attempt);
      if (attempt === 1) throw new Error('transient');
      await new Promise((res) => setTimeout(res, 20));
      finished = true;
      return 'ack';
    });
    await log.publish(rec('x', 1));
    await until(() => calls.length === 2);
    await handle.stop();
    expect(finished).toBe(true);
    await log.publish(rec('y', 2));
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual([1, 2]);
  });

  it('drops the oldest waiting record when a consumer falls too far behind, and counts it', async () => {
    const log = new MemoryRecordLog<R>({ concurrency: 1, backlog: 2, logger: quiet });
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handle = await log.consume(async (raw) => {
      seen.push((raw as R).id);
      await gate;
      return 'ack';
    });
    for (const id of ['a', 'b', 'c', 'd']) await log.publish(rec(id, 1)); // a runs; b, c wait; d pushes b out
    expect(log.dropped).toBe(1);
    release();
    await until(() => seen.length === 3);
    expect(seen).toEqual(['a', 'c', 'd']);
    await handle.stop();
  });

  it("settles records a consumer's preview decides from their headers; the handler gets only the rest", async () => {
    const log = new MemoryRecordLog<R>({ maxDeliver: 2, retryDelayMs: 1, logger: quiet }, (r) => ({ 'Record-Id': r.id }));
    const previewed: string[] = [];
    const handled: string[] = [];
    const handle = await log.consume(
      async (raw) => {
        handled.push((raw as R).id);
        return 'ack';
      },
      {
        preview: (headers) => {
          const id = headers['Record-Id'] as string;
          previewed.push(id);
          if (id.startsWith('skip')) return 'ack';
          return id === 'later' && !previewed.slice(0, -1).includes('later') ? 'retry' : undefined;
        },
      },
    );
    for (const id of ['skip-1', 'read-1', 'skip-2', 'later']) await log.publish(rec(id, 1));
    await until(() => handled.length === 2);
    expect(handled).toEqual(['read-1', 'later']);
    expect(previewed).toEqual(['skip-1', 'read-1', 'skip-2', 'later', 'later']); // `retry` from the preview redelivers
    await handle.stop();
  });

  it('a log without headers gives the preview none; the interaction log gives the JetStream sink\'s', async () => {
    const plain = new MemoryRecordLog<R>({ logger: quiet });
    const seen: Record<string, string>[] = [];
    const preview = (h: Readonly<Record<string, string>>) => {
      seen.push({ ...h });
      return 'ack' as const;
    };
    const h1 = await plain.consume(async () => 'ack', { preview });
    await plain.publish(rec('x', 1));
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({});
    await h1.stop();

    const interactions = new MemoryInteractionLog({ logger: quiet });
    const record: InteractionRecord = {
      schemaVersion: 1,
      requestId: 'req-1',
      tenant: 'acme',
      timestamp: 1234,
      variant: { ...defaultVariant, id: 'canary' },
      content: 'hash',
      outcome: 'error',
      query: { hash: `sha256:${'0'.repeat(64)}` },
      filtered: false,
      latencyMs: { total: 1 },
    };
    const fields: unknown[] = [];
    const h2 = await interactions.consume(async () => 'ack', {
      preview: (h) => {
        fields.push(readInteractionHeaders(h));
        return 'ack';
      },
    });
    await interactions.publish(record);
    await until(() => fields.length === 1);
    expect(fields[0]).toEqual({ tenant: 'acme', requestId: 'req-1', variant: 'canary', timestamp: 1234, outcome: 'error' });
    await h2.stop();
  });
});
