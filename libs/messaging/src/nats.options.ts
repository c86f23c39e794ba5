import { type NatsOptions, Transport } from '@nestjs/microservices';
import { NatsMetadataSerializer } from './nats-metadata.serializer.js';

/** Where and as whom a process connects to NATS. */
export interface NatsConnectionSettings {
  /** `nats://host:4222`, `host:4222`, or several for a cluster. */
  servers: string | string[];
  /** Connection name shown by NATS monitoring (`/connz`): use `<service>-<pod>` so a slow consumer is findable. */
  name: string;
  user?: string;
  pass?: string;
  token?: string;
}

export interface NatsServerSettings extends NatsConnectionSettings {
  /** Queue group (QueueGroups from @ragops/contracts): replicas of one service share requests instead of all answering. */
  queue: string;
  /**
   * On shutdown Nest unsubscribes, then waits this long for in-flight handlers to reply before closing the
   * connection. Keep it below the pod's termination grace period. Default 5 s.
   */
  gracePeriodMs?: number;
}

export type NatsTransportOptions = Required<Pick<NatsOptions, 'transport' | 'options'>>;

/**
 * Options for `NestFactory.createMicroservice(Module, natsServerOptions(...))` (or `connectMicroservice`).
 * Nest's default serializer stays: requests travel as JSON `{ pattern, data, id }` and replies as
 * `{ id, response | err, isDisposed }` — the in-process transport mirrors those semantics.
 */
export function natsServerOptions(settings: NatsServerSettings): NatsTransportOptions {
  return {
    transport: Transport.NATS,
    options: {
      ...connection(settings),
      queue: settings.queue,
      gracefulShutdown: true,
      gracePeriod: settings.gracePeriodMs ?? 5_000,
    },
  };
}

/**
 * Options for `ClientProxyFactory.create(...)` / `ClientsModule.register(...)`: a ClientNats for RpcClient, whose
 * packet metadata (trace context) travels as NATS headers.
 */
export function natsClientOptions(settings: NatsConnectionSettings): NatsTransportOptions {
  return { transport: Transport.NATS, options: { ...connection(settings), serializer: new NatsMetadataSerializer() } };
}

function connection(s: NatsConnectionSettings): NatsTransportOptions['options'] {
  return {
    servers: s.servers,
    name: s.name,
    ...(s.user !== undefined && { user: s.user }),
    ...(s.pass !== undefined && { pass: s.pass }),
    ...(s.token !== undefined && { token: s.token }),
    // A NATS restart or failover must not leave a service permanently deaf: keep reconnecting.
    maxReconnectAttempts: -1,
  };
}
