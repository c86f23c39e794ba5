import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { termId } from './term-id.js';

/** Byte-at-a-time FNV-1a over TextEncoder's UTF-8: the textbook definition the fast version must equal. */
function referenceFnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

describe('termId', () => {
  // Published FNV-1a 32-bit test vectors (FNV reference test suite, http://www.isthe.com/chongo/tech/comp/fnv/).
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['b', 0xe70c2de5],
    ['foobar', 0xbf9cf968],
  ])('hashes %j to the published FNV-1a value', (text, expected) => {
    expect(termId(text)).toBe(expected);
  });

  it('hashes multi-byte UTF-8 (2, 3 and 4 bytes) like the byte-wise definition', () => {
    for (const text of ['café', 'naïve', '東京', 'ไทย', '😀', 'a😀b', 'Ωmega']) expect(termId(text)).toBe(referenceFnv1a(text));
  });

  it('hashes lone surrogates as U+FFFD, as TextEncoder encodes them', () => {
    expect(termId('a\ud800b')).toBe(referenceFnv1a('a\ufffdb'));
    expect(termId('\udc00')).toBe(referenceFnv1a('\ufffd'));
    expect(termId('x\ud83d')).toBe(referenceFnv1a('x\ufffd'));
  });

  it('always returns a uint32 equal to the reference for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const id = termId(text);
        expect(Number.isInteger(id) && id >= 0 && id <= 0xffffffff).toBe(true);
        expect(id).toBe(referenceFnv1a(text));
      }),
      { numRuns: 2000 },
    );
  });
});
