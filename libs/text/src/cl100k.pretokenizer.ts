/**
 * cl100k_base's pre-tokenizer regex, exactly as js-tiktoken ships it. The scanner below is used only when the rank
 * file's pattern equals this string; any other encoding goes through the regex.
 */
export const CL100K_PATTERN =
  "('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// Code point classes. OTHER is everything the pattern writes as [^\s\p{L}\p{N}] (marks, punctuation, symbols,
// lone surrogates).
const LETTER = 1;
const NUMBER = 2;
const SPACE = 4; // JavaScript's \s
const NEWLINE = 8; // \r or \n (also SPACE)
const OTHER = 16;

const IS_LETTER = /^\p{L}$/u;
const IS_NUMBER = /^\p{N}$/u;
const IS_SPACE = /^\s$/u;

const bmp = new Uint8Array(0x10000);
const astral = new Map<number, number>();
for (let u = 0; u < 0x80; u++) bmp[u] = classify(u); // ASCII known up front, so hot loops can index it directly

function classify(cp: number): number {
  const ch = String.fromCodePoint(cp);
  if (IS_LETTER.test(ch)) return LETTER;
  if (IS_NUMBER.test(ch)) return NUMBER;
  if (cp === 0x0a || cp === 0x0d) return SPACE | NEWLINE;
  if (IS_SPACE.test(ch)) return SPACE;
  return OTHER;
}

/** Class of the code point at `i` (which is < text.length); its length in code units is `cpLength(text, i)`. */
function classAt(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  let c = bmp[unit];
  if (c !== 0) return c;
  if (unit >= 0xd800 && unit <= 0xdbff) {
    const cp = text.codePointAt(i) as number;
    if (cp === unit) return OTHER; // lone high surrogate
    c = astral.get(cp) ?? 0;
    if (c === 0) astral.set(cp, (c = classify(cp)));
    return c;
  }
  if (unit >= 0xdc00 && unit <= 0xdfff) return (bmp[unit] = OTHER); // a low surrogate here is always lone
  return (bmp[unit] = classify(unit));
}

function cpLength(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  if (unit < 0xd800 || unit > 0xdbff || i + 1 >= text.length) return 1;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}

/** End of the run of code points of class `mask` starting at `i`. */
function runEnd(text: string, i: number, mask: number): number {
  const n = text.length;
  while (i < n) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      if (!(bmp[unit] & mask)) return i;
      i++;
    } else {
      if (!(classAt(text, i) & mask)) return i;
      i += cpLength(text, i);
    }
  }
  return i;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

/**
 * End offset of the cl100k piece starting at `i` (< text.length): what the pattern's next match would be, as a
 * hand-written scan (the regex costs about half of counting; this is ~3x faster). Alternatives in pattern order:
 *   1 'contraction   2 [^\r\n\p{L}\p{N}]?\p{L}+   3 \p{N}{1,3}   4 ' ?[^\s\p{L}\p{N}]+[\r\n]*'
 *   5 \s*[\r\n]+   6 \s+(?!\S)   7 \s+
 * The spec compares it with the regex on adversarial strings and whole corpora.
 */
export function cl100kPieceEnd(text: string, i: number): number {
  const n = text.length;
  const unit = text.charCodeAt(i);
  // 1. 's 't 'm 'd 're 've 'll, any case.
  if (unit === 0x27 && i + 1 < n) {
    const a = lower(text.charCodeAt(i + 1));
    if (a === 0x73 || a === 0x74 || a === 0x6d || a === 0x64) return i + 2;
    if (i + 2 < n) {
      const b = lower(text.charCodeAt(i + 2));
      if ((a === 0x72 && b === 0x65) || (a === 0x76 && b === 0x65) || (a === 0x6c && b === 0x6c)) return i + 3;
    }
  }
  const c = classAt(text, i);
  const len = cpLength(text, i);
  // 2. Letters, optionally after one character that is not a newline, letter or digit.
  if (c & LETTER) return runEnd(text, i + len, LETTER);
  if (!(c & (NEWLINE | NUMBER)) && i + len < n && classAt(text, i + len) & LETTER) return runEnd(text, i + len, LETTER);
  // 3. Up to three digits.
  if (c & NUMBER) {
    let end = i + len;
    for (let k = 1; k < 3 && end < n && classAt(text, end) & NUMBER; k++) end += cpLength(text, end);
    return end;
  }
  // 4. Punctuation/symbols, optionally after one space, then any newlines.
  const punctStart = unit === 0x20 && i + 1 < n && classAt(text, i + 1) & OTHER ? i + 1 : c & OTHER ? i : -1;
  if (punctStart >= 0) {
    let end = runEnd(text, punctStart, OTHER);
    while (end < n && (text.charCodeAt(end) === 0x0a || text.charCodeAt(end) === 0x0d)) end++;
    return end;
  }
  // c is whitespace from here on (every other class returned above).
  const spaceEnd = runEnd(text, i, SPACE);
  // 5. Whitespace up to and including its last newline.
  for (let k = spaceEnd - 1; k >= i; k--) {
    const u = text.charCodeAt(k);
    if (u === 0x0a || u === 0x0d) return k + 1;
  }
  // 6. Whitespace not followed by a non-space: all of it at the end of the text, else all but the last character.
  if (spaceEnd === n) return n;
  if (spaceEnd - i >= 2) return spaceEnd - 1;
  // 7. A single whitespace character.
  return spaceEnd;
}

