/** Stable, machine-readable error codes. Every transport maps these once (HTTP status, NATS error reply). */
export const ErrorCodes = {
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNKNOWN_INDEX: 404,
  NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_DOCUMENTS: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  DEADLINE_EXCEEDED: 504,
  UNAVAILABLE: 503,
  UPSTREAM_FAILED: 502,
  INTERNAL: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ErrorCodes;

export function httpStatusOf(code: ErrorCode): number {
  return ErrorCodes[code];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCodes, value);
}
