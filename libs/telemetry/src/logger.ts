import { trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, type LevelWithSilent, pino } from 'pino';
import { currentLogFields } from './log.context.js';

export type { Logger } from 'pino';
export type LogLevel = LevelWithSilent;

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  /** Stamped on every line as `service`, so one log pipeline can hold every service's output. */
  service: string;
  /** From the service's config; `silent` in tests. */
  level: LogLevel;
  /** Where lines go (default stdout). Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/**
 * One JSON line per event (pino). Errors go under `err` so pino's serializer keeps message, stack and cause.
 * Timestamps stay epoch ms (pino's default): the cheapest to produce, and every log pipeline parses them.
 *
 * Every line written while a request is handled also carries `trace_id` / `span_id` / `trace_flags` of the active span
 * (the OpenTelemetry log data model's names, which Loki, Tempo and Grafana link on) and the request's `tenant`,
 * `variant` and `requestId` (see withLogFields). Fields given at the call win over these.
 */
export function createLogger(options: LoggerOptions): Logger {
  const opts = { level: options.level, base: { service: options.service }, mixin: correlationFields };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

function correlationFields(): object {
  const fields = currentLogFields();
  const span = trace.getActiveSpan();
  if (!span) return fields ?? {};
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return fields ?? {};
  return { ...fields, trace_id: sc.traceId, span_id: sc.spanId, trace_flags: sc.traceFlags.toString(16).padStart(2, '0') };
}
