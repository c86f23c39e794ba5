import { describe, expect, it } from '@jest/globals';
import { ClientNats, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { QueueGroups } from '@ragops/contracts';
import { NatsMetadataSerializer } from './nats-metadata.serializer.js';
import { natsClientOptions, natsServerOptions } from './nats.options.js';

describe('NATS options', () => {
  it('puts every replica of a service in its queue group and drains on shutdown', () => {
    expect(natsServerOptions({ servers: 'nats://nats:4222', queue: QueueGroups.retrieval, name: 'retrieval-0' })).toEqual({
      transport: Transport.NATS,
      options: {
        servers: 'nats://nats:4222',
        name: 'retrieval-0',
        maxReconnectAttempts: -1,
        queue: 'ragops-retrieval',
        gracefulShutdown: true,
        gracePeriod: 5000,
      },
    });
  });

  it("keeps Nest's default serializer (no serializer or deserializer override)", () => {
    const { options } = natsServerOptions({ servers: 'x', queue: 'q', name: 'n', gracePeriodMs: 100 });
    expect(options.serializer).toBeUndefined();
    expect(options.deserializer).toBeUndefined();
    expect(options.gracePeriod).toBe(100);
  });

  it('builds client options ClientProxyFactory turns into a ClientNats, credentials only when given, metadata as headers', () => {
    const opts = natsClientOptions({ servers: ['a:4222', 'b:4222'], name: 'gateway-0', token: 's3cret' });
    expect(opts.options).toEqual({
      servers: ['a:4222', 'b:4222'],
      name: 'gateway-0',
      token: 's3cret',
      maxReconnectAttempts: -1,
      serializer: expect.any(NatsMetadataSerializer),
    });
    expect(ClientProxyFactory.create(opts)).toBeInstanceOf(ClientNats);
  });
});
