import { describe, expect, it } from '@jest/globals';
import { AppError } from '@ragops/contracts';
import { of } from 'rxjs';
import { InProcessBus } from './in-process.bus.js';
import { INTERNAL_MESSAGE } from './wire-error.js';

const quiet = { error: () => {} };

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('InProcessBus', () => {
  it('gives the handler a copy of the data and the caller a copy of the result', async () => {
    const bus = new InProcessBus(quiet);
    const kept = { items: [1, 2] };
    let received: { items: number[] } | undefined;
    bus.handle('p', (data) => {
      received = data as { items: number[] };
      received.items.push(99);
      return kept;
    });
    const sent = { items: [1] };
    const reply = await bus.request<{ items: number[] }>('p', sent, 1000);
    expect(sent.items).toEqual([1]);
    expect(received?.items).toEqual([1, 99]);
    reply.items.push(3);
    expect(kept.items).toEqual([1, 2]);
  });

  it('resolves plain values, promises, observables (last value) and promises of observables', async () => {
    const bus = new InProcessBus(quiet);
    bus.handle('value', () => 1);
    bus.handle('promise', async () => 2);
    bus.handle('observable', () => of(3, 4));
    bus.handle('nested', async () => of(5));
    bus.handle('empty', () => undefined);
    expect(await Promise.all(['value', 'promise', 'observable', 'nested', 'empty'].map((p) => bus.request(p, {}, 1000)))).toEqual([
      1,
      2,
      4,
      5,
      undefined,
    ]);
  });

  it('answers a pattern nobody handles with UNAVAILABLE', async () => {
    const err = await rejection(new InProcessBus(quiet).request('ragops.v1.retrieval.search', {}, 1000));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: 'no service handles ragops.v1.retrieval.search' });
  });

  it('rejects with the wire form a NATS reply would carry', async () => {
    const logged: unknown[] = [];
    const bus = new InProcessBus({ error: (...a: unknown[]) => logged.push(a) });
    bus.handle('app', () => {
      throw new AppError('FORBIDDEN', 'not yours', { tenant: 'a' });
    });
    bus.handle('bug', () => {
      throw new Error('at /srv/secret.ts:12');
    });
    bus.handle('already-wire', () => Promise.reject({ status: 'error', message: 'Internal server error' }));
    expect(await rejection(bus.request('app', {}, 1000))).toEqual({ code: 'FORBIDDEN', message: 'not yours', details: { tenant: 'a' } });
    expect(await rejection(bus.request('bug', {}, 1000))).toEqual({ code: 'INTERNAL', message: INTERNAL_MESSAGE });
    expect(await rejection(bus.request('already-wire', {}, 1000))).toEqual({ status: 'error', message: 'Internal server error' });
    expect(logged).toHaveLength(1);
  });

  it('gives up with DEADLINE_EXCEEDED when the handler does not answer in time', async () => {
    const bus = new InProcessBus(quiet);
    bus.handle('slow', () => new Promise((r) => setTimeout(r, 200)));
    expect(await rejection(bus.request('slow', {}, 20))).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(await rejection(bus.request('slow', {}, 0))).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('refuses data that could not cross a process boundary', async () => {
    const bus = new InProcessBus(quiet);
    bus.handle('p', () => 1);
    expect(await rejection(bus.request('p', { fn: () => 1 }, 1000))).toMatchObject({ code: 'INTERNAL' });
  });

  it('shares requests round-robin between handlers of one pattern, like a queue group', async () => {
    const bus = new InProcessBus(quiet);
    const offA = bus.handle('p', () => 'a');
    bus.handle('p', () => 'b');
    const replies = await Promise.all([1, 2, 3, 4].map(() => bus.request('p', {}, 1000)));
    expect(replies.sort()).toEqual(['a', 'a', 'b', 'b']);
    offA();
    expect(await bus.request('p', {}, 1000)).toBe('b');
    expect(bus.hasHandler('p')).toBe(true);
  });

  it('unregisters, after which the pattern is UNAVAILABLE again', async () => {
    const bus = new InProcessBus(quiet);
    const off = bus.handle('p', () => 1);
    off();
    expect(bus.hasHandler('p')).toBe(false);
    expect(await rejection(bus.request('p', {}, 1000))).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('delivers events to every event handler and logs their failures', async () => {
    const logged: unknown[] = [];
    const bus = new InProcessBus({ error: (...a: unknown[]) => logged.push(a) });
    const got: unknown[] = [];
    bus.on('e', (d) => void got.push(d));
    const off = bus.on('e', () => {
      throw new Error('listener broke');
    });
    await bus.emit('e', { n: 1 });
    expect(got).toEqual([{ n: 1 }]);
    expect(logged).toHaveLength(1);
    off();
    await bus.emit('nobody-listens', {});
  });
});
