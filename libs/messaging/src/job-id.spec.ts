import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { assertBatchNumber, assertJobId } from './job-id.js';

describe('assertJobId', () => {
  it('accepts every id of 1-128 characters of [A-Za-z0-9_-] (uuids, ulids)', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/), (id) => assertJobId(id)));
    assertJobId('0f8fad5b-d9cb-469f-a165-70867728950e');
  });

  it('rejects any id with a character that means something in a NATS subject or key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.constantFrom('.', '*', '>', ' ', '\t', '/', 'é'), fc.string({ maxLength: 20 }), (a, bad, b) => {
        expect(() => assertJobId(`${a}${bad}${b}`)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
      }),
    );
  });
});

describe('assertBatchNumber', () => {
  it('accepts non-negative integers only', () => {
    assertBatchNumber(0);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => assertBatchNumber(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});
