import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { messageId, retryDelay } from './queue.policy.js';

describe('queue policy', () => {
  it('names a batch message by job and batch', () => {
    expect(messageId({ jobId: 'job-1', batch: 7 })).toBe('job-1:7');
  });

  it('grows the retry delay with each attempt and never past 30 s', () => {
    expect([1, 2, 3, 4].map((a) => retryDelay(1000, a))).toEqual([1000, 2000, 4000, 8000]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 1000 }), (base, attempt) => {
        const d = retryDelay(base, attempt);
        expect(d).toBeLessThanOrEqual(30_000);
        expect(d).toBeGreaterThanOrEqual(Math.min(base, 30_000));
        expect(retryDelay(base, attempt + 1)).toBeGreaterThanOrEqual(d);
      }),
    );
  });
});
