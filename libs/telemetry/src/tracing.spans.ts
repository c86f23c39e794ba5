import { type Attributes, type Context, context, createContextKey, type Span, type SpanOptions, SpanStatusCode, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import { AppError } from '@ragops/contracts';
import { ATTR_ERROR_TYPE } from './tracing.attributes.js';

/** Every span of this platform comes from one instrumentation scope. */
export const TRACER_NAME = 'ragops';

let active = false;
let parentBased = false;
let current: Tracer = trace.getTracer(TRACER_NAME);

/**
 * The platform's tracer. Fetched again whenever tracing (re)starts: a tracer taken before a shutdown would keep
 * feeding the stopped provider.
 */
export function getTracer(): Tracer {
  return current;
}

/**
 * True while an SDK started by {@link startTracing} is registered. Instrumented code checks it first, so with tracing
 * off it neither builds attributes nor allocates no-op spans: the cost is one boolean read per call.
 */
export function tracingActive(): boolean {
  return active;
}

/** @internal Flipped by startTracing / its shutdown; `followsParent`: the sampler is one of the parentbased_* ones. */
export function setTracingActive(value: boolean, followsParent = false): void {
  active = value;
  parentBased = value && followsParent;
  current = trace.getTracer(TRACER_NAME);
}

/**
 * True when the trace of `ctx` was decided "not sampled" and the sampler follows the parent, so nothing below it will
 * be recorded. Instrumentation then skips its spans and only passes the context on (downstream hops must still learn
 * the decision): with `parentbased_traceidratio`, the unsampled majority of requests costs almost nothing.
 */
export function unsampledTrace(ctx?: Context): boolean {
  // The sampler is checked first: reading the active context is the costly part, and always_on never needs it.
  if (!parentBased) return false;
  const sc = trace.getSpanContext(ctx ?? context.active());
  return sc !== undefined && (sc.traceFlags & TraceFlags.SAMPLED) === 0;
}

/**
 * True when a span started here could be recorded: tracing is on and the active trace is not one a parent-based sampler
 * has already dropped. The port decorators check it before building span names, attribute objects and closures, which
 * for an unsampled request would only feed no-op spans (nine requests in ten with `parentbased_traceidratio` 0.1).
 */
export function tracingRecording(): boolean {
  return active && !unsampledTrace();
}

/**
 * Runs `fn` inside a new active span (a child of `parent`, default the active context), ends the span when `fn`
 * settles, and marks it failed when `fn` throws. The error's code — never its message, which may quote user input —
 * becomes `error.type`.
 */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>, parent: Context = context.active()): Promise<T> {
  // An unsampled trace records nothing: hand over its (non-recording) span instead of starting another.
  if (unsampledTrace(parent)) return fn(trace.getSpan(parent)!);
  return current.startActiveSpan(name, options, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      markSpanFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

const HOP_SPAN = createContextKey('ragops.hop-span');

/**
 * `ctx` with `span` active and marked as the span of a hop: the SERVER span a process opens for one incoming request
 * (HTTP in the gateway, a NATS/in-process message in a service). See {@link inStage}.
 */
export function activateHopSpan(ctx: Context, span: Span): Context {
  return trace.setSpan(ctx, span).setValue(HOP_SPAN, span);
}

/**
 * A stage of the request path (gateway query, retrieval, embedding, generation). When the stage is all a hop does —
 * the hop's SERVER span is the active span — its attributes go on that span instead of a child span covering the same
 * interval: half the spans per request for the same information, which is most of what tracing costs. Anywhere else
 * (called outside a hop, or below another span) it is a span of its own, like {@link inSpan}. Errors on an annotated
 * hop span are recorded by whoever owns it (the RPC interceptor, the HTTP hooks).
 */
export function inStage<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const active = context.active();
  const hop = active.getValue(HOP_SPAN) as Span | undefined;
  if (hop && trace.getSpan(active) === hop) {
    if (options.attributes && hop.isRecording()) hop.setAttributes(options.attributes);
    return fn(hop);
  }
  return inSpan(name, options, fn);
}

/** Marks a span as failed with a low-cardinality, content-free error type. */
export function markSpanFailed(span: Span, err: unknown): void {
  const type = errorType(err);
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/** AppError / wire-error code, else the error class name, else `_OTHER` (the semantic conventions' fallback). */
export function errorType(err: unknown): string {
  if (err instanceof AppError) return err.code;
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(code)) return code;
    if (err instanceof Error && err.name) return err.name;
  }
  return '_OTHER';
}

/** Sets only the attributes whose value is defined (the API drops undefined anyway, but this keeps call sites short). */
export function setDefined(span: Span, attributes: Record<string, Attributes[string]>): void {
  if (!span.isRecording()) return;
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) span.setAttribute(key, value);
}

/**
 * `wrap(value)` when tracing is on, else `value` itself: adapters are instrumented at construction, so with tracing off
 * the call path has not even a wrapper in it. Processes start tracing before building adapters (runService, the
 * all-in-one, the tracing tests), which is what makes this safe.
 */
export function whenTracing<T>(value: T, wrap: (value: T) => T): T {
  return active ? wrap(value) : value;
}

/** The trace id of the active span (32 hex), or undefined when untraced: joins a record or a reply to its trace. */
export function activeTraceId(): string | undefined {
  if (!active) return undefined;
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}
