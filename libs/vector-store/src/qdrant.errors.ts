import { AppError, socketCodeOf } from '@ragops/contracts';
import { QdrantClientResourceExhaustedError, QdrantClientTimeoutError, QdrantClientUnexpectedResponseError } from '@qdrant/js-client-rest';

export interface QdrantCallInfo {
  /** What was being done, for the message ("search in index docs-v2"). */
  operation: string;
  /** The server, for the message. */
  url: string;
  /** The per-request bound in ms, for the timeout message. */
  timeoutMs: number;
  /** The ragops index (or alias) the call was about: a 404 then means UNKNOWN_INDEX. */
  index?: string;
}

/** Socket-level codes meaning nothing is listening or reachable at the configured address. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** The error the REST client's fetch layer (openapi-typescript-fetch) throws for a non-2xx answer. */
interface HttpFailure {
  status: number;
  data?: unknown;
  statusText?: string;
}

function isHttpFailure(e: unknown): e is HttpFailure {
  return typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number' && 'data' in e;
}

/**
 * Turns whatever `@qdrant/js-client-rest` threw into an AppError that says what to fix, keeping the original as
 * cause. The client makes no retries of its own, and neither does this adapter: callers own the retry policy.
 *
 * - collection (or alias) missing, HTTP 404 → UNKNOWN_INDEX
 * - rejected request, 400 / 409 / 422 (wrong dimension, bad filter…) → VALIDATION_FAILED with Qdrant's message
 * - nothing listening, DNS failure → UNAVAILABLE; 503 → UNAVAILABLE
 * - the client's timeout, 408, 504, or Qdrant's own "timed out" → DEADLINE_EXCEEDED
 * - 401 → UNAUTHENTICATED, 403 → FORBIDDEN, 429 → RATE_LIMITED
 * - any other 5xx, a broken connection, an unreadable answer → UPSTREAM_FAILED
 */
export function mapQdrantError(error: unknown, call: QdrantCallInfo): AppError {
  if (error instanceof AppError) return error;
  const where = `${call.operation} at Qdrant ${call.url}`;
  const opts = { cause: error };
  if (error instanceof QdrantClientTimeoutError || isAbort(error)) {
    return new AppError(
      'DEADLINE_EXCEEDED',
      `${where} got no answer within ${call.timeoutMs} ms; Qdrant is overloaded or hung (raise the timeout only if it is merely slow)`,
      { timeoutMs: call.timeoutMs },
      opts,
    );
  }
  if (error instanceof QdrantClientResourceExhaustedError) {
    return new AppError('RATE_LIMITED', `${where} was rate limited by Qdrant: ${error.message}`, { retryAfterSeconds: error.retry_after }, opts);
  }
  if (isHttpFailure(error)) return fromStatus(error, where, call, opts);
  if (error instanceof QdrantClientUnexpectedResponseError || nameOf(error) === 'SyntaxError') {
    return new AppError('UPSTREAM_FAILED', `${where} returned an unexpected answer: ${messageOf(error)}`, undefined, opts);
  }
  const code = socketCodeOf(error);
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new AppError('UNAVAILABLE', `cannot reach Qdrant for ${call.operation} at ${call.url} (${code}): check QDRANT_URL and that Qdrant is up`, { socketCode: code }, opts);
  }
  // fetch reports every network failure as TypeError "fetch failed", the socket error as its cause.
  if (code !== undefined || (nameOf(error) === 'TypeError' && messageOf(error) === 'fetch failed')) {
    const why = code ?? messageOf((error as { cause?: unknown }).cause);
    return new AppError('UPSTREAM_FAILED', `the connection to Qdrant broke during ${where}${why ? ` (${why})` : ''}`, { socketCode: code }, opts);
  }
  return new AppError('INTERNAL', `unexpected error during ${where}: ${messageOf(error)}`, undefined, opts);
}

function fromStatus(error: HttpFailure, where: string, call: QdrantCallInfo, opts: { cause: unknown }): AppError {
  const status = error.status;
  const message = serverMessage(error);
  const details = { status, qdrantError: message };
  const timedOut = /timed? ?out/i.test(message);
  if (status === 404 && call.index !== undefined) {
    return new AppError('UNKNOWN_INDEX', `index ${call.index} does not exist in Qdrant (${message}); create it with ensureIndex first`, { index: call.index, ...details }, opts);
  }
  if (status === 400 || status === 409 || status === 422) {
    const hint = /dimension/i.test(message) ? '; the embedding model must match the index, use a new index version for another model' : '';
    return new AppError('VALIDATION_FAILED', `${where} was rejected: ${message}${hint}`, details, opts);
  }
  if (status === 401) return new AppError('UNAUTHENTICATED', `${where} was refused (HTTP 401: ${message}); check QDRANT_API_KEY`, details, opts);
  if (status === 403) return new AppError('FORBIDDEN', `${where} was refused (HTTP 403: ${message}); the API key lacks the permission (read-only key?)`, details, opts);
  if (status === 429) return new AppError('RATE_LIMITED', `${where} was rate limited (HTTP 429: ${message})`, details, opts);
  if (status === 408 || status === 504 || (status >= 500 && timedOut)) {
    return new AppError('DEADLINE_EXCEEDED', `${where} timed out in Qdrant (HTTP ${status}: ${message})`, details, opts);
  }
  if (status === 503) return new AppError('UNAVAILABLE', `Qdrant is unavailable for ${call.operation} (HTTP 503: ${message}); it may be starting or recovering`, details, opts);
  if (status === 404) return new AppError('NOT_FOUND', `${where} failed with HTTP 404: ${message}; check QDRANT_URL (it must be the REST API root)`, details, opts);
  return new AppError('UPSTREAM_FAILED', `${where} failed with HTTP ${status}: ${message}`, details, opts);
}

/** Qdrant's own message from `{ status: { error } }`, else the HTTP status text. */
function serverMessage(error: HttpFailure): string {
  const data = error.data as { status?: { error?: unknown } } | string | undefined;
  if (typeof data === 'string' && data.trim()) return data.trim().slice(0, 500);
  const text = data && typeof data === 'object' ? data.status?.error : undefined;
  if (typeof text === 'string' && text) return text;
  return error.statusText || 'no message';
}


// By name, not instanceof: the abort is a DOMException and fetch's errors may come from another realm (a test VM),
// where instanceof Error is false.
function nameOf(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error ?? '');
}

function isAbort(error: unknown): boolean {
  const name = nameOf(error);
  return name === 'AbortError' || name === 'TimeoutError';
}
