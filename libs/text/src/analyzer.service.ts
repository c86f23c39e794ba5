import { stemmer } from 'stemmer';
import { eng } from 'stopword';
import { SPAN_HASH_SEED, SpanCache } from './span.cache.js';

/** Turns text into index terms for lexical search (BM25) and for the extractive generator's overlap scoring. */
export interface Analyzer {
  analyze(text: string): string[];
}

export interface AnalyzerOptions {
  /** Terms dropped after normalisation (before stemming). Default: the `stopword` package's English list. */
  stopwords?: ReadonlySet<string>;
  /** Porter stemming (the `stemmer` package) for Latin-script terms. Default true. */
  stem?: boolean;
  /** Terms longer than this are dropped (base64 blobs, hashes). Default 40. */
  maxTermLength?: number;
}

export const englishStopwords: ReadonlySet<string> = new Set(eng);

// Character classes, as bit flags in a lazily filled table (one regex test per distinct UTF-16 unit, ever).
const LETTER = 1;
const NUMBER = 2;
const MARK = 4;
/** Letters and marks of scripts written without spaces between words (Han, Kana, Thai…): segmented by ICU. */
const UNSPACED = 8;
const APOSTROPHE = 16;
const DIGIT = 32; // ASCII 0-9, for decimals
const DOT = 64;
const KNOWN = 128;
const WORD = LETTER | NUMBER | MARK;

const IS_LETTER = /\p{L}/u;
const IS_NUMBER = /\p{N}/u;
const IS_MARK = /\p{M}/u;
const IS_UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

const classes = new Uint8Array(0x10000);
const astralClasses = new Map<number, number>();

function classify(char: string): number {
  let c = KNOWN;
  if (IS_LETTER.test(char)) c |= LETTER;
  else if (IS_NUMBER.test(char)) c |= NUMBER;
  else if (IS_MARK.test(char)) c |= MARK;
  if (c & WORD && IS_UNSPACED.test(char)) c |= UNSPACED;
  if (char === "'" || char === '\u2019') c |= APOSTROPHE;
  if (char >= '0' && char <= '9') c |= DIGIT;
  if (char === '.') c |= DOT;
  return c;
}

/**
 * Class of the code unit at `i`. Hot loops read `classes` inline and call this only on a miss: surrogate pairs are
 * classified as whole code points (so never cached in the BMP table), lone surrogates are separators.
 */
function classAt(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  if (unit >= 0xdc00 && unit <= 0xdfff) return KNOWN;
  if (unit >= 0xd800 && unit <= 0xdbff) {
    const cp = text.codePointAt(i) as number;
    if (cp === unit) return KNOWN;
    let c = astralClasses.get(cp);
    if (c === undefined) astralClasses.set(cp, (c = classify(String.fromCodePoint(cp))));
    return c;
  }
  return classes[unit] || (classes[unit] = classify(String.fromCharCode(unit)));
}

/** Scripts whose diacritics are folded ("Café" → "cafe"): elsewhere marks are part of the letter (です ≠ てす). */
const FOLDABLE = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}\p{Script=Inherited}]+$/u;
const MARKS = /\p{M}+/gu;
const POSSESSIVE = /['’]s$/;
const APOSTROPHES = /['’]/g;
const LATIN = /^[a-z]+$/;
const NON_ASCII = /[\u0080-\uffff]/;

/** Distinct raw words remembered per analyzer: SciFact has ~46 k, so a corpus pass is mostly cache hits. */
const TERM_CACHE_ENTRIES = 1 << 17;

/**
 * Splits text into words at anything that is not a letter, digit or combining mark (so hyphens, punctuation,
 * symbols and emoji separate words and are dropped), keeping `don't` / `O'Brien's` and decimals like `3.14` whole;
 * runs of Han/Kana/Thai/Lao/Khmer/Myanmar go through `Intl.Segmenter`. Each word is NFKC-normalised, lower-cased,
 * stripped of a possessive `'s` and of apostrophes, diacritic-folded when it is Latin/Greek/Cyrillic, dropped if it
 * is a stop word or longer than `maxTermLength`, and Porter-stemmed when it is plain a-z.
 *
 * Speed: a hand-written scanner that hashes words as it reads them, plus a bounded memo of raw word → term, so
 * normalising and stemming run once per distinct word (on SciFact ~7x faster than regex matching with per-word
 * normalisation and stemming: ~48 k docs/s on one core of the 2-core dev machine).
 */
export function createAnalyzer(options: AnalyzerOptions = {}): Analyzer {
  const stopwords = options.stopwords ?? englishStopwords;
  const stem = options.stem ?? true;
  const maxLen = options.maxTermLength ?? 40;
  const memo = new SpanCache<string | null>(TERM_CACHE_ENTRIES, 64);
  let segmenter: Intl.Segmenter | undefined;

  /** The index term for one word, or null when it is dropped. Pure: the memo never changes results. */
  const termOf = (word: string): string | null => {
    let term = word.toLowerCase();
    if (NON_ASCII.test(term) && FOLDABLE.test(term)) {
      term = term.normalize('NFD').replace(MARKS, '').replace(/ς/g, 'σ');
    }
    term = term.replace(POSSESSIVE, '');
    if (stopwords.has(term)) return null;
    term = term.replace(APOSTROPHES, '');
    if (!term || term.length > maxLen || stopwords.has(term)) return null;
    if (stem && LATIN.test(term)) term = stemmer(term);
    return term || null;
  };

  const emitSegmented = (run: string, out: string[]) => {
    // A fixed locale keeps terms independent of the host's LANG; ICU's CJK/Thai dictionaries are not locale-tailored.
    segmenter ??= new Intl.Segmenter('und', { granularity: 'word' });
    for (const s of segmenter.segment(run)) {
      if (!s.isWordLike) continue;
      const term = termOf(s.segment);
      if (term) out.push(term);
    }
  };

  return {
    analyze(input: string): string[] {
      const out: string[] = [];
      const text = input.normalize('NFKC');
      const n = text.length;
      let i = 0;
      while (i < n) {
        // Skip separators (marks cannot start a word). Stepping one unit at a time is safe: a low surrogate
        // classifies as a separator, and an astral letter is entered at its high surrogate.
        let c = classes[text.charCodeAt(i)] || classAt(text, i);
        while (!(c & (LETTER | NUMBER))) {
          if (++i >= n) return out;
          c = classes[text.charCodeAt(i)] || classAt(text, i);
        }
        const start = i;
        let flags = 0;
        let h = SPAN_HASH_SEED;
        let prev = 0;
        for (;;) {
          if (c & WORD) {
            flags |= c;
          } else if (c & APOSTROPHE) {
            // Inside a word only when a letter follows: "don't", "O'Brien", "1990's"; a closing quote ends the word.
            if (i + 1 >= n || !(classAt(text, i + 1) & LETTER)) break;
          } else if (c & DOT) {
            if (!(prev & DIGIT) || i + 1 >= n || !(classAt(text, i + 1) & DIGIT)) break; // 3.14, not "end."
          } else {
            break;
          }
          const unit = text.charCodeAt(i);
          h = Math.imul(h ^ unit, 0x01000193);
          if (unit >= 0xd800 && unit <= 0xdbff) {
            h = Math.imul(h ^ text.charCodeAt(i + 1), 0x01000193);
            i += 2;
          } else {
            i += 1;
          }
          prev = c;
          if (i >= n) break;
          c = classes[text.charCodeAt(i)] || classAt(text, i);
        }
        if (flags & UNSPACED) {
          emitSegmented(text.slice(start, i), out);
          continue;
        }
        let term = memo.get(text, start, i, h);
        if (term === undefined) {
          term = termOf(text.slice(start, i));
          memo.set(text, start, i, h, term);
        }
        if (term !== null) out.push(term);
      }
      return out;
    },
  };
}
