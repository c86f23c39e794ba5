import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { AppError } from '@ragops/contracts';
import { cl100kCounter } from './token-counter.service.js';

/** The reference: js-tiktoken, with special-token strings treated as ordinary text (as the counter does). */
const reference = new Tiktoken(cl100k);
const referenceEncode = (text: string) => reference.encode(text, [], []);
const counter = cl100kCounter();

/** Strings built to hit every branch of the cl100k pre-tokenizer and the byte-level BPE. */
const tricky = fc
  .array(
    fc.constantFrom(
      "'", "'s", "'S", "'t", "'re", "'RE", "'ve", "'ll", "'LL", "'d", "'m", "'x", 'a', 'Z', 'é', 'ǅ', 'ß', '0', '12', '123456',
      '٣', '²', ' ', '  ', '   ', '\t', '\n', '\r', '\r\n', '\n\n', ' \n ', '\u00a0', '\u2028', '\u3000', '.', '...', ',', '!',
      '(', ')', '-', '_', '<|endoftext|>', '😀', '👍🏽', '\ud800', '\udc00', '中文', 'ไทย', '\u0301', 'hello', ' world', 'don',
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

describe('cl100kCounter', () => {
  it('is a cached cl100k_base counter', () => {
    expect(counter.encoding).toBe('cl100k_base');
    expect(cl100kCounter()).toBe(counter);
  });

  it('counts like js-tiktoken on known strings', () => {
    expect(counter.count('')).toBe(0);
    expect(counter.count('hello world')).toBe(2);
    expect(counter.encode('hello world')).toEqual(referenceEncode('hello world'));
    for (const text of ['Ünïcödé 東京 😀', "We'll see   you\n\n  there.", 'a'.repeat(1000), '1234567890', ' \t\n\r\n']) {
      expect(counter.encode(text)).toEqual(referenceEncode(text));
      expect(counter.count(text)).toBe(referenceEncode(text).length);
    }
  });

  it('treats special-token strings in user text as ordinary text instead of throwing', () => {
    const text = 'before <|endoftext|> after <|fim_prefix|>';
    expect(() => counter.count(text)).not.toThrow();
    expect(counter.encode(text)).toEqual(referenceEncode(text));
    expect(counter.encode(text)).not.toContain(100257);
  });

  it('encodes exactly like js-tiktoken on adversarial strings and any Unicode', () => {
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 })), (text) => {
        expect(counter.encode(text)).toEqual(referenceEncode(text));
        expect(counter.count(text)).toBe(referenceEncode(text).length);
      }),
      { numRuns: 1500 },
    );
  });

  it('merges long pieces in the same order as the reference (one 3,000-character word)', () => {
    let x = 0;
    const word = Array.from({ length: 3000 }, () => 'abcdefghijklmnopqrstuvwxyz'[(x = (x * 1103515245 + 12345) % 2 ** 31) % 26]).join('');
    expect(counter.encode(word)).toEqual(referenceEncode(word));
  });

  it('encodes a 200 kB word without spaces in well under a second (the reference is quadratic)', () => {
    const word = 'ab'.repeat(100_000);
    const started = performance.now();
    const n = counter.count(word);
    expect(performance.now() - started).toBeLessThan(3000); // generous for loaded CI; quadratic would take minutes
    expect(n).toBeGreaterThan(0);
    expect(counter.decode(counter.encode(word))).toBe(word);
  });

  it('round-trips through decode for well-formed text', () => {
    fc.assert(
      fc.property(fc.oneof(tricky.filter((t) => !/[\ud800-\udfff]/.test(t)), fc.string({ unit: 'grapheme', maxLength: 60 })), (text) => {
        expect(counter.decode(counter.encode(text))).toBe(text);
      }),
    );
  });

  it('decodes special token ids and rejects ids outside the encoding', () => {
    expect(counter.decode([100257])).toBe('<|endoftext|>');
    expect(() => counter.decode([999_999])).toThrow(AppError);
    expect(() => counter.decode([999_999])).toThrow(/not in this encoding/);
  });
});

describe('cl100kCounter.fitsWithin and countUpTo', () => {
  it('answers short texts by UTF-8 length without encoding', () => {
    expect(counter.fitsWithin('', 0)).toBe(true);
    expect(counter.fitsWithin('abc', 3)).toBe(true);
    expect(counter.fitsWithin('東京', 6)).toBe(true);
    expect(counter.fitsWithin('x', -1)).toBe(false);
    expect(counter.fitsWithin('x', Number.NaN)).toBe(false);
  });

  it('agrees exactly with count(text) <= maxTokens', () => {
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 120 })), fc.nat(60), (text, max) => {
        const n = counter.count(text);
        expect(counter.fitsWithin(text, max)).toBe(n <= max);
        const upTo = counter.countUpTo(text, max);
        if (n <= max) expect(upTo).toBe(n);
        else expect(upTo).toBeGreaterThan(max);
      }),
      { numRuns: 2000 },
    );
  });

  it('stops early on long texts', () => {
    const long = 'The quick brown fox jumps over the lazy dog. '.repeat(500_000); // 22 MB: a full pass takes ~1 s
    long.charCodeAt(0); // flatten the rope outside the timing
    const started = performance.now();
    expect(counter.fitsWithin(long, 100)).toBe(false);
    expect(counter.countUpTo(long, 100)).toBeLessThan(200);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
