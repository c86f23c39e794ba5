import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, context, createContextKey } from '@opentelemetry/api';
import { tracingActive } from './tracing.spans.js';

/** What every log line written while handling one request or message carries, when known. */
export interface LogFields {
  requestId?: string;
  tenant?: string;
  /** The variant (release) id serving the request. */
  variant?: string;
  jobId?: string;
}

const storage = new AsyncLocalStorage<LogFields>();
const LOG_FIELDS = createContextKey('ragops.log-fields');

/**
 * Runs `fn` with `fields` stamped on every log line it (and whatever it awaits) writes. Tenant and variant must reach
 * the logs even with tracing off, so the fields have their own AsyncLocalStorage; with tracing on they ride in the
 * OpenTelemetry context instead, which already follows every async hop — a second store would double the cost of
 * context propagation on every promise.
 */
export function withLogFields<T>(fields: LogFields, fn: () => T): T {
  if (tracingActive()) return context.with(context.active().setValue(LOG_FIELDS, fields), fn);
  return storage.run(fields, fn);
}

/** `ctx` carrying `fields` for the logger, for code that activates a context anyway (one switch instead of two). */
export function contextWithLogFields(ctx: Context, fields: LogFields): Context {
  return ctx.setValue(LOG_FIELDS, fields);
}

/** The fields of the request being handled, if any. */
export function currentLogFields(): LogFields | undefined {
  if (tracingActive()) return context.active().getValue(LOG_FIELDS) as LogFields | undefined;
  return storage.getStore();
}
