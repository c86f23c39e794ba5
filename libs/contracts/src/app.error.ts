import { type ErrorCode, isErrorCode } from './error-code.js';

/** The wire form of an error, identical over HTTP (`{ error: WireError }`) and NATS replies. */
export interface WireError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/**
 * The one error type domain code throws. `code` is stable and machine-readable; `message` says what to fix.
 * The cause is kept for logs but never crosses a transport.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toWire(): WireError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  /** Rebuilds an error received from a peer; anything unrecognisable becomes INTERNAL with the raw value as cause. */
  static fromWire(value: unknown): AppError {
    if (value instanceof AppError) return value;
    if (value && typeof value === 'object' && isErrorCode((value as WireError).code)) {
      const w = value as WireError;
      return new AppError(w.code, String(w.message ?? w.code), w.details);
    }
    const message = value instanceof Error ? value.message : 'unexpected error from a peer service';
    return new AppError('INTERNAL', message, undefined, { cause: value });
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
