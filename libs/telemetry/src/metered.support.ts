import { AppError, type ErrorCode } from '@ragops/contracts';

/**
 * Milliseconds from any fixed origin, for measuring durations. Defaults to `performance.now()` (monotonic, sub-ms), so
 * a wall-clock step never makes a stage look negative or hours long; tests pass their own.
 */
export type Now = () => number;

export const monotonicNow: Now = () => performance.now();

/** The stable code of a failure for an `ErrorCode` label: an AppError's own, anything else (a bug) INTERNAL. */
export function errorCodeOf(error: unknown): ErrorCode {
  return error instanceof AppError ? error.code : 'INTERNAL';
}

/** The request's deadline ran out (the `ragops_timeouts_total` case). */
export function isDeadlineExceeded(error: unknown): boolean {
  return error instanceof AppError && error.code === 'DEADLINE_EXCEEDED';
}
