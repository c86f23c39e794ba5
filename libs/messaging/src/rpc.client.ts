import { context, SpanKind, trace } from '@opentelemetry/api';
import type { ClientProxy, ReadPacket } from '@nestjs/microservices';
import { NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants.js';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception.js';
import { ClosedConnectionError, ConnectionError, DrainingConnectionError, NoRespondersError } from '@nats-io/transport-node';
import { AppError, type Clock, describeIssues, type Envelope, remainingMs, systemClock } from '@ragops/contracts';
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  getTracer,
  markSpanFailed,
  traceHeaders,
  tracingActive,
  unsampledTrace,
} from '@ragops/telemetry';
import { lastValueFrom, timeout, TimeoutError } from 'rxjs';
import type { ZodType } from 'zod';
import { InProcessClient } from './in-process.client.js';
import { IN_PROCESS_MESSAGING_SYSTEM, isProbeSubject } from './messaging.tracing.js';

/**
 * Request/reply over a Nest ClientProxy (ClientNats, or InProcessClient in all-in-one mode), bounded by the
 * request's deadline and speaking only AppError:
 * - no time left before sending → DEADLINE_EXCEEDED, nothing is sent;
 * - no answer within `deadline - now` → DEADLINE_EXCEEDED;
 * - nobody subscribed (NATS "no responders", which Nest reports as EmptyResponseException) → UNAVAILABLE;
 * - an error reply `{ code, message }` → that AppError; anything else a peer sends as error → INTERNAL;
 * - a reply the schema rejects → UPSTREAM_FAILED naming the bad fields.
 *
 * With tracing on, each call is a CLIENT span `send <subject>`, and its W3C trace context leaves as packet metadata
 * (the proxy's dispatch hook): NATS headers over ClientNats (NatsMetadataSerializer), the bus' metadata in process.
 */
export class RpcClient {
  private readonly system: string;

  constructor(
    private readonly proxy: ClientProxy,
    private readonly clock: Clock = systemClock,
  ) {
    this.system = proxy instanceof InProcessClient ? IN_PROCESS_MESSAGING_SYSTEM : 'nats';
    if (typeof proxy.setOnDispatchHook === 'function') proxy.setOnDispatchHook(attachTraceContext);
  }

  async request<T>(subject: string, envelope: Envelope<unknown>, reply: ZodType<T>): Promise<T> {
    const budget = remainingMs(envelope.ctx, this.clock.now());
    if (budget <= 0) {
      throw new AppError('DEADLINE_EXCEEDED', `the request's deadline passed before ${subject} could be called`);
    }
    // Untraced, a probe, or an unsampled trace (the dispatch hook still passes its context on): no span.
    if (!tracingActive() || isProbeSubject(subject) || unsampledTrace()) return this.call(subject, envelope, reply, budget);
    const span = getTracer().startSpan(`send ${subject}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: this.system,
        [ATTR_MESSAGING_DESTINATION_NAME]: subject,
        [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
        [ATTR_MESSAGING_OPERATION_NAME]: 'send',
        // Request id, tenant and variant are on the server span the call produces; not repeated here.
      },
    });
    try {
      return await context.with(trace.setSpan(context.active(), span), () => this.call(subject, envelope, reply, budget));
    } catch (err) {
      markSpanFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  }

  private async call<T>(subject: string, envelope: Envelope<unknown>, reply: ZodType<T>, budget: number): Promise<T> {
    let raw: unknown;
    try {
      raw = await lastValueFrom(this.proxy.send(subject, envelope).pipe(timeout(budget)), { defaultValue: undefined });
    } catch (err) {
      throw rpcErrorToAppError(err, subject, budget);
    }
    const parsed = reply.safeParse(raw);
    if (parsed.success) return parsed.data;
    const issues = describeIssues(parsed.error);
    const summary = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ');
    throw new AppError('UPSTREAM_FAILED', `${subject} replied with an invalid message: ${summary}`, { issues });
  }
}

/**
 * The proxy's dispatch hook: runs synchronously inside `send`, in the caller's async context, so the active span is
 * the CLIENT span above. Nothing is attached with tracing off.
 */
function attachTraceContext(packet: ReadPacket): void {
  if (!tracingActive()) return;
  const headers = traceHeaders();
  if (headers) packet.metadata = { ...packet.metadata, ...headers };
}

/** Maps what a ClientProxy call can fail with to the AppError a caller acts on. */
export function rpcErrorToAppError(err: unknown, subject: string, budgetMs: number): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof TimeoutError) {
    return new AppError('DEADLINE_EXCEEDED', `${subject} did not answer within the ${budgetMs} ms left before the deadline`, undefined, { cause: err });
  }
  if (err instanceof EmptyResponseException || err instanceof NoRespondersError || err === NO_MESSAGE_HANDLER) {
    return new AppError('UNAVAILABLE', `no service answers ${subject}: start one that subscribes it`, undefined, { cause: err });
  }
  if (isConnectionFailure(err)) {
    const why = err instanceof Error ? err.message : String(err);
    return new AppError('UNAVAILABLE', `cannot reach NATS to call ${subject}: ${why}`, undefined, { cause: err });
  }
  if (err instanceof Error) {
    // A local failure (serializing the request, a bug in a proxy); its message is ours, so it may be shown.
    return new AppError('INTERNAL', `calling ${subject} failed: ${err.message}`, undefined, { cause: err });
  }
  return AppError.fromWire(err);
}

function isConnectionFailure(err: unknown): boolean {
  return (
    err instanceof ConnectionError ||
    err instanceof ClosedConnectionError ||
    err instanceof DrainingConnectionError ||
    // ClientNats fails pending requests with this on close(), and rejects with a bare string while reconnecting.
    (err instanceof Error && err.message === 'Connection closed') ||
    (typeof err === 'string' && err.includes('Connection lost'))
  );
}
