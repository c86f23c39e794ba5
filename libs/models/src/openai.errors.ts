import { AppError, type ErrorCode, socketCodeOf } from '@ragops/contracts';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
} from 'openai';

export interface OpenAICallInfo {
  /** What was being done, for the message ("embedding 128 texts with text-embedding-3-small"). */
  operation: string;
  /** The server, for the message. */
  baseURL: string;
  /** True when the request's deadline had passed (our abort signal fired). */
  deadlinePassed: boolean;
  /** For an HTTP-date `retry-after`. */
  now: number;
}

/** Socket-level codes meaning nothing is listening or reachable at the configured address. */
export const UNREACHABLE_SOCKET_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * Turns whatever the `openai` SDK threw into an AppError the gateway can act on, keeping the SDK error as cause.
 * The adapters run the SDK without retries and decide on the mapped error (withDeadlineRetry).
 */
export function mapOpenAIError(error: unknown, call: OpenAICallInfo): AppError {
  if (error instanceof AppError) return error;
  const where = `${call.operation} at ${call.baseURL}`;
  const opts = { cause: error };

  // Our deadline signal aborts the SDK call (APIUserAbortError), possibly mid-retry; its own per-attempt timeout
  // (set to the same remaining time) surfaces as APIConnectionTimeoutError.
  // Once the deadline has passed, a broken connection is our own cut showing through the SDK (its abort and our
  // signal race under load), not the server's fault.
  if (error instanceof APIUserAbortError || error instanceof APIConnectionTimeoutError || (call.deadlinePassed && (isAbort(error) || error instanceof APIConnectionError))) {
    return new AppError('DEADLINE_EXCEEDED', `the request deadline passed while ${where} was in progress`, undefined, opts);
  }
  if (error instanceof APIConnectionError) {
    const code = socketCodeOf(error);
    if (code !== undefined && UNREACHABLE_SOCKET_CODES.has(code)) {
      return new AppError('UNAVAILABLE', `cannot reach the model server for ${where} (${code}): check the base URL and that the server is up`, { socketCode: code }, opts);
    }
    return new AppError('UPSTREAM_FAILED', `the connection broke during ${where}${code ? ` (${code})` : ''}`, { socketCode: code }, opts);
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const serverMessage = messageOf(error);
    const [code, hint] = errorCodeForStatus(status);
    const details: Record<string, unknown> = { status };
    if (error.code) details.upstreamCode = error.code;
    if (error.param) details.param = error.param;
    if (status === 429) {
      const retryAfterSeconds = retryAfterSecondsOf(error.headers, call.now);
      if (retryAfterSeconds !== undefined) details.retryAfterSeconds = retryAfterSeconds;
    }
    return new AppError(code, `${where} failed with HTTP ${status}: ${serverMessage}${hint}`, details, opts);
  }
  // Parse failures of a 2xx body: invalid JSON (SyntaxError), undecodable base64 vectors (RangeError), a `data`
  // that is not an array (TypeError from the SDK's base64 decoding).
  if (error instanceof SyntaxError || error instanceof RangeError || error instanceof TypeError || error instanceof OpenAIError) {
    return new AppError('UPSTREAM_FAILED', `${where} returned an unreadable response: ${(error as Error).message}`, undefined, opts);
  }
  return new AppError('INTERNAL', `unexpected error during ${where}: ${error instanceof Error ? error.message : String(error)}`, undefined, opts);
}

/** The AppError code for an HTTP error status, with a hint for the message (shared with the reranker). */
export function errorCodeForStatus(status: number): [ErrorCode, string] {
  switch (status) {
    case 400:
    case 422:
      return ['VALIDATION_FAILED', ''];
    case 401:
      return ['UNAUTHENTICATED', ' (check the configured API key)'];
    case 403:
      return ['FORBIDDEN', ' (check the key, organization and model permissions)'];
    case 404:
      return ['NOT_FOUND', ' (check the base URL and model name)'];
    case 413:
      return ['PAYLOAD_TOO_LARGE', ' (lower the batch size)'];
    case 429:
      return ['RATE_LIMITED', ''];
    case 408:
      return ['DEADLINE_EXCEEDED', ''];
    default:
      return ['UPSTREAM_FAILED', ''];
  }
}

/** The server's own message from OpenAI's error shape `{ error: { message } }`, else the SDK's. */
function messageOf(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string' && body.message) return body.message;
  return error.message;
}

/** Seconds to wait, from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterSecondsOf(headers: Headers | undefined, now: number): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms) / 1000);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - now) / 1000)) : undefined;
}


function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
