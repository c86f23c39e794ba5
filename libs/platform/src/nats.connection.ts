import { connect, type NatsConnection } from '@nats-io/transport-node';

/** A nats.js connection for JetStream/KV users (queue, job store, replicated index), reconnecting forever. */
export function connectNats(servers: string, name: string): Promise<NatsConnection> {
  return connect({ servers, name, maxReconnectAttempts: -1 });
}
