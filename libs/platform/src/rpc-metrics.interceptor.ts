import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { toWireError } from '@ragops/messaging';
import type { ServiceMetrics } from '@ragops/telemetry';
import { catchError, finalize, type Observable, throwError } from 'rxjs';

/**
 * Every message a microservice handles, as `ragops_inflight_requests{transport="nats"}` while it runs and, when its
 * handler fails, `ragops_errors_total{code}` with the code the caller receives (mapped as the RPC filter maps it: an
 * AppError's code, VALIDATION_FAILED for a malformed message, INTERNAL for a bug).
 * The in-process bus of the all-in-one process counts as `nats` too: it carries the same subjects.
 */
export class RpcMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: Pick<ServiceMetrics, 'inflightRequests' | 'errors'>) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() !== 'rpc') return next.handle();
    const { inflightRequests, errors } = this.metrics;
    inflightRequests.inc({ transport: 'nats' });
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      inflightRequests.dec({ transport: 'nats' });
    };
    try {
      return next.handle().pipe(
        catchError((error: unknown) => {
          errors.inc({ code: toWireError(error).code });
          return throwError(() => error);
        }),
        finalize(settle),
      );
    } catch (error) {
      // A handler that throws before returning an observable.
      settle();
      errors.inc({ code: toWireError(error).code });
      throw error;
    }
  }
}
