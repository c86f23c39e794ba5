import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createAnalyzer, englishStopwords } from './analyzer.service.js';

const analyzer = createAnalyzer();
const plain = createAnalyzer({ stem: false });
const terms = (text: string) => analyzer.analyze(text);

describe('createAnalyzer: tokenization', () => {
  it('lower-cases, drops English stop words and Porter-stems', () => {
    expect(terms('The Running of the Bulls')).toEqual(['run', 'bull']);
    expect(terms('generalization studies')).toEqual(['gener', 'studi']);
  });

  it('folds diacritics of Latin, Greek and Cyrillic words so accented and plain spellings match', () => {
    expect(plain.analyze('Café naïve RÉSUMÉ')).toEqual(['cafe', 'naive', 'resume']);
    expect(plain.analyze('Ελλάδα οδός ΟΔΟΣ')).toEqual(['ελλαδα', 'οδοσ', 'οδοσ']);
    expect(plain.analyze('Ёлка йогурт')).toEqual(['елка', 'иогурт']); // й is и + breve
  });

  it('keeps marks that are part of the letter in other scripts (です is not てす)', () => {
    expect(terms('東京タワーです。')).toEqual(['東京タワー', 'です']);
    expect(terms('がぎぐげご')).not.toContain('かきくけこ');
    expect(terms('हिन्दी भाषा')).toEqual(['हिन्दी', 'भाषा']);
    expect(terms('한국어 텍스트')).toEqual(['한국어', '텍스트']);
  });

  it('segments scripts written without spaces with Intl.Segmenter', () => {
    expect(terms('東京都に住んでいます')).toEqual(expect.arrayContaining(['東京', '住']));
    expect(terms('ภาษาไทยง่ายนิดเดียว')).toEqual(['ภาษา', 'ไทย', 'ง่าย', 'นิด', 'เดียว']);
    expect(terms('iPhoneを使う')).toEqual(['iphon', 'を', '使う']);
  });

  it('keeps numbers, joining decimals and versions but not sentence-final dots', () => {
    expect(terms('p < 0.05 in 2019. Version v1.2.3, 42 mice')).toEqual(['p', '0.05', '2019', 'version', 'v1.2.3', '42', 'mice']);
    expect(terms('3.14.')).toEqual(['3.14']);
    expect(terms('1,000')).toEqual(['1', '000']);
  });

  it('handles apostrophes: possessives dropped, contractions and names kept whole', () => {
    expect(plain.analyze("John's O'Brien's don't rock'n'roll 1990's")).toEqual(['john', 'obrien', 'dont', 'rocknroll', '1990']);
    expect(plain.analyze('John’s dog’s')).toEqual(['john', 'dog']);
    expect(plain.analyze("students' 'quoted'")).toEqual(['students', 'quoted']);
  });

  it('splits at hyphens, punctuation, symbols and emoji, which are dropped', () => {
    expect(plain.analyze('state-of-the-art IL-6')).toEqual(['state', 'art', 'il', '6']);
    expect(plain.analyze('😀 emoji 👍🏽 #hash @at (paren) a/b x+y=z')).toEqual(['emoji', 'hash', 'paren', 'b', 'x', 'y', 'z']);
    expect(terms('!!! ... --- 🎉')).toEqual([]);
  });

  it('applies NFKC first: full-width letters, ligatures and circled digits become plain', () => {
    expect(plain.analyze('Ｆｕｌｌｗｉｄｔｈ ﬁne ①')).toEqual(['fullwidth', 'fine', '1']);
  });

  it('drops terms longer than maxTermLength (hashes, base64) before stemming', () => {
    expect(terms(`${'x'.repeat(41)} ok`)).toEqual(['ok']);
    expect(terms('x'.repeat(40))).toEqual(['x'.repeat(40)]);
    expect(createAnalyzer({ maxTermLength: 3 }).analyze('abcd abc')).toEqual(['abc']);
  });

  it('takes custom stop words and can turn stemming off', () => {
    const custom = createAnalyzer({ stopwords: new Set(['foo', "don't"]), stem: false });
    expect(custom.analyze("foo bar the don't")).toEqual(['bar', 'the']);
    expect(englishStopwords.has('the')).toBe(true);
  });

  it('returns nothing for empty or separator-only text, and handles lone surrogates', () => {
    expect(terms('')).toEqual([]);
    expect(terms(' \n\t ')).toEqual([]);
    expect(terms('x\ud800y \udc00z')).toEqual(['x', 'y', 'z']);
  });

  it('gives the same terms on a cold and a warm memo, and across analyzers', () => {
    const text = 'Alterations of the architecture of cerebral white matter in the developing human brain';
    const first = createAnalyzer().analyze(text);
    const warm = createAnalyzer();
    for (let i = 0; i < 3; i++) expect(warm.analyze(text)).toEqual(first);
  });
});

describe('createAnalyzer: properties', () => {
  const wordish = fc.constantFrom(
    'The', 'running', 'Café', 'naïve', 'ΟΔΟΣ', 'Ёлка', 'です', '東京', 'ภาษาไทย', 'हिन्दी', "don't", "John's", '3.14', 'IL-6',
    'x'.repeat(45), '😀', '—', '...', '\n', '\t', ' ', '\u0301', 'ﬁ', 'İstanbul', 'ß', '\ud800',
  );
  const mixed = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.array(wordish, { maxLength: 12 }).map((w) => w.join(' ')));

  it('never throws, and every term is a non-empty run of letters, digits, marks (and inner dots) within the limit', () => {
    fc.assert(
      fc.property(mixed, (text) => {
        for (const term of analyzer.analyze(text)) {
          expect(term.length).toBeGreaterThan(0);
          expect(term.length).toBeLessThanOrEqual(40);
          expect(term).toMatch(/^[\p{L}\p{N}\p{M}]+(?:\.[\p{L}\p{N}\p{M}]+)*$/u);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('emits no stop word when stemming is off', () => {
    fc.assert(
      fc.property(mixed, (text) => {
        for (const term of plain.analyze(text)) expect(englishStopwords.has(term)).toBe(false);
      }),
    );
  });

  it('analyzes space-joined texts as the concatenation of their terms (terms never cross a space)', () => {
    fc.assert(
      fc.property(fc.array(wordish, { maxLength: 8 }), fc.array(wordish, { maxLength: 8 }), (a, b) => {
        const left = a.join(' ');
        const right = b.join(' ');
        expect(analyzer.analyze(`${left} ${right}`)).toEqual([...analyzer.analyze(left), ...analyzer.analyze(right)]);
      }),
    );
  });

  it('is case-insensitive on ASCII text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcXYZ .-\'09'.split('')), maxLength: 40 }), (text) => {
        expect(analyzer.analyze(text.toUpperCase())).toEqual(analyzer.analyze(text.toLowerCase()));
      }),
    );
  });

  it('returns the same terms whatever the memo holds (a fresh analyzer agrees with a long-lived one)', () => {
    const longLived = createAnalyzer();
    fc.assert(
      fc.property(mixed, (text) => {
        expect(longLived.analyze(text)).toEqual(createAnalyzer().analyze(text));
      }),
      { numRuns: 300 },
    );
  });
});
