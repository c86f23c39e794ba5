import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, NotFoundException } from '@nestjs/common';
import { AppError, type ErrorCode, ErrorCodes, httpStatusOf, type WireError } from '@ragops/contracts';
import type { Logger } from '@ragops/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { REQUEST_ID_HEADER } from './request-context.factory.js';
import type { RouteTable } from './route.table.js';

interface Mapped {
  status: number;
  error: WireError;
  headers?: Record<string, string>;
}

/**
 * The gateway's one error mapping, for everything that can go wrong in a request: AppErrors from the domain and
 * the ports, Fastify's own rejections (body parsing, limits, content type), unknown routes, and bugs. Bad input
 * is always a 4xx that says what to fix; only real faults are 5xx, and those answer with a generic message
 * while the cause goes to the log under the request id.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly routes: RouteTable,
    private readonly bodyLimitBytes: number,
    /** Told the code of every error answered (`ragops_errors_total`). */
    private readonly onError: (code: ErrorCode) => void = () => undefined,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.respond(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }

  /**
   * Also Fastify's `frameworkErrors` handler: the router rejects some requests (a malformed URL) before any
   * route, hook or Nest layer runs, and those answers must look like every other error too.
   */
  respond(exception: unknown, req: FastifyRequest, reply: FastifyReply): void {
    const mapped = this.map(exception, req);
    this.onError(mapped.error.code);
    const where = { requestId: req.id, method: req.method, url: req.url, status: mapped.status, code: mapped.error.code };
    // Bugs at error level; a dependency's 5xx (UNAVAILABLE, DEADLINE_EXCEEDED…) at warn, with its cause.
    if (mapped.error.code === 'INTERNAL') this.logger.error({ ...where, err: exception }, 'unexpected error');
    else if (mapped.status >= 500) this.logger.warn({ ...where, err: exception }, mapped.error.message);
    else this.logger.debug(where, mapped.error.message);

    if (reply.sent) return; // a response already went out; nothing left to tell the client
    reply.header(REQUEST_ID_HEADER, req.id);
    if (mapped.headers) reply.headers(mapped.headers);
    reply.status(mapped.status).header('content-type', 'application/json; charset=utf-8').send({ error: mapped.error });
  }

  private map(exception: unknown, req: FastifyRequest): Mapped {
    if (exception instanceof AppError) return { status: httpStatusOf(exception.code), error: exception.toWire(), ...retryAfterOf(exception) };
    // Nest hands Fastify's errors over as HttpExceptions with the FastifyError as cause.
    const fastifyError = exception instanceof HttpException ? exception.cause : exception;
    if (isFastifyClientError(fastifyError)) return this.mapFastify(fastifyError, req);
    // Nest's not-found handler: the only HttpException without a cause, since the gateway never throws them.
    if (exception instanceof NotFoundException && exception.cause === undefined) return this.unmatched(req);
    // Any other client error Nest raises itself: its status and message.
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      return { status, error: { code: codeForStatus(status), message: exception.message } };
    }
    return internal();
  }

  private mapFastify(error: FastifyClientError, req: FastifyRequest): Mapped {
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return fail('INVALID_JSON', 'request body is not valid JSON; send a JSON object');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return fail('INVALID_JSON', 'request body is empty but content-type is application/json; send a JSON object');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return fail('PAYLOAD_TOO_LARGE', `request body exceeds ${this.bodyLimitBytes} bytes; split it into smaller requests`, {
          limitBytes: this.bodyLimitBytes,
        });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
        const type = req.headers['content-type'];
        return fail(
          'UNSUPPORTED_MEDIA_TYPE',
          `${type ? `content-type ${type}` : 'a body without content-type'} is not accepted; send JSON with content-type: application/json`,
        );
      }
      case 'FST_ERR_BAD_URL':
        return fail('VALIDATION_FAILED', `the URL is not valid (bad percent-encoding?): ${error.message}`);
      default:
        // Any other client error Fastify raises (bad content-length, over-long parameter…): its status and message.
        return { status: error.statusCode, error: { code: codeForStatus(error.statusCode), message: error.message } };
    }
  }

  private unmatched(req: FastifyRequest): Mapped {
    const allowed = this.routes.methodsFor(req.url);
    if (allowed.length > 0) {
      return {
        status: 405,
        error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed here; use ${allowed.join(', ')}` },
        headers: { allow: allowed.join(', ') },
      };
    }
    return fail('ROUTE_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}; routes: ${this.routes.describe().join(', ')}`);
  }
}

interface FastifyClientError {
  code: string;
  statusCode: number;
  message: string;
}

/** A FastifyError (code `FST_…`) for a 4xx: the client's fault, safe to describe back. */
function isFastifyClientError(e: unknown): e is FastifyClientError {
  if (!(e instanceof Error)) return false;
  const { code, statusCode } = e as Partial<FastifyClientError>;
  return typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
}

/**
 * An error that says when to come back (`details.retryAfterSeconds`: the gateway's tenant limit, an upstream 429 passed
 * on, an open circuit breaker) also says it as `Retry-After` in delay-seconds: RFC 9110 section 10.2.3 (503) and RFC 6585
 * section 4 (429).
 */
function retryAfterOf(error: AppError): Pick<Mapped, 'headers'> {
  if (error.code !== 'RATE_LIMITED' && error.code !== 'UNAVAILABLE') return {};
  const seconds = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return {};
  return { headers: { 'retry-after': String(Math.ceil(seconds)) } };
}

function fail(code: ErrorCode, message: string, details?: unknown): Mapped {
  return { status: httpStatusOf(code), error: details === undefined ? { code, message } : { code, message, details } };
}

function internal(): Mapped {
  return fail('INTERNAL', 'internal error; the x-request-id of this response locates it in the gateway log');
}

/** A code for a status Fastify chose; preferred picks where several codes share a status. */
const BY_STATUS: Record<number, ErrorCode> = { 400: 'VALIDATION_FAILED', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' };
function codeForStatus(status: number): ErrorCode {
  return BY_STATUS[status] ?? (Object.keys(ErrorCodes) as ErrorCode[]).find((c) => ErrorCodes[c] === status) ?? 'VALIDATION_FAILED';
}
