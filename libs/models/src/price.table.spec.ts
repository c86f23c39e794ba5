import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AppError } from '@ragops/contracts';
import { PriceTable } from './price.table.js';

function failure(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a failure');
}

const config = JSON.stringify({
  'gpt-4o': { inputPer1M: 2.5, outputPer1M: 10 },
  'gpt-4o-mini': { inputPer1M: 0.15, outputPer1M: 0.6 },
  'gpt-4': { inputPer1M: 30, outputPer1M: 60 },
  llama3: { inputPer1M: 0, outputPer1M: 0 },
});

describe('PriceTable', () => {
  const table = PriceTable.parse(config);

  it('finds a model by exact name first, then by the longest configured prefix at a separator', () => {
    expect(table.priceOf('gpt-4o')).toEqual({ inputPer1M: 2.5, outputPer1M: 10 });
    expect(table.priceOf('gpt-4o-2024-08-06')).toEqual({ inputPer1M: 2.5, outputPer1M: 10 });
    expect(table.priceOf('gpt-4o-mini-2024-07-18')).toEqual({ inputPer1M: 0.15, outputPer1M: 0.6 });
    expect(table.priceOf('gpt-4-0613')).toEqual({ inputPer1M: 30, outputPer1M: 60 });
    expect(table.priceOf('llama3:8b')).toEqual({ inputPer1M: 0, outputPer1M: 0 });
  });

  it('does not price a different model that merely starts with the same letters, nor an unknown one', () => {
    expect(table.priceOf('gpt-4omni')).toBeUndefined();
    expect(table.priceOf('gpt-40')).toBeUndefined();
    expect(table.priceOf('gpt')).toBeUndefined();
    expect(table.priceOf('claude-3-haiku')).toBeUndefined();
    expect(table.costOf('claude-3-haiku', { promptTokens: 10, completionTokens: 10 })).toBeUndefined();
  });

  it('costs a call as input × price / 1e6 + output × price / 1e6', () => {
    expect(table.costOf('gpt-4o', { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toBe(12.5);
    expect(table.costOf('gpt-4o-mini', { promptTokens: 2_000, completionTokens: 500 })).toBeCloseTo(0.0006, 15);
    expect(table.costOf('llama3', { promptTokens: 5, completionTokens: 5 })).toBe(0);
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.nat(10_000_000), (input, output) => {
        const cost = table.costOf('gpt-4o-2024-11-20', { promptTokens: input, completionTokens: output })!;
        expect(cost).toBeCloseTo((input * 2.5) / 1e6 + (output * 10) / 1e6, 9);
        expect(cost).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('treats an empty or absent configuration as no prices', () => {
    expect(PriceTable.parse(undefined).size).toBe(0);
    expect(PriceTable.parse('  ').priceOf('gpt-4o')).toBeUndefined();
    expect(PriceTable.parse('{}').size).toBe(0);
  });

  it.each([
    ['not JSON', '{gpt-4o: 1}', 'not valid JSON'],
    ['an array', '[]', 'must be a JSON object'],
    ['null', 'null', 'must be a JSON object'],
    ['a negative price', '{"gpt-4o": {"inputPer1M": -1, "outputPer1M": 10}}', 'price table entry "gpt-4o": inputPer1M must be a non-negative number'],
    ['a string price', '{"m": {"inputPer1M": 1, "outputPer1M": "10"}}', 'price table entry "m": outputPer1M'],
    ['a missing field', '{"m": {"inputPer1M": 1}}', 'price table entry "m": outputPer1M'],
    ['an unknown field', '{"m": {"inputPer1M": 1, "outputPer1M": 2, "cachedPer1M": 0.5}}', 'price table entry "m": unknown field(s) cachedPer1M'],
    ['a number instead of prices', '{"m": 5}', 'price table entry "m": must be { inputPer1M, outputPer1M }'],
    ['an empty model name', '{"": {"inputPer1M": 1, "outputPer1M": 2}}', 'price table entry "": a model name may not be empty'],
  ])('refuses %s with VALIDATION_FAILED naming the bad entry', (_what, json, message) => {
    const error = failure(() => PriceTable.parse(json));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain(message);
  });

  it('names every bad entry at once', () => {
    const error = failure(() => PriceTable.parse('{"a": {"inputPer1M": -1, "outputPer1M": 1}, "b": {"inputPer1M": 1, "outputPer1M": -1}}'));
    expect(error.message).toContain('"a": inputPer1M');
    expect(error.message).toContain('"b": outputPer1M');
    expect((error.details as { problems: string[] }).problems).toHaveLength(2);
  });
});
