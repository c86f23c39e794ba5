import { describe, expect, it } from '@jest/globals';
import { AppError } from '@ragops/contracts';
import { QdrantClientResourceExhaustedError, QdrantClientTimeoutError, QdrantClientUnexpectedResponseError } from '@qdrant/js-client-rest';
import { mapQdrantError } from './qdrant.errors.js';

const call = { operation: 'search in index docs', url: 'http://qdrant:6333', timeoutMs: 500, index: 'docs' };

/** What the REST client's fetch layer throws for a non-2xx answer. */
function httpError(status: number, data: unknown): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status, statusText: 'status text', data, headers: new Headers(), url: 'x' });
}

const qdrantBody = (error: string) => ({ status: { error }, time: 0.001 });

function fetchFailed(code: string | undefined, message = 'connect failed'): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), code ? { code } : {}) });
}

describe('mapQdrantError', () => {
  it.each<[string, unknown, string]>([
    ['a missing collection', httpError(404, qdrantBody("Not found: Collection `ragops_docs` doesn't exist!")), 'UNKNOWN_INDEX'],
    ['a wrong dimension', httpError(400, qdrantBody('Wrong input: Vector dimension error: expected dim: 4, got 3')), 'VALIDATION_FAILED'],
    ['an out-of-range value', httpError(422, qdrantBody('Validation error in JSON body: [limit: must be 1 or larger]')), 'VALIDATION_FAILED'],
    ['an existing collection', httpError(409, qdrantBody('Wrong input: Collection `x` already exists!')), 'VALIDATION_FAILED'],
    ['a bad API key', httpError(401, 'Must provide an API key'), 'UNAUTHENTICATED'],
    ['a read-only key', httpError(403, qdrantBody('Forbidden')), 'FORBIDDEN'],
    ['a rate limit', httpError(429, qdrantBody('Too many requests')), 'RATE_LIMITED'],
    ['a rate limit with retry-after', new QdrantClientResourceExhaustedError('slow down', '3'), 'RATE_LIMITED'],
    ['a 500', httpError(500, qdrantBody('Service internal error: disk full')), 'UPSTREAM_FAILED'],
    ['a 502 with no body', httpError(502, undefined), 'UPSTREAM_FAILED'],
    ['a 503', httpError(503, qdrantBody('Service unavailable')), 'UNAVAILABLE'],
    ['a 504', httpError(504, ''), 'DEADLINE_EXCEEDED'],
    ['Qdrant’s own timeout', httpError(500, qdrantBody('Timeout error: Operation Search timed out after 5 seconds')), 'DEADLINE_EXCEEDED'],
    ['the client timeout', new QdrantClientTimeoutError('This operation was aborted'), 'DEADLINE_EXCEEDED'],
    ['a raw abort (DOMException)', new DOMException('This operation was aborted', 'AbortError'), 'DEADLINE_EXCEEDED'],
    ['a refused connection', fetchFailed('ECONNREFUSED'), 'UNAVAILABLE'],
    ['an unknown host', fetchFailed('ENOTFOUND'), 'UNAVAILABLE'],
    ['a reset connection', fetchFailed('ECONNRESET'), 'UPSTREAM_FAILED'],
    ['a closed socket without a code', fetchFailed(undefined, 'SocketError: other side closed'), 'UPSTREAM_FAILED'],
    ['an unreadable body', new SyntaxError('Unexpected end of JSON input'), 'UPSTREAM_FAILED'],
    ['a 2xx other than 200', Object.assign(new QdrantClientUnexpectedResponseError('Unexpected Response: 204')), 'UPSTREAM_FAILED'],
    ['anything else', new RangeError('bug'), 'INTERNAL'],
  ])('maps %s', (_label, error, code) => {
    const mapped = mapQdrantError(error, call);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(error);
  });

  it('says what to fix', () => {
    expect(mapQdrantError(fetchFailed('ECONNREFUSED'), call).message).toContain('check QDRANT_URL');
    expect(mapQdrantError(httpError(401, ''), call).message).toContain('QDRANT_API_KEY');
    expect(mapQdrantError(new QdrantClientTimeoutError('aborted'), call).message).toContain('500 ms');
    const dim = mapQdrantError(httpError(400, qdrantBody('Wrong input: Vector dimension error: expected dim: 4, got 3')), call);
    expect(dim.message).toContain('expected dim: 4, got 3');
    expect(dim.message).toContain('new index version');
    expect(mapQdrantError(httpError(404, qdrantBody('Not found')), call).details).toMatchObject({ index: 'docs', status: 404 });
    expect(mapQdrantError(new QdrantClientResourceExhaustedError('slow', '3'), call).details).toMatchObject({ retryAfterSeconds: 3 });
  });

  it('maps a 404 without an index to NOT_FOUND (a wrong URL), and passes AppErrors through', () => {
    expect(mapQdrantError(httpError(404, ''), { ...call, index: undefined }).code).toBe('NOT_FOUND');
    const own = new AppError('VALIDATION_FAILED', 'mine');
    expect(mapQdrantError(own, call)).toBe(own);
  });
});
