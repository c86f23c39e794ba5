import { describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import { InProcessBus } from './in-process.bus.js';
import { InProcessClient } from './in-process.client.js';

const quiet = { error: () => {} };

describe('InProcessClient', () => {
  it('sends through the bus and completes with the reply', async () => {
    const bus = new InProcessBus(quiet);
    bus.handle('double', (d) => (d as { n: number }).n * 2);
    const client = new InProcessClient(bus);
    expect(await lastValueFrom(client.send('double', { n: 21 }))).toBe(42);
  });

  it("errors the observable with the handler's wire error", async () => {
    const bus = new InProcessBus(quiet);
    bus.handle('fail', () => Promise.reject({ code: 'NOT_FOUND', message: 'nope' }));
    await expect(firstValueFrom(new InProcessClient(bus).send('fail', {}))).rejects.toEqual({ code: 'NOT_FOUND', message: 'nope' });
  });

  it('passes metadata from the dispatch hook to the handler', async () => {
    const bus = new InProcessBus(quiet);
    bus.handle('meta', (_d, m) => m.metadata);
    const client = new InProcessClient(bus);
    client.setOnDispatchHook((packet) => {
      packet.metadata = { traceparent: '00-abc-def-01' };
    });
    expect(await lastValueFrom(client.send('meta', {}))).toEqual({ traceparent: '00-abc-def-01' });
  });

  it('drops an answer that arrives after the caller gave up', async () => {
    const bus = new InProcessBus(quiet);
    let answered = false;
    bus.handle('slow', async () => {
      await new Promise((r) => setTimeout(r, 50));
      answered = true;
      return 1;
    });
    await expect(lastValueFrom(new InProcessClient(bus).send('slow', {}).pipe(timeout(5)))).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 80));
    expect(answered).toBe(true);
  });

  it('emits events to the bus', async () => {
    const bus = new InProcessBus(quiet);
    const got: unknown[] = [];
    bus.on('evt', (d) => void got.push(d));
    await lastValueFrom(new InProcessClient(bus).emit('evt', { a: 1 }), { defaultValue: undefined });
    expect(got).toEqual([{ a: 1 }]);
  });
});
