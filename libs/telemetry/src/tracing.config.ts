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

const exporterList = (v: string) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
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
  OTEL_TRACES_EXPORTER: z
    .string()
    .refine((v) => exporterList(v).length > 0 && exporterList(v).every((x) => (TRACE_EXPORTERS as readonly string[]).includes(x)), {
      error: `must be a comma-separated list of ${TRACE_EXPORTERS.join(', ')}`,
    })
    .transform((v) => exporterList(v) as TraceExporterName[])
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(OTLP_PROTOCOLS).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(OTLP_PROTOCOLS).optional(),
  OTEL_TRACES_SAMPLER: z.enum(TRACE_SAMPLERS).default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number({ error: 'must be a number' }).min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]').optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(255).optional(),
  OTEL_RESOURCE_ATTRIBUTES: z.string().optional(),
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
