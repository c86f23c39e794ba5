import { z } from 'zod';
import { Variant } from './variant.schema.js';

/**
 * Who asks, until when, and which release answers: travels with every request across every hop. The W3C trace
 * context is not part of it: it travels out of band, in NATS message headers (the in-process bus' metadata in
 * all-in-one mode), where tracing tools and the server-side interceptor read it (libs/telemetry, libs/messaging).
 */
export const RequestContext = z.strictObject({
  requestId: z.string().min(1).max(128),
  tenant: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  /** Absolute deadline, epoch ms. Every outbound call takes its timeout from `deadline - now`. */
  deadline: z.number().int().positive(),
  variant: Variant,
});
export type RequestContext = z.infer<typeof RequestContext>;

/** Every NATS request is `{ ctx, data }`; the schema of `data` is fixed by the subject. */
export function envelope<T extends z.ZodType>(data: T) {
  return z.strictObject({ ctx: RequestContext, data });
}
export interface Envelope<T> {
  ctx: RequestContext;
  data: T;
}

/** Milliseconds left before the deadline, never negative. */
export function remainingMs(ctx: Pick<RequestContext, 'deadline'>, now: number): number {
  return Math.max(0, ctx.deadline - now);
}
