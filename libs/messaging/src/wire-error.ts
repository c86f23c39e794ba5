import { AppError, describeIssues, isErrorCode, type WireError } from '@ragops/contracts';
import { z } from 'zod';

/** What a peer sees when a handler fails with something that is not an AppError: no stack, no internals. */
export const INTERNAL_MESSAGE = 'internal error in the service that handled the request; see its log';

export function isWireError(value: unknown): value is WireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Error) &&
    isErrorCode((value as WireError).code) &&
    typeof (value as WireError).message === 'string'
  );
}

/**
 * Maps anything a handler threw to the `{ code, message, details? }` a peer receives. Only AppErrors, zod
 * validation errors and values that already are wire errors keep their content; everything else becomes a
 * generic INTERNAL, because messages of unexpected errors may carry paths, SQL or secrets.
 */
export function toWireError(error: unknown): WireError {
  if (error instanceof AppError) return error.toWire();
  if (error instanceof z.ZodError) {
    const issues = describeIssues(error);
    const summary = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ');
    return { code: 'VALIDATION_FAILED', message: `invalid message: ${summary}`, details: { issues } };
  }
  if (isWireError(error)) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  return { code: 'INTERNAL', message: INTERNAL_MESSAGE };
}
