import { type ArgumentsHost, Catch, Logger, type LoggerService, type RpcExceptionFilter } from '@nestjs/common';
import type { WireError } from '@ragops/contracts';
import { type Observable, throwError } from 'rxjs';
import { INTERNAL_MESSAGE, toWireError } from './wire-error.js';

/**
 * The one RPC exception filter (NATS and in-process alike): every error a message handler throws leaves as a
 * plain `{ code, message, details? }`, which Nest's NATS transport JSON-encodes into the reply's `err`.
 *
 * It must throw a plain object: Nest serializes the error with JSON.stringify, so an Error instance would
 * arrive as `{}` (or `{ name, code }` for an AppError: `message` is not enumerable). Without this filter Nest
 * answers every error with `{ status: 'error', message: 'Internal server error' }` and the code is lost.
 *
 * Register it with `app.useGlobalFilters(new AppErrorRpcFilter(logger))` on the microservice; a hybrid app
 * needs `connectMicroservice(options, { inheritAppConfig: true })` for global filters to reach it.
 */
@Catch()
export class AppErrorRpcFilter implements RpcExceptionFilter<unknown, WireError> {
  constructor(private readonly logger: Pick<LoggerService, 'error'> = new Logger(AppErrorRpcFilter.name)) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const wire = toWireError(exception);
    // Expected failures travel to the caller, who decides; only the unexpected ones (whose message we just
    // replaced) are logged here, with the cause the caller will never see.
    if (wire.code === 'INTERNAL' && wire.message === INTERNAL_MESSAGE) {
      this.logger.error(`unhandled error in the handler for ${subjectOf(host)}`, exception instanceof Error ? exception.stack : String(exception));
    }
    return throwError(() => wire);
  }
}

function subjectOf(host: ArgumentsHost): string {
  const ctx: unknown = host.getArgByIndex(1);
  if (ctx && typeof ctx === 'object') {
    const c = ctx as { getSubject?: () => string; getPattern?: () => string };
    if (typeof c.getSubject === 'function') return c.getSubject();
    if (typeof c.getPattern === 'function') return c.getPattern();
  }
  return 'an unknown subject';
}
