import { stemmer } from 'stemmer';
import { eng } from 'stopword';

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

// Letters and digits of any script. A regex is ~10x faster than Intl.Segmenter and right for every script that
// separates words with spaces; runs of scripts that don't (Han, Kana, Thai…) go to the segmenter below.
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:['’][\p{L}]+)?/gu;
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const LATIN = /^[a-z]+$/;
const MARKS = /\p{M}+/gu;
const POSSESSIVE = /['’]s$/;

export function createAnalyzer(options: AnalyzerOptions = {}): Analyzer {
  const stopwords = options.stopwords ?? englishStopwords;
  const stem = options.stem ?? true;
  const maxLen = options.maxTermLength ?? 40;
  let segmenter: Intl.Segmenter | undefined;

  const emit = (raw: string, out: string[]) => {
    // Fold case and diacritics ("Café" → "cafe") so accented and plain spellings match.
    let term = raw.toLowerCase().normalize('NFD').replace(MARKS, '').replace(POSSESSIVE, '').replace(/['’]/g, '');
    if (!term || term.length > maxLen || stopwords.has(term)) return;
    if (stem && LATIN.test(term)) term = stemmer(term);
    if (term) out.push(term);
  };

  return {
    analyze(text: string): string[] {
      const out: string[] = [];
      for (const match of text.normalize('NFKC').matchAll(WORD)) {
        const word = match[0];
        if (UNSPACED.test(word)) {
          segmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' });
          for (const s of segmenter.segment(word)) if (s.isWordLike) emit(s.segment, out);
        } else {
          emit(word, out);
        }
      }
      return out;
    },
  };
}
