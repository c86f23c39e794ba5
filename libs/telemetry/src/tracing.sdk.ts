import { randomUUID } from 'node:crypto';
import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import type { ReadableSpan, Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import { loadTracingSettings, type TracingSettings } from './tracing.config.js';
import { setTracingActive, tracingActive } from './tracing.spans.js';

export interface TracingOptions {
  /**
   * Use these span processors instead of the exporters OTEL_TRACES_EXPORTER names, and trace even when the
   * environment configures no exporter. The test hook: see {@link startInMemoryTracing}.
   */
  spanProcessors?: SpanProcessor[];
  /** Where the SDK's own warnings (an export that failed, a dropped span) go; default stderr. */
  log?: Pick<Logger, 'warn' | 'error'>;
}

export interface TracingHandle {
  /** False when tracing is off (no exporter configured, OTEL_SDK_DISABLED): every span is a no-op. */
  readonly enabled: boolean;
  readonly settings: TracingSettings;
  /** Exports what is buffered. */
  forceFlush(): Promise<void>;
  /** Flushes, stops the SDK and unregisters it, so a later startTracing can start again. No-op for a non-owner. */
  shutdown(): Promise<void>;
}

let owner: { processors: SpanProcessor[]; shutdown: () => Promise<void> } | undefined;

/**
 * Starts OpenTelemetry tracing for this process (`@opentelemetry/sdk-node`), configured by the standard OTEL_*
 * variables in `env` (see tracing.config.ts): exporters (otlp over http/protobuf, http/json or grpc; console),
 * sampler, service name and resource attributes, propagators (W3C trace context and baggage unless OTEL_PROPAGATORS
 * says otherwise), batch span processor limits (OTEL_BSP_*, which the SDK does not read when given processors). OpenTelemetry metrics and logs stay off: metrics are Prometheus (prom-client), logs are pino JSON.
 *
 * Without an exporter nothing is loaded or registered and every instrumented call takes its untraced path.
 * The first caller in a process owns the SDK: a second call (the all-in-one inside a test that already installed an
 * in-memory exporter) gets the running configuration and a shutdown that does nothing.
 */
export async function startTracing(serviceName: string, env: Record<string, string | undefined>, options: TracingOptions = {}): Promise<TracingHandle> {
  const settings = loadTracingSettings(serviceName, env);
  if (owner) return handle(true, settings, false);
  const processors = options.spanProcessors ?? (settings.enabled ? await processorsFor(settings) : []);
  if (processors.length === 0) return handle(false, settings, false);

  const [{ startNodeSdk }, core] = await Promise.all([import('@opentelemetry/sdk-node'), import('@opentelemetry/core')]);
  const sdk = startNodeSdk({
    logLevel: 'warn',
    spanProcessors: processors,
    // Passed explicitly: the SDK would read OTEL_PROPAGATORS from process.env, not from the validated `env`.
    propagators: settings.propagators.map((name) => (name === 'tracecontext' ? new core.W3CTraceContextPropagator() : new core.W3CBaggagePropagator())),
    sampler: await samplerFor(settings),
    resourceAttributes: {
      ...settings.resourceAttributes,
      'service.name': settings.serviceName,
      'service.namespace': settings.resourceAttributes['service.namespace'] ?? 'ragops',
      'service.instance.id': settings.resourceAttributes['service.instance.id'] ?? randomUUID(),
    },
    // Prometheus and pino own metrics and logs; an OTLP default for them would only produce export errors.
    metricReaders: [],
    logRecordProcessors: [],
  });
  if (options.log) {
    const log = options.log;
    diag.setLogger(
      {
        error: (message, ...args) => log.error({ otel: args }, `opentelemetry: ${message}`),
        warn: (message, ...args) => log.warn({ otel: args }, `opentelemetry: ${message}`),
        info: () => undefined,
        debug: () => undefined,
        verbose: () => undefined,
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }
  owner = {
    processors,
    shutdown: async () => {
      try {
        await sdk.shutdown();
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
        diag.disable();
        owner = undefined;
        setTracingActive(false);
      }
    },
  };
  setTracingActive(true, settings.sampler.startsWith('parentbased_'));
  return handle(true, settings, true);
}

function handle(enabled: boolean, settings: TracingSettings, owns: boolean): TracingHandle {
  return {
    enabled,
    settings,
    forceFlush: async () => {
      if (owner) await Promise.all(owner.processors.map((p) => p.forceFlush()));
    },
    shutdown: async () => {
      if (owns && owner) await owner.shutdown();
    },
  };
}

async function processorsFor(s: TracingSettings): Promise<SpanProcessor[]> {
  const sdk = await import('@opentelemetry/sdk-trace');
  const out: SpanProcessor[] = [];
  for (const name of s.exporters) {
    if (name === 'console') out.push(new sdk.SimpleSpanProcessor({ exporter: new sdk.ConsoleSpanExporter() }));
    else out.push(new sdk.BatchSpanProcessor({ exporter: await otlpExporter(s), ...s.batch }));
  }
  return out;
}

async function otlpExporter(s: TracingSettings) {
  const config = s.otlpUrl ? { url: s.otlpUrl } : {};
  switch (s.protocol) {
    case 'grpc':
      return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter(config);
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(config);
    case 'http/protobuf':
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(config);
  }
}

async function samplerFor(s: TracingSettings): Promise<Sampler> {
  const sdk = await import('@opentelemetry/sdk-trace');
  switch (s.sampler) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return new sdk.TraceIdRatioBasedSampler(s.samplerRatio);
    case 'parentbased_always_on':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(s.samplerRatio) });
  }
}

export interface InMemoryTracing extends TracingHandle {
  /**
   * Every span ended so far, in end order. Async: the processor exports a span once the resource's detected
   * attributes are in (host, process), so this flushes first.
   */
  spans(): Promise<ReadableSpan[]>;
  /** Forgets the spans collected so far. */
  reset(): void;
}

/**
 * Test hook: traces every span into memory (synchronously; always sampled unless `env` names another
 * OTEL_TRACES_SAMPLER), whatever the process environment says. One Jest file runs every service in one process, so
 * this one exporter sees a request's spans from all of them.
 */
export async function startInMemoryTracing(serviceName = 'ragops-test', env: Record<string, string> = {}): Promise<InMemoryTracing> {
  if (tracingActive()) throw new Error('tracing is already started in this process; shut it down first');
  const sdk = await import('@opentelemetry/sdk-trace');
  const exporter = new sdk.InMemorySpanExporter();
  const started = await startTracing(serviceName, { OTEL_TRACES_SAMPLER: 'always_on', ...env }, { spanProcessors: [new sdk.SimpleSpanProcessor({ exporter })] });
  return {
    ...started,
    spans: async () => {
      await started.forceFlush();
      return exporter.getFinishedSpans();
    },
    reset: () => exporter.reset(),
  };
}
