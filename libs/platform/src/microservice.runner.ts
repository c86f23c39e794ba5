import type { DynamicModule, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, type ClientProxy } from '@nestjs/microservices';
import { type Clock, QueueGroups, type ServiceName } from '@ragops/contracts';
import { type Logger, PinoNestLogger, type ServiceMetrics } from '@ragops/telemetry';
import { RpcMetricsInterceptor } from './rpc-metrics.interceptor.js';
import { AppErrorRpcFilter, InProcessBus, InProcessClient, InProcessServer, natsClientOptions, natsServerOptions, RpcClient, RpcTracingInterceptor } from '@ragops/messaging';

/** How a service is reached: NATS (distributed) or the in-process bus (all-in-one). The handlers are the same. */
export type ServiceTransport = { kind: 'nats'; servers: string; instance?: string } | { kind: 'in-process'; bus: InProcessBus };

/**
 * Starts one service's Nest module as a microservice on the given transport, with the one RPC error filter and the one
 * tracing interceptor (SERVER span per message from the caller's trace context; tenant/variant on every log line).
 * With a logger, Nest's own messages go through it as JSON; without one (tests, all-in-one) only Nest errors and
 * warnings print.
 */
export async function startMicroservice(
  module: DynamicModule,
  service: ServiceName,
  transport: ServiceTransport,
  logger?: Logger,
  /** The service's registry: with it, every message is counted in flight and every failure by its code. */
  metrics?: Pick<ServiceMetrics, 'inflightRequests' | 'errors'>,
): Promise<INestMicroservice> {
  const options =
    transport.kind === 'nats'
      ? natsServerOptions({ servers: transport.servers, name: connectionName(service, transport.instance), queue: QueueGroups[service] })
      : { strategy: new InProcessServer(transport.bus) };
  const app = await NestFactory.createMicroservice(module, { ...options, logger: logger ? new PinoNestLogger(logger.child({ component: 'nest' })) : ['error', 'warn'] });
  app.useGlobalFilters(new AppErrorRpcFilter());
  app.useGlobalInterceptors(new RpcTracingInterceptor());
  if (metrics) app.useGlobalInterceptors(new RpcMetricsInterceptor(metrics));
  await app.listen();
  return app;
}

/** An RPC client over the same transport; close() releases its connection. */
export async function createRpcClient(transport: ServiceTransport, caller: string, clock: Clock): Promise<{ rpc: RpcClient; close: () => Promise<void> }> {
  const proxy: ClientProxy =
    transport.kind === 'nats'
      ? ClientProxyFactory.create(natsClientOptions({ servers: transport.servers, name: connectionName(caller, transport.instance) }))
      : new InProcessClient(transport.bus);
  await proxy.connect();
  return { rpc: new RpcClient(proxy, clock), close: async () => proxy.close() };
}

function connectionName(service: string, instance?: string): string {
  return instance ? `ragops-${service}-${instance}` : `ragops-${service}`;
}
