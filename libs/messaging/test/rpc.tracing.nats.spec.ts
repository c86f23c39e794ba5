import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, type DynamicModule, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type ClientProxy, ClientProxyFactory, Ctx, MessagePattern, type NatsContext } from '@nestjs/microservices';
import { SpanKind } from '@opentelemetry/api';
import { defaultVariant, type RequestContext } from '@ragops/contracts';
import { currentLogFields, type InMemoryTracing, type LogFields, startInMemoryTracing } from '@ragops/telemetry';
import { testNatsUrl, uniqueName } from '@ragops/testing';
import { z } from 'zod';
import { AppErrorRpcFilter, natsClientOptions, natsServerOptions, RpcClient, RpcTracingInterceptor } from '../src/index.js';

const subject = `${uniqueName('ragops.test').replace('_', '.')}.traced`;
const seen: { headers: Record<string, string>; fields?: LogFields }[] = [];

function moduleFor(s: string): DynamicModule {
  @Controller()
  class TracedHandler {
    @MessagePattern(s)
    handle(@Ctx() ctx: NatsContext): { ok: true } {
      const h = ctx.getHeaders() as { keys(): string[]; get(k: string): string } | undefined;
      seen.push({ headers: Object.fromEntries((h?.keys() ?? []).map((k) => [k, h!.get(k)])), fields: currentLogFields() });
      return { ok: true };
    }
  }
  @Module({ controllers: [TracedHandler] })
  class TracedModule {}
  return { module: TracedModule };
}

const ctx: RequestContext = { requestId: 'req-n', tenant: 'acme', deadline: Date.now() + 60_000, variant: { ...defaultVariant, id: 'canary' } };

describe('trace context in real NATS message headers (ClientNats → ServerNats)', () => {
  let tracing: InMemoryTracing;
  let app: INestMicroservice;
  let proxy: ClientProxy;
  let rpc: RpcClient;

  beforeAll(async () => {
    tracing = await startInMemoryTracing();
    app = await NestFactory.createMicroservice(moduleFor(subject), {
      ...natsServerOptions({ servers: testNatsUrl(), queue: uniqueName('ragops-test'), name: 'traced-server', gracePeriodMs: 20 }),
      logger: false,
    });
    app.useGlobalFilters(new AppErrorRpcFilter({ error: () => undefined }));
    app.useGlobalInterceptors(new RpcTracingInterceptor());
    await app.listen();
    proxy = ClientProxyFactory.create(natsClientOptions({ servers: testNatsUrl(), name: 'traced-client' }));
    await proxy.connect();
    rpc = new RpcClient(proxy);
  });
  afterAll(async () => {
    await proxy?.close();
    await app?.close();
    await tracing?.shutdown();
  });

  it('sends traceparent as a NATS header; the server span continues the client span', async () => {
    await rpc.request(subject, { ctx, data: {} }, z.object({ ok: z.literal(true) }));
    const spans = await tracing.spans();
    const client = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    const { traceId, spanId } = client.spanContext();
    expect(seen[0]!.headers.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(server.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext).toMatchObject({ spanId, isRemote: true });
    expect(server.attributes).toMatchObject({ 'messaging.system': 'nats', 'messaging.destination.name': subject, 'ragops.tenant': 'acme' });
    expect(seen[0]!.fields).toEqual({ requestId: 'req-n', tenant: 'acme', variant: 'canary' });
  });
});
