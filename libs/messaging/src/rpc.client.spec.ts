import { describe, expect, it } from '@jest/globals';
import { NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants.js';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception.js';
import { ClosedConnectionError, NoRespondersError } from '@nats-io/transport-node';
import { AppError, defaultVariant, ManualClock, type RequestContext, SearchReply } from '@ragops/contracts';
import { TimeoutError } from 'rxjs';
import { z } from 'zod';
import { InProcessBus } from './in-process.bus.js';
import { InProcessClient } from './in-process.client.js';
import { RpcClient, rpcErrorToAppError } from './rpc.client.js';

const quiet = { error: () => {} };
const ctx = (deadline: number): RequestContext => ({ requestId: 'r', tenant: 't', deadline, variant: defaultVariant });

function rig(clock = new ManualClock(1_000)) {
  const bus = new InProcessBus(quiet);
  return { bus, clock, rpc: new RpcClient(new InProcessClient(bus), clock) };
}

describe('RpcClient', () => {
  it('sends the envelope and returns the reply the schema accepts', async () => {
    const { bus, rpc } = rig();
    bus.handle('s', (env) => ({ index: (env as { data: { q: string } }).data.q, hits: [], timings: {} }));
    expect(await rpc.request('s', { ctx: ctx(5_000), data: { q: 'v1' } }, SearchReply)).toEqual({ index: 'v1', hits: [], timings: {} });
  });

  it('does not send when the deadline has passed', async () => {
    const { bus, rpc, clock } = rig();
    let called = false;
    bus.handle('s', () => (called = true));
    clock.set(5_000);
    await expect(rpc.request('s', { ctx: ctx(5_000), data: {} }, z.unknown())).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(called).toBe(false);
  });

  it('bounds the call by the time left before the deadline', async () => {
    const { bus, rpc } = rig(new ManualClock(1_000));
    bus.handle('slow', () => new Promise((r) => setTimeout(r, 300)));
    const t0 = Date.now();
    await expect(rpc.request('slow', { ctx: ctx(1_030), data: {} }, z.unknown())).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(Date.now() - t0).toBeLessThan(250);
  });

  it('turns an error reply into the AppError it describes', async () => {
    const { bus, rpc } = rig();
    bus.handle('s', () => Promise.reject({ code: 'RATE_LIMITED', message: 'too fast', details: { retryAfterMs: 5 } }));
    const err = await rpc.request('s', { ctx: ctx(5_000), data: {} }, z.unknown()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', message: 'too fast', details: { retryAfterMs: 5 } });
  });

  it('rejects a reply the schema refuses as UPSTREAM_FAILED naming the field', async () => {
    const { bus, rpc } = rig();
    bus.handle('s', () => ({ index: 'i', hits: [], timings: {}, extra: true }));
    const err = await rpc.request('s', { ctx: ctx(5_000), data: {} }, SearchReply).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect((err as AppError).message).toContain('extra');
  });

  it('answers a subject nobody serves with UNAVAILABLE', async () => {
    await expect(rig().rpc.request('nobody', { ctx: ctx(5_000), data: {} }, z.unknown())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('rpcErrorToAppError', () => {
  const cases: Array<[string, unknown, string]> = [
    ['rxjs timeout', new TimeoutError(), 'DEADLINE_EXCEEDED'],
    ["Nest's no-subscriber error (NATS no responders)", new EmptyResponseException('s'), 'UNAVAILABLE'],
    ['nats.js no responders', new NoRespondersError('s'), 'UNAVAILABLE'],
    ["Nest's no-handler packet", NO_MESSAGE_HANDLER, 'UNAVAILABLE'],
    ['a closed connection', new ClosedConnectionError(), 'UNAVAILABLE'],
    ['ClientNats close() failing pending calls', new Error('Connection closed'), 'UNAVAILABLE'],
    ['ClientNats while reconnecting', 'Error: Connection lost. Trying to reconnect...', 'UNAVAILABLE'],
    ["Nest's generic error packet", { status: 'error', message: 'Internal server error' }, 'INTERNAL'],
    ['a wire error', { code: 'NOT_FOUND', message: 'x' }, 'NOT_FOUND'],
    ['a local bug', new TypeError('x is not a function'), 'INTERNAL'],
  ];
  it.each(cases)('maps %s', (_what, err, code) => {
    const mapped = rpcErrorToAppError(err, 'ragops.v1.retrieval.search', 100);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped.code).toBe(code);
  });

  it('passes an AppError through untouched', () => {
    const e = new AppError('FORBIDDEN', 'no');
    expect(rpcErrorToAppError(e, 's', 1)).toBe(e);
  });
});
