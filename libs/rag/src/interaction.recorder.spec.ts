import { describe, expect, it } from '@jest/globals';
import { AppError, defaultVariant, type InteractionRecord, ManualClock, type RequestContext } from '@ragops/contracts';
import type { InteractionMaterial } from './interaction.builder.js';
import type { InteractionSink } from './interaction.ports.js';
import { errorCodeOf, type InteractionOutcome, InteractionRecorder } from './interaction.recorder.js';

const ctx = (requestId: string, variant = 'default'): RequestContext => ({ requestId, tenant: 'acme', deadline: 1e12, variant: { ...defaultVariant, id: variant } });
const material = (requestId: string, variant?: string): InteractionMaterial => ({ ctx: ctx(requestId, variant), query: `q ${requestId}`, filtered: false, startedAt: 5, totalMs: 1 });

/** A sink whose publishes resolve only when the test says so, recording what arrived. */
class GatedSink implements InteractionSink {
  readonly published: InteractionRecord[] = [];
  readonly waiting: (() => void)[] = [];
  fail?: Error;
  async publish(record: InteractionRecord): Promise<void> {
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.fail) throw this.fail;
    this.published.push(record);
  }
  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function recorder(sink: InteractionSink, extra: { queueSize?: number; concurrency?: number; traceId?: () => string | undefined } = {}) {
  const outcomes: InteractionOutcome[] = [];
  const r = new InteractionRecorder({ sink, content: 'redacted', redact: (s) => s.toUpperCase(), clock: new ManualClock(42), onOutcome: (o) => outcomes.push(o), ...extra });
  return { r, outcomes };
}

describe('InteractionRecorder', () => {
  it('record() returns before anything is built or published; the record follows on a later turn', async () => {
    const sink = new GatedSink();
    const { r, outcomes } = recorder(sink);
    r.record(material('r1'));
    expect(sink.waiting).toHaveLength(0); // not even started in the caller's turn
    await tick();
    expect(sink.waiting).toHaveLength(1);
    sink.release();
    await r.flush();
    expect(outcomes).toEqual(['published']);
    expect(sink.published[0]).toMatchObject({ requestId: 'r1', query: { text: 'Q R1' }, content: 'redacted' });
  });

  it('bounds the queue: when full, the oldest waiting record is dropped and counted', async () => {
    const sink = new GatedSink();
    const { r, outcomes } = recorder(sink, { queueSize: 2, concurrency: 1 });
    r.record(material('r1'));
    await tick(); // r1 is being published; the queue is empty again
    r.record(material('r2'));
    r.record(material('r3'));
    r.record(material('r4')); // queue holds r2, r3 → r2 dropped
    expect(outcomes).toEqual(['dropped']);
    expect(r.pending).toBe(3);
    for (let i = 0; i < 3; i++) {
      sink.release();
      await tick();
    }
    await r.flush();
    expect(sink.published.map((p) => p.requestId)).toEqual(['r1', 'r3', 'r4']);
    expect(outcomes.filter((o) => o === 'published')).toHaveLength(3);
  });

  it('counts a failing sink and keeps going; never throws to the caller', async () => {
    const sink = new GatedSink();
    sink.fail = new AppError('UNAVAILABLE', 'stream down');
    const { r, outcomes } = recorder(sink);
    r.record(material('r1'));
    r.record(material('r2'));
    await tick();
    sink.release();
    await r.flush();
    expect(outcomes).toEqual(['failed', 'failed']);
    sink.fail = undefined;
    r.record(material('r3'));
    await tick();
    sink.release();
    await r.flush();
    expect(outcomes.at(-1)).toBe('published');
  });

  it('publishes at most `concurrency` records at once', async () => {
    const sink = new GatedSink();
    const { r } = recorder(sink, { concurrency: 2 });
    for (let i = 0; i < 5; i++) r.record(material(`r${i}`));
    await tick();
    expect(sink.waiting).toHaveLength(2);
    while (sink.published.length < 5) {
      sink.release();
      await tick();
    }
    await r.flush();
  });

  it('close() publishes what is queued, then drops later records', async () => {
    const sink = new GatedSink();
    const { r, outcomes } = recorder(sink);
    r.record(material('r1'));
    const closed = r.close();
    await tick();
    sink.release();
    await closed;
    r.record(material('late'));
    expect(outcomes).toEqual(['published', 'dropped']);
  });

  it('remembers which variant served a request (feedback attribution), bounded', async () => {
    const sink: InteractionSink = { publish: async () => undefined };
    const r = new InteractionRecorder({ sink, content: 'hash', redact: (s) => s, clock: new ManualClock(0), recentCapacity: 2 });
    r.record(material('r1', 'canary'));
    r.record(material('r2', 'stable'));
    expect(r.variantOf('acme', 'r1')).toBe('canary');
    expect(r.variantOf('other-tenant', 'r1')).toBeUndefined();
    r.record(material('r3', 'stable'));
    expect(r.variantOf('acme', 'r1')).toBeUndefined();
    expect(r.variantOf('acme', 'r3')).toBe('stable');
    await r.flush();
  });

  it('start() stamps the clock time and the trace id when there is one', () => {
    const sink: InteractionSink = { publish: async () => undefined };
    expect(recorder(sink, { traceId: () => 'abc' }).r.start()).toEqual({ startedAt: 42, traceId: 'abc' });
    expect(recorder(sink, { traceId: () => undefined }).r.start()).toEqual({ startedAt: 42 });
  });

  it('an observer that throws does not break recording', async () => {
    const r = new InteractionRecorder({
      sink: { publish: async () => undefined },
      content: 'hash',
      redact: (s) => s,
      clock: new ManualClock(0),
      onOutcome: () => {
        throw new Error('observer bug');
      },
    });
    r.record(material('r1'));
    await r.flush();
  });

  it('rejects nonsensical sizes at construction', () => {
    const base = { sink: { publish: async () => undefined }, content: 'hash' as const, redact: (s: string) => s, clock: new ManualClock(0) };
    expect(() => new InteractionRecorder({ ...base, queueSize: 0 })).toThrow(AppError);
    expect(() => new InteractionRecorder({ ...base, concurrency: 1.5 })).toThrow(AppError);
  });

  it('errorCodeOf: the AppError code, else INTERNAL', () => {
    expect(errorCodeOf(new AppError('DEADLINE_EXCEEDED', 'late'))).toBe('DEADLINE_EXCEEDED');
    expect(errorCodeOf(new TypeError('x'))).toBe('INTERNAL');
  });
});
