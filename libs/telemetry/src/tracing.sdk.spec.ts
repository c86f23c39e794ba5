import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import { startInMemoryTracing, startTracing } from './tracing.sdk.js';
import { traceHeaders } from './tracing.propagation.js';
import { getTracer, inSpan, tracingActive } from './tracing.spans.js';

/** A minimal OTLP/HTTP receiver: records what arrives at /v1/traces. */
async function otlpReceiver(): Promise<{ url: string; posts: { path: string; type: string; body: Buffer }[]; close: () => Promise<void> }> {
  const posts: { path: string; type: string; body: Buffer }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', type: String(req.headers['content-type']), body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, posts, close: () => new Promise((r) => server.close(() => r())) };
}

describe('startTracing', () => {
  it('stays off without an exporter: nothing registered, spans are no-ops', async () => {
    const handle = await startTracing('svc', {});
    expect(handle.enabled).toBe(false);
    expect(tracingActive()).toBe(false);
    const span = getTracer().startSpan('x');
    expect(span.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(span.spanContext())).toBe(false);
    await handle.shutdown();
  });

  it('exports over OTLP/HTTP (protobuf) to OTEL_EXPORTER_OTLP_ENDPOINT with the service name as resource', async () => {
    const receiver = await otlpReceiver();
    const handle = await startTracing('retrieval', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=ci' });
    try {
      expect(handle.enabled).toBe(true);
      expect(tracingActive()).toBe(true);
      await inSpan('unit-of-work', {}, async () => undefined);
      await handle.forceFlush();
      expect(receiver.posts.length).toBeGreaterThan(0);
      const post = receiver.posts[0]!;
      expect(post.path).toBe('/v1/traces');
      expect(post.type).toBe('application/x-protobuf');
      // Protobuf keeps strings verbatim: the span name, the service name and the resource attribute are in the body.
      const body = post.body.toString('latin1');
      for (const s of ['unit-of-work', 'retrieval', 'deployment.environment.name', 'ci', 'ragops']) expect(body).toContain(s);
    } finally {
      await handle.shutdown();
      await receiver.close();
    }
    expect(tracingActive()).toBe(false);
  });

  it('speaks OTLP/HTTP JSON when OTEL_EXPORTER_OTLP_PROTOCOL says so, to the signal-specific endpoint as given', async () => {
    const receiver = await otlpReceiver();
    const handle = await startTracing('generation', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/traces`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    try {
      await inSpan('json-span', {}, async () => undefined);
      await handle.forceFlush();
      const post = receiver.posts[0]!;
      expect(post.path).toBe('/custom/traces');
      expect(post.type).toContain('application/json');
      const body = JSON.parse(post.body.toString('utf8')) as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] };
      expect(body.resourceSpans[0]!.scopeSpans[0]!.spans.map((x) => x.name)).toEqual(['json-span']);
    } finally {
      await handle.shutdown();
      await receiver.close();
    }
  });

  it('propagates per OTEL_PROPAGATORS: traceparent by default, nothing with none', async () => {
    for (const [env, expectHeader] of [[{}, true], [{ OTEL_PROPAGATORS: 'none' }, false]] as const) {
      const t = await startInMemoryTracing('propagation', env);
      try {
        const headers = await inSpan('outbound', {}, async () => traceHeaders());
        expect(headers?.traceparent !== undefined).toBe(expectHeader);
      } finally {
        await t.shutdown();
      }
    }
  });

  it('lets the first caller own the SDK; a second start gets a handle whose shutdown does nothing', async () => {
    const owner = await startInMemoryTracing('owner');
    try {
      const second = await startTracing('all-in-one', {});
      expect(second.enabled).toBe(true);
      await second.shutdown();
      expect(tracingActive()).toBe(true);
      await inSpan('still-recorded', {}, async () => undefined);
      expect((await owner.spans()).map((s) => s.name)).toEqual(['still-recorded']);
      await expect(startInMemoryTracing()).rejects.toThrow(/already started/);
    } finally {
      await owner.shutdown();
    }
    // Stopped and unregistered: it can start again (the overhead benchmark alternates on and off).
    const again = await startInMemoryTracing('again');
    await inSpan('after-restart', {}, async () => undefined);
    expect((await again.spans()).map((s) => s.name)).toEqual(['after-restart']);
    expect((await again.spans())[0]!.resource.attributes['service.name']).toBe('again');
    await again.shutdown();
  });

  it('records failures with the error code as error.type, never the message', async () => {
    const tracing = await startInMemoryTracing();
    try {
      const failure = Object.assign(new Error('user jane@example.com not allowed'), { code: 'FORBIDDEN' });
      await expect(inSpan('fails', {}, async () => Promise.reject(failure))).rejects.toBe(failure);
      const [span] = await tracing.spans();
      expect(span!.attributes['error.type']).toBe('FORBIDDEN');
      expect(span!.status).toEqual({ code: 2, message: 'FORBIDDEN' });
      expect(JSON.stringify(span!.attributes) + JSON.stringify(span!.events)).not.toContain('jane');
    } finally {
      await tracing.shutdown();
    }
  });
});
