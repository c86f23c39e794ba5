import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isSpace, sentenceSpans } from './sentence.splitter.js';

const sentences = (text: string) => {
  const spans = sentenceSpans(text);
  const out: string[] = [];
  for (let i = 0; i < spans.length; i += 2) out.push(text.slice(spans[i], spans[i + 1]));
  return out;
};

describe('sentenceSpans', () => {
  it('splits after . ! ? followed by space, keeping closing quotes and brackets', () => {
    expect(sentences('One. Two! Three? "Four." (Five.) Six')).toEqual(['One.', 'Two!', 'Three?', '"Four."', '(Five.)', 'Six']);
  });

  it('does not split decimals, lower-case continuations, abbreviations or initials', () => {
    expect(sentences('It is 3.14 wide. See e.g. the cat.')).toEqual(['It is 3.14 wide.', 'See e.g. the cat.']);
    expect(sentences('Dr. Smith et al. Showed it. Fig. 3 agrees. J. Doe wrote.')).toEqual([
      'Dr. Smith et al. Showed it.',
      'Fig. 3 agrees.',
      'J. Doe wrote.',
    ]);
  });

  it('ends a sentence at every line break and after CJK terminators', () => {
    expect(sentences('- item one\n- item two\n\nPara')).toEqual(['- item one', '- item two', 'Para']);
    expect(sentences('東京です。大阪です！本当？')).toEqual(['東京です。', '大阪です！', '本当？']);
  });

  it('covers every non-space character exactly once, in order, with trimmed spans', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('Word', 'lower', ' ', '  ', '\n', '.', '!', '?', '"', ')', 'Dr.', 'e.g.', '3.14', '。', '…', 'x'), {
          maxLength: 30,
        }),
        (parts) => {
          const text = parts.join('');
          const spans = sentenceSpans(text);
          let previous = 0;
          for (let i = 0; i < spans.length; i += 2) {
            const [s, e] = [spans[i], spans[i + 1]];
            expect(s).toBeGreaterThanOrEqual(previous);
            expect(e).toBeGreaterThan(s);
            expect(isSpace(text.charCodeAt(s))).toBe(false);
            expect(isSpace(text.charCodeAt(e - 1))).toBe(false);
            for (let k = previous; k < s; k++) expect(isSpace(text.charCodeAt(k))).toBe(true);
            previous = e;
          }
          for (let k = previous; k < text.length; k++) expect(isSpace(text.charCodeAt(k))).toBe(true);
        },
      ),
    );
  });

  it('isSpace agrees with the regex \\s for every BMP code unit', () => {
    const disagreements: number[] = [];
    for (let c = 0; c < 0x10000; c++) if (isSpace(c) !== /\s/.test(String.fromCharCode(c))) disagreements.push(c);
    expect(disagreements).toEqual([]);
  });
});
