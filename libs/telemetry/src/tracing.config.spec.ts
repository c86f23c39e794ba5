import { describe, expect, it } from '@jest/globals';
import { AppError } from '@ragops/contracts';
import { loadTracingSettings, parseResourceAttributes } from './tracing.config.js';

describe('loadTracingSettings', () => {
  it('is off without an exporter: no OTLP endpoint, no OTEL_TRACES_EXPORTER', () => {
    expect(loadTracingSettings('gateway', {})).toMatchObject({ enabled: false, exporters: [], serviceName: 'gateway', sampler: 'parentbased_always_on' });
  });

  it('turns OTLP on when an endpoint is set, appending /v1/traces for HTTP (and not for gRPC)', () => {
    expect(loadTracingSettings('gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toMatchObject({
      enabled: true,
      exporters: ['otlp'],
      protocol: 'http/protobuf',
      otlpUrl: 'http://collector:4318/v1/traces',
    });
    expect(loadTracingSettings('g', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).otlpUrl).toBe('http://c:4317');
    expect(loadTracingSettings('g', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo/otlp/v1/traces', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' }).otlpUrl).toBe(
      'https://tempo/otlp/v1/traces',
    );
  });

  it('honours OTEL_TRACES_EXPORTER lists, none, and OTEL_SDK_DISABLED', () => {
    expect(loadTracingSettings('g', { OTEL_TRACES_EXPORTER: 'console, otlp,console' })).toMatchObject({ enabled: true, exporters: ['console', 'otlp'] });
    expect(loadTracingSettings('g', { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).enabled).toBe(false);
    expect(loadTracingSettings('g', { OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
  });

  it('takes the service name from OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES, then the default', () => {
    expect(loadTracingSettings('g', { OTEL_SERVICE_NAME: 'edge', OTEL_RESOURCE_ATTRIBUTES: 'service.name=x' }).serviceName).toBe('edge');
    expect(loadTracingSettings('g', { OTEL_RESOURCE_ATTRIBUTES: 'service.name=x,deployment.environment.name=prod' })).toMatchObject({
      serviceName: 'x',
      resourceAttributes: { 'service.name': 'x', 'deployment.environment.name': 'prod' },
    });
  });

  it('reads sampler and ratio', () => {
    expect(loadTracingSettings('g', { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toMatchObject({
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    });
  });

  it('names every bad key at once', () => {
    let caught: unknown;
    try {
      loadTracingSettings('g', {
        OTEL_TRACES_EXPORTER: 'jaeger',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '2',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_SDK_DISABLED: 'maybe',
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppError);
    const message = (caught as AppError).message;
    for (const key of ['OTEL_TRACES_EXPORTER', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SDK_DISABLED']) {
      expect(message).toContain(`${key}=`);
    }
  });
});

describe('parseResourceAttributes', () => {
  it('decodes percent-encoded values and skips empty members', () => {
    expect(parseResourceAttributes('a=1, b = x%20y ,,c=%E2%9C%93')).toEqual({ a: '1', b: 'x y', c: '✓' });
    expect(parseResourceAttributes(undefined)).toEqual({});
  });

  it('rejects a member without a key or with bad encoding', () => {
    expect(() => parseResourceAttributes('=v')).toThrow(/OTEL_RESOURCE_ATTRIBUTES/);
    expect(() => parseResourceAttributes('novalue')).toThrow(/not key=value/);
    expect(() => parseResourceAttributes('k=%E2%28')).toThrow(/percent-encoding/);
  });
});

describe('propagators and batch settings', () => {
  it('defaults to W3C trace context and baggage; none turns propagation off; others are refused', () => {
    expect(loadTracingSettings('g', {}).propagators).toEqual(['tracecontext', 'baggage']);
    expect(loadTracingSettings('g', { OTEL_PROPAGATORS: 'tracecontext' }).propagators).toEqual(['tracecontext']);
    expect(loadTracingSettings('g', { OTEL_PROPAGATORS: 'none' }).propagators).toEqual([]);
    expect(() => loadTracingSettings('g', { OTEL_PROPAGATORS: 'b3' })).toThrow(/OTEL_PROPAGATORS="b3"/);
  });

  it('reads the batch span processor limits, keeping the batch within the queue', () => {
    expect(loadTracingSettings('g', {}).batch).toEqual({ scheduledDelayMillis: 5000, exportTimeoutMillis: 30000, maxQueueSize: 2048, maxExportBatchSize: 512 });
    expect(loadTracingSettings('g', { OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_QUEUE_SIZE: '100' }).batch).toMatchObject({ scheduledDelayMillis: 200, maxQueueSize: 100, maxExportBatchSize: 100 });
    expect(() => loadTracingSettings('g', { OTEL_BSP_MAX_QUEUE_SIZE: '0' })).toThrow(/OTEL_BSP_MAX_QUEUE_SIZE="0"/);
  });
});
