import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { context, SpanKind } from '@opentelemetry/api';
import {
  activateHopSpan,
  contextWithLogFields,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_RAGOPS_TENANT,
  ATTR_RAGOPS_VARIANT,
  extractTraceContext,
  getTracer,
  type LogFields,
  markSpanFailed,
  type TraceCarrier,
  tracingActive,
  unsampledTrace,
  withLogFields,
} from '@ragops/telemetry';
import { finalize, type Observable, tap } from 'rxjs';
import { InProcessContext } from './in-process.context.js';
import { IN_PROCESS_MESSAGING_SYSTEM, isProbeSubject } from './messaging.tracing.js';

/**
 * The one place every message handler is traced and logged in request context, whatever the transport (register it
 * with `app.useGlobalInterceptors` on the microservice): it reads the W3C trace context the caller sent — NATS headers
 * (NatsContext) or the in-process bus' metadata (InProcessContext) — and runs the handler inside a SERVER span
 * `process <subject>` that continues the caller's trace (a new trace when none came). Tenant, variant and request id
 * from the envelope go on the span (tenant, variant) and on every log line the handler writes (all three).
 *
 * It sees the handler's own error before the RPC filter turns it into a wire error, so the span records the code.
 */
@Injectable()
export class RpcTracingInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() !== 'rpc') return next.handle();
    const rpc = execution.switchToRpc();
    const fields = logFieldsOf(rpc.getData());
    const message = describeMessage(rpc.getContext());
    if (!tracingActive() || isProbeSubject(message.subject)) return withLogFields(fields, () => next.handle());

    const parent = extractTraceContext(message.carrier);
    // An unsampled trace: no span, but the handler runs in the caller's context so its own calls pass the decision on.
    if (unsampledTrace(parent)) return context.with(contextWithLogFields(parent, fields), () => next.handle());
    const span = getTracer().startSpan(
      `process ${message.subject}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_MESSAGING_SYSTEM]: message.system,
          [ATTR_MESSAGING_DESTINATION_NAME]: message.subject,
          [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
          [ATTR_MESSAGING_OPERATION_NAME]: 'process',
          ...(fields.tenant !== undefined && { [ATTR_RAGOPS_TENANT]: fields.tenant }),
          ...(fields.variant !== undefined && { [ATTR_RAGOPS_VARIANT]: fields.variant }),
        },
      },
      parent,
    );
    // Nest binds the handler's async scope when handle() is called, so calling it here runs the handler (and all it
    // awaits) with this span active.
    return context
      .with(contextWithLogFields(activateHopSpan(parent, span), fields), () => next.handle())
      .pipe(
        tap({ error: (err: unknown) => markSpanFailed(span, err) }),
        finalize(() => span.end()),
      );
  }
}

interface MessageInfo {
  subject: string;
  carrier: TraceCarrier | undefined;
  system: string;
}

function describeMessage(ctx: unknown): MessageInfo {
  if (ctx instanceof InProcessContext) return { subject: ctx.getPattern(), carrier: ctx.getMetadata(), system: IN_PROCESS_MESSAGING_SYSTEM };
  const nats = ctx as { getSubject?: () => string; getHeaders?: () => TraceCarrier | undefined } | undefined;
  if (nats && typeof nats.getSubject === 'function') {
    return { subject: nats.getSubject(), carrier: typeof nats.getHeaders === 'function' ? nats.getHeaders() : undefined, system: 'nats' };
  }
  return { subject: 'unknown', carrier: undefined, system: 'unknown' };
}

/** Tenant, variant and request id of a `{ ctx, data }` envelope, read defensively: the handler validates it later. */
function logFieldsOf(payload: unknown): LogFields {
  const ctx = (payload as { ctx?: unknown } | null)?.ctx as { requestId?: unknown; tenant?: unknown; variant?: { id?: unknown } } | undefined;
  if (!ctx || typeof ctx !== 'object') return {};
  const fields: LogFields = {};
  if (typeof ctx.requestId === 'string') fields.requestId = ctx.requestId.slice(0, 128);
  if (typeof ctx.tenant === 'string') fields.tenant = ctx.tenant.slice(0, 64);
  if (typeof ctx.variant?.id === 'string') fields.variant = ctx.variant.id.slice(0, 64);
  return fields;
}
