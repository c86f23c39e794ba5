import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { CL100K_PATTERN, cl100kPieceEnd } from './cl100k.pretokenizer.js';

const pattern = new RegExp(cl100k.pat_str, 'gu');
const regexPieces = (text: string) => Array.from(text.matchAll(pattern), (m) => m[0]);
function scannerPieces(text: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; ) {
    const end = cl100kPieceEnd(text, i);
    pieces.push(text.slice(i, end));
    i = end;
  }
  return pieces;
}

const alphabet = fc.constantFrom(
  "'", 's', 'S', 't', 'r', 'e', 'E', 'v', 'l', 'L', 'd', 'm', 'M', 'a', 'é', 'ǅ', 'Ω', '中', 'ไ', '0', '9', '٣', '²', '½',
  ' ', '\t', '\n', '\r', '\u000b', '\u00a0', '\u2028', '\u3000', '\ufeff', '.', ',', '!', '(', '-', '_', '\u0301', '😀',
  '𝐀', '\ud800', '\udc00',
);

describe('cl100kPieceEnd', () => {
  it('is written for the pattern js-tiktoken ships for cl100k_base', () => {
    expect(cl100k.pat_str).toBe(CL100K_PATTERN);
  });

  it.each([
    ["We'll see", ['We', "'ll", ' see']],
    ['a  b', ['a', ' ', ' b']],
    ['x.\n\ny', ['x', '.\n\n', 'y']],
    [' \n \n  z', [' \n \n', ' ', ' z']],
    ['1234567', ['123', '456', '7']],
    ['end   ', ['end', '   ']],
    [' (see', [' (', 'see']],
    ['\tword', ['\tword']],
    ["'sam", ["'s", 'am']],
  ])('splits %j like the regex', (text, expected) => {
    expect(scannerPieces(text)).toEqual(expected);
    expect(regexPieces(text)).toEqual(expected);
  });

  it('matches the regex on adversarial strings and on any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')), fc.string({ unit: 'binary', maxLength: 60 })),
        (text) => {
          expect(scannerPieces(text)).toEqual(regexPieces(text));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
