import { describe, expect, it } from '@jest/globals';
import { AppError } from './app.error.js';
import { httpStatusOf } from './error-code.js';

describe('AppError', () => {
  it('round-trips through its wire form', () => {
    const e = new AppError('JOB_NOT_FOUND', 'no job abc', { jobId: 'abc' });
    const back = AppError.fromWire(JSON.parse(JSON.stringify(e.toWire())));
    expect(back).toBeInstanceOf(AppError);
    expect(back.code).toBe('JOB_NOT_FOUND');
    expect(back.details).toEqual({ jobId: 'abc' });
    expect(httpStatusOf(back.code)).toBe(404);
  });

  it('turns an unrecognisable peer error into INTERNAL, keeping the cause', () => {
    const raw = { status: 'error', message: 'boom' };
    const e = AppError.fromWire(raw);
    expect(e.code).toBe('INTERNAL');
    expect(e.cause).toBe(raw);
  });
});
