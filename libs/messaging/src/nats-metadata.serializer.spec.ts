import { describe, expect, it } from '@jest/globals';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { NatsRecordBuilder } from '@nestjs/microservices';
import { NatsMetadataSerializer } from './nats-metadata.serializer.js';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('NatsMetadataSerializer', () => {
  const serializer = new NatsMetadataSerializer();

  it('sends packet metadata as NATS headers and keeps the JSON body as Nest writes it', () => {
    const out = serializer.serialize({ pattern: 's', data: { ctx: 1 }, id: 'abc', metadata: { traceparent, tracestate: 'v=1' } });
    expect(JSON.parse(out.data)).toEqual({ pattern: 's', data: { ctx: 1 }, id: 'abc' });
    expect(out.headers?.get('traceparent')).toBe(traceparent);
    expect(out.headers?.get('tracestate')).toBe('v=1');
  });

  it('sends no headers when there is no metadata (tracing off)', () => {
    const out = serializer.serialize({ pattern: 's', data: [1, 2], id: 'x' });
    expect(out.headers).toBeUndefined();
    expect(JSON.parse(out.data)).toEqual({ pattern: 's', data: [1, 2], id: 'x' });
    expect(serializer.serialize({ pattern: 's', data: 1, metadata: {} }).headers).toBeUndefined();
  });

  it("unwraps a NatsRecord; the record's own headers win over metadata of the same name", () => {
    const own = natsHeaders();
    own.set('traceparent', 'from-record');
    own.set('x-version', '2');
    const record = new NatsRecordBuilder({ q: 1 }).setHeaders(own).build();
    const out = serializer.serialize({ pattern: 's', data: record, id: 'i', metadata: { traceparent, baggage: 'k=v' } });
    expect(JSON.parse(out.data)).toEqual({ pattern: 's', data: { q: 1 }, id: 'i' });
    expect(out.headers?.get('traceparent')).toBe('from-record');
    expect(out.headers?.get('x-version')).toBe('2');
    expect(out.headers?.get('baggage')).toBe('k=v');
  });
});
