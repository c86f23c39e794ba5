import { describe, expect, it } from '@jest/globals';
import { AppError, SearchRequest } from '@ragops/contracts';
import fc from 'fast-check';
import { INTERNAL_MESSAGE, isWireError, toWireError } from './wire-error.js';

describe('toWireError', () => {
  it('keeps code, message and details of an AppError', () => {
    expect(toWireError(new AppError('RATE_LIMITED', 'slow down', { retryAfterMs: 10 }))).toEqual({
      code: 'RATE_LIMITED',
      message: 'slow down',
      details: { retryAfterMs: 10 },
    });
  });

  it('turns a ZodError into VALIDATION_FAILED listing the fields', () => {
    const result = SearchRequest.safeParse({ query: '', topK: 0 });
    expect(result.success).toBe(false);
    const wire = toWireError(result.error);
    expect(wire.code).toBe('VALIDATION_FAILED');
    expect(wire.message).toContain('query');
    expect(wire.details).toMatchObject({ issues: [expect.objectContaining({ path: 'query' }), expect.objectContaining({ path: 'topK' })] });
  });

  it('passes on an error that already is a wire error', () => {
    expect(toWireError({ code: 'NOT_FOUND', message: 'gone' })).toEqual({ code: 'NOT_FOUND', message: 'gone' });
  });

  it('never lets the message of anything else through', () => {
    fc.assert(
      fc.property(fc.string(), fc.oneof(fc.constant('error'), fc.constant('string'), fc.constant('object')), (text, kind) => {
        const thrown = kind === 'error' ? new Error(text) : kind === 'string' ? text : { message: text, code: 'NOPE' };
        expect(toWireError(thrown)).toEqual({ code: 'INTERNAL', message: INTERNAL_MESSAGE });
      }),
    );
  });

  it('recognises wire errors only by a known code and a string message', () => {
    expect(isWireError({ code: 'INTERNAL', message: 'x' })).toBe(true);
    expect(isWireError({ code: 'TEAPOT', message: 'x' })).toBe(false);
    expect(isWireError({ code: 'INTERNAL' })).toBe(false);
    expect(isWireError(new AppError('INTERNAL', 'x'))).toBe(false);
  });
});
