import { AppError, loadConfig } from '@ragops/contracts';
import { z } from 'zod';

/** Trace exporters a process can be told to use (OTEL_TRACES_EXPORTER, comma-separated). */
export const TRACE_EXPORTERS = ['otlp', 'console', 'none'] as const;
export type TraceExporterName = (typeof TRACE_EXPORTERS)[number];

export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TraceSamplerName = (typeof TRACE_SAMPLERS)[number];

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** Propagators this platform speaks (OTEL_PROPAGATORS). B3 and Jaeger headers are not carried. */
export const PROPAGATORS = ['tracecontext', 'baggage', 'none'] as const;
export type PropagatorName = (typeof PROPAGATORS)[number];

const list = (v: string) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
/** A comma-separated list whose every member is one of `allowed`. */
const listOf = <T extends string>(allowed: readonly T[]) =>
  z
    .string()
    .refine((v) => list(v).length > 0 && list(v).every((x) => (allowed as readonly string[]).includes(x)), {
      error: `must be a comma-separated list of ${allowed.join(', ')}`,
    })
    .transform((v) => [...new Set(list(v))] as T[]);
const count = (max: number) => z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`);
const endpoint = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * The standard OTEL_* variables this platform reads (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
 * Others the SDK reads itself (OTEL_EXPORTER_OTLP_HEADERS, OTEL_PROPAGATORS, attribute limits…).
 */
export const TracingEnv = z.object({
  OTEL_SDK_DISABLED: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  OTEL_TRACES_EXPORTER: listOf(TRACE_EXPORTERS).optional(),
  OTEL_PROPAGATORS: listOf(PROPAGATORS).default(['tracecontext', 'baggage']),
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(OTLP_PROTOCOLS).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(OTLP_PROTOCOLS).optional(),
  OTEL_TRACES_SAMPLER: z.enum(TRACE_SAMPLERS).default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number({ error: 'must be a number' }).min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]').optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(255).optional(),
  OTEL_RESOURCE_ATTRIBUTES: z.string().optional(),
  // Batch span processor (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#batch-span-processor)
  OTEL_BSP_SCHEDULE_DELAY: count(600_000).default(5_000),
  OTEL_BSP_EXPORT_TIMEOUT: count(600_000).default(30_000),
  OTEL_BSP_MAX_QUEUE_SIZE: count(1_000_000).default(2_048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: count(1_000_000).default(512),
});

export interface TracingSettings {
  /** False: no SDK is registered and every span is the API's no-op (the default without an exporter). */
  enabled: boolean;
  exporters: Exclude<TraceExporterName, 'none'>[];
  /** Full URL spans are POSTed to (http) or the collector address (grpc); undefined: the exporter's default. */
  otlpUrl?: string;
  protocol: OtlpProtocol;
  sampler: TraceSamplerName;
  samplerRatio: number;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  /** Empty: trace context is not propagated at all (OTEL_PROPAGATORS=none). */
  propagators: Exclude<PropagatorName, 'none'>[];
  batch: { scheduledDelayMillis: number; exportTimeoutMillis: number; maxQueueSize: number; maxExportBatchSize: number };
}

/**
 * Reads the tracing configuration. Unlike the spec's default (`otlp` to localhost:4318), tracing stays OFF unless an
 * exporter is asked for — OTEL_TRACES_EXPORTER, or an OTLP endpoint — so a process without a collector neither pays
 * for spans nor logs export failures. OTEL_SDK_DISABLED=true wins over everything. A bad value fails the start with
 * every offending key named, like every other setting.
 */
export function loadTracingSettings(defaultServiceName: string, env: Record<string, string | undefined>): TracingSettings {
  const e = loadConfig(TracingEnv, env, 'tracing');
  const resourceAttributes = parseResourceAttributes(e.OTEL_RESOURCE_ATTRIBUTES);
  const requested = e.OTEL_TRACES_EXPORTER ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? ['otlp' as const] : []);
  const exporters = requested.includes('none') ? [] : [...new Set(requested.filter((x): x is Exclude<TraceExporterName, 'none'> => x !== 'none'))];
  const protocol = e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  const url = otlpUrl(e, protocol);
  return {
    enabled: !e.OTEL_SDK_DISABLED && exporters.length > 0,
    exporters,
    ...(url !== undefined ? { otlpUrl: url } : {}),
    protocol,
    sampler: e.OTEL_TRACES_SAMPLER,
    samplerRatio: e.OTEL_TRACES_SAMPLER_ARG ?? 1,
    serviceName: e.OTEL_SERVICE_NAME ?? resourceAttributes['service.name'] ?? defaultServiceName,
    resourceAttributes,
    propagators: e.OTEL_PROPAGATORS.includes('none') ? [] : e.OTEL_PROPAGATORS.filter((p): p is Exclude<PropagatorName, 'none'> => p !== 'none'),
    batch: {
      scheduledDelayMillis: e.OTEL_BSP_SCHEDULE_DELAY,
      exportTimeoutMillis: e.OTEL_BSP_EXPORT_TIMEOUT,
      maxQueueSize: e.OTEL_BSP_MAX_QUEUE_SIZE,
      // The spec requires batch ≤ queue.
      maxExportBatchSize: Math.min(e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, e.OTEL_BSP_MAX_QUEUE_SIZE),
    },
  };
}

/** The signal-specific endpoint is used as is; the generic one gets `/v1/traces` appended for HTTP (spec rule). */
function otlpUrl(e: z.infer<typeof TracingEnv>, protocol: OtlpProtocol): string | undefined {
  if (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) return undefined;
  return protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}/v1/traces`;
}

/** `key1=value1,key2=value2` with percent-encoded values (W3C Baggage octets), as the spec defines it. */
export function parseResourceAttributes(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const pair of raw.split(',')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (!key) throw badResource(`"${pair}" is not key=value`);
    try {
      out[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      throw badResource(`the value of ${key} is not valid percent-encoding`);
    }
  }
  return out;
}

function badResource(why: string): AppError {
  return new AppError('VALIDATION_FAILED', `invalid tracing configuration, fix OTEL_RESOURCE_ATTRIBUTES: ${why}`, {
    issues: [{ path: 'OTEL_RESOURCE_ATTRIBUTES', message: why }],
  });
}
