import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { AppError, defaultVariant, HealthReply, type RequestContext, SearchReply } from '@ragops/contracts';
import { currentLogFields, type InMemoryTracing, type LogFields, startInMemoryTracing } from '@ragops/telemetry';
import { z } from 'zod';
import { AppErrorRpcFilter } from './app-error.rpc-filter.js';
import { InProcessBus } from './in-process.bus.js';
import { InProcessClient } from './in-process.client.js';
import type { InProcessContext } from './in-process.context.js';
import { InProcessServer } from './in-process.server.js';
import { RpcClient } from './rpc.client.js';
import { RpcTracingInterceptor } from './rpc-tracing.interceptor.js';

const seen: { metadata?: Record<string, string>; fields?: LogFields; traceId?: string }[] = [];

@Controller()
class Handlers {
  @MessagePattern('ragops.v1.test.search')
  search(@Payload() _raw: unknown, @Ctx() ctx: InProcessContext): SearchReply {
    // The active span's trace id is what every log line the handler writes carries (the logger's mixin).
    seen.push({ metadata: ctx.getMetadata(), fields: currentLogFields(), traceId: trace.getActiveSpan()?.spanContext().traceId });
    return { index: 'i', hits: [], timings: {} };
  }

  @MessagePattern('ragops.v1.test.fail')
  async fail(): Promise<never> {
    await Promise.resolve();
    throw new AppError('UNKNOWN_INDEX', 'no index named like jane@example.com');
  }

  @MessagePattern('ragops.v1.test.health')
  health(@Ctx() ctx: InProcessContext): HealthReply {
    seen.push({ metadata: ctx.getMetadata() });
    return { service: 'test', ok: true };
  }
}

@Module({ controllers: [Handlers] })
class TestModule {}

const ctx: RequestContext = { requestId: 'req-7', tenant: 'acme', deadline: Date.now() + 60_000, variant: { ...defaultVariant, id: 'canary' } };
const quiet = { error: () => {} };

describe('RPC tracing over the in-process transport (the same code path as NATS, headers in the bus metadata)', () => {
  let app: INestMicroservice;
  let rpc: RpcClient;

  beforeAll(async () => {
    const bus = new InProcessBus(quiet);
    app = await NestFactory.createMicroservice(TestModule, { strategy: new InProcessServer(bus), logger: false });
    app.useGlobalFilters(new AppErrorRpcFilter(quiet));
    app.useGlobalInterceptors(new RpcTracingInterceptor());
    await app.listen();
    rpc = new RpcClient(new InProcessClient(bus));
  });
  afterAll(() => app.close());
  beforeEach(() => {
    seen.length = 0;
  });

  it('with tracing off sends no trace context, yet the handler logs with tenant, variant and request id', async () => {
    await rpc.request('ragops.v1.test.search', { ctx, data: {} }, SearchReply);
    expect(seen[0]!.metadata).toBeUndefined();
    expect(seen[0]!.fields).toEqual({ requestId: 'req-7', tenant: 'acme', variant: 'canary' });
  });

  describe('with tracing on', () => {
    let tracing: InMemoryTracing;
    beforeAll(async () => {
      tracing = await startInMemoryTracing();
    });
    afterAll(() => tracing.shutdown());
    afterEach(() => tracing.reset());

    it('carries the CLIENT span as traceparent; the SERVER span is its child, with the envelope context on it', async () => {
      await rpc.request('ragops.v1.test.search', { ctx, data: {} }, SearchReply);
      const spans = await tracing.spans();
      const client = spans.find((s) => s.name === 'send ragops.v1.test.search')!;
      const server = spans.find((s) => s.name === 'process ragops.v1.test.search')!;
      expect(client.kind).toBe(SpanKind.CLIENT);
      expect(server.kind).toBe(SpanKind.SERVER);
      expect(server.spanContext().traceId).toBe(client.spanContext().traceId);
      expect(server.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
      expect(seen[0]!.metadata?.traceparent).toBe(`00-${client.spanContext().traceId}-${client.spanContext().spanId}-01`);
      for (const s of [client, server]) {
        expect(s.attributes).toMatchObject({ 'messaging.system': 'ragops_in_process', 'messaging.destination.name': 'ragops.v1.test.search' });
      }
      expect(client.attributes).toMatchObject({ 'messaging.operation.type': 'send' });
      expect(server.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'ragops.tenant': 'acme', 'ragops.variant': 'canary' });
    });

    it('records the error code on both sides, not the message', async () => {
      await expect(rpc.request('ragops.v1.test.fail', { ctx, data: {} }, z.unknown())).rejects.toMatchObject({ code: 'UNKNOWN_INDEX' });
      const spans = await tracing.spans();
      expect(spans.map((s) => [s.name, s.attributes['error.type'], s.status.code]).sort()).toEqual([
        ['process ragops.v1.test.fail', 'UNKNOWN_INDEX', 2],
        ['send ragops.v1.test.fail', 'UNKNOWN_INDEX', 2],
      ]);
      expect(JSON.stringify(spans.map((s) => [s.attributes, s.status, s.events]))).not.toContain('jane');
    });

    it('leaves health probes untraced', async () => {
      await rpc.request('ragops.v1.test.health', { ctx, data: {} }, HealthReply);
      expect(await tracing.spans()).toEqual([]);
      expect(seen[0]!.metadata).toBeUndefined();
    });
  });
});

describe('an unsampled trace (parent-based sampling) records nothing downstream but keeps passing its decision on', () => {
  let app: INestMicroservice;
  let rpc: RpcClient;
  let tracing: InMemoryTracing;

  beforeAll(async () => {
    tracing = await startInMemoryTracing('unsampled', { OTEL_TRACES_SAMPLER: 'parentbased_always_on' });
    const bus = new InProcessBus(quiet);
    app = await NestFactory.createMicroservice(TestModule, { strategy: new InProcessServer(bus), logger: false });
    app.useGlobalInterceptors(new RpcTracingInterceptor());
    await app.listen();
    rpc = new RpcClient(new InProcessClient(bus));
  });
  afterAll(async () => {
    await app.close();
    await tracing.shutdown();
  });

  it('forwards the unsampled traceparent, creates no span, and still logs with the trace id', async () => {
    seen.length = 0;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true });
    await context.with(unsampled, () => rpc.request('ragops.v1.test.search', { ctx, data: {} }, SearchReply));
    expect(seen[0]!.metadata?.traceparent).toBe(`00-${traceId}-00f067aa0ba902b7-00`);
    expect(seen[0]!.traceId).toBe(traceId);
    expect(seen[0]!.fields).toEqual({ requestId: 'req-7', tenant: 'acme', variant: 'canary' });
    expect(await tracing.spans()).toEqual([]);

    // A sampled parent in the same process is still traced in full.
    const sampled = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    await context.with(sampled, () => rpc.request('ragops.v1.test.search', { ctx, data: {} }, SearchReply));
    expect((await tracing.spans()).map((s) => s.name).sort()).toEqual(['process ragops.v1.test.search', 'send ragops.v1.test.search']);
  });
});
