import { describe, expect, it } from '@jest/globals';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { AppError } from '@ragops/contracts';
import { createMetrics, type ServiceMetrics } from '@ragops/telemetry';
import { firstValueFrom, of, Subject, throwError } from 'rxjs';
import { z } from 'zod';
import { RpcMetricsInterceptor } from './rpc-metrics.interceptor.js';

const rpc = { getType: () => 'rpc' } as unknown as ExecutionContext;
const http = { getType: () => 'http' } as unknown as ExecutionContext;

async function sample(m: ServiceMetrics, name: string, labels: string): Promise<number | undefined> {
  const line = (await m.registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{${labels}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('RpcMetricsInterceptor', () => {
  it('counts a message in flight until its reply is out', async () => {
    const m = createMetrics('retrieval');
    const reply = new Subject<string>();
    const out = firstValueFrom(new RpcMetricsInterceptor(m).intercept(rpc, { handle: () => reply } as CallHandler));
    expect(await sample(m, 'ragops_inflight_requests', 'transport="nats"')).toBe(1);
    reply.next('done');
    reply.complete();
    expect(await out).toBe('done');
    expect(await sample(m, 'ragops_inflight_requests', 'transport="nats"')).toBe(0);
    expect((await m.registry.metrics()).match(/^ragops_errors_total\{.*\} [1-9]/m)).toBeNull();
  });

  it('counts each failure by the code the caller receives, and passes the error on unchanged', async () => {
    const m = createMetrics('retrieval');
    const interceptor = new RpcMetricsInterceptor(m);
    const zodError = z.object({ query: z.string() }).safeParse({}).error!;
    const failures: unknown[] = [new AppError('UNKNOWN_INDEX', 'no index docs'), new Error('bug'), zodError, new AppError('UNKNOWN_INDEX', 'again')];
    for (const failure of failures) {
      await expect(firstValueFrom(interceptor.intercept(rpc, { handle: () => throwError(() => failure) }))).rejects.toBe(failure);
    }
    expect(await sample(m, 'ragops_errors_total', 'code="UNKNOWN_INDEX"')).toBe(2);
    expect(await sample(m, 'ragops_errors_total', 'code="INTERNAL"')).toBe(1);
    expect(await sample(m, 'ragops_errors_total', 'code="VALIDATION_FAILED"')).toBe(1);
    expect(await sample(m, 'ragops_inflight_requests', 'transport="nats"')).toBe(0);
  });

  it('settles a handler that throws before returning, and leaves non-RPC calls alone', async () => {
    const m = createMetrics('retrieval');
    const interceptor = new RpcMetricsInterceptor(m);
    const thrown = new AppError('INTERNAL', 'sync');
    expect(() =>
      interceptor.intercept(rpc, {
        handle: () => {
          throw thrown;
        },
      }),
    ).toThrow(thrown);
    expect(await sample(m, 'ragops_inflight_requests', 'transport="nats"')).toBe(0);
    expect(await sample(m, 'ragops_errors_total', 'code="INTERNAL"')).toBe(1);
    expect(await firstValueFrom(interceptor.intercept(http, { handle: () => of(1) }))).toBe(1);
    expect(await sample(m, 'ragops_inflight_requests', 'transport="http"')).toBe(0);
  });
});
