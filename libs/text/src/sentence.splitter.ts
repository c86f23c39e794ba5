/** JavaScript's `\s`, as a char-code test for scan loops. */
export function isSpace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function isLineBreak(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c || c === 0x85 || c === 0x2028 || c === 0x2029;
}

/** ! . ? … ‼ ⁇ ⁈ ⁉: end a sentence when whitespace follows. */
function isTerminator(c: number): boolean {
  return c === 0x21 || c === 0x2e || c === 0x3f || c === 0x2026 || c === 0x203c || (c >= 0x2047 && c <= 0x2049);
}

/** 。 ！ ？ ． (CJK and full-width): end a sentence even with no space after. */
function isWideTerminator(c: number): boolean {
  return c === 0x3002 || c === 0xff01 || c === 0xff1f || c === 0xff0e;
}

/** Closing quotes and brackets that stay with the sentence they close: `He said "stop." Then…`. */
function isCloser(c: number): boolean {
  return c === 0x22 || c === 0x27 || c === 0x29 || c === 0x5d || c === 0x7d || c === 0x2019 || c === 0x201d || c === 0xbb || c === 0x300d || c === 0x300f || c === 0xff09;
}

const LOWER = /\p{Ll}/u;
/** A sentence ending in one of these is not a sentence end: "Dr. Smith", "Smith et al. Showed", "Fig. 3", "J. Doe". */
const ABBREVIATION =
  /(?:^|[\s(])(?:\p{Lu}|Dr|Mr|Mrs|Ms|Prof|Sr|Jr|St|Fig|Figs|Eq|Eqs|Ref|Refs|No|Nos|Vol|vs|al|cf|ca|approx|e\.g|i\.e|resp|viz|Inc|Ltd|Co|Corp)\.$/u;

/**
 * Sentence spans of `text` as flat [start, end, start, end, …] offsets, trimmed of surrounding whitespace, in order
 * and covering every non-space character. A sentence ends at a line break, after . ! ? … (and closing quotes or
 * brackets) followed by whitespace, or after 。！？; but not when the next word starts lower-case ("e.g. the") or
 * the dot ends a common abbreviation or an initial. These follow the Unicode sentence-boundary rules (UAX #29)
 * where they matter for chunking; a scan loop is ~6x faster than Intl.Segmenter on SciFact.
 */
export function sentenceSpans(text: string): number[] {
  const spans: number[] = [];
  const n = text.length;
  let start = 0;
  const emit = (end: number) => {
    let s = start;
    let e = end;
    while (s < e && isSpace(text.charCodeAt(s))) s++;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
    if (s < e) spans.push(s, e);
    start = end;
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // ASCII fast path: only . ! ? and line breaks matter, and all of them are below '@'.
    if (c >= 0x40 && c < 0x80) continue;
    if (isLineBreak(c)) {
      emit(i);
      continue;
    }
    const wide = isWideTerminator(c);
    if (!wide && !isTerminator(c)) continue;
    let j = i + 1;
    while (j < n && (isTerminator(text.charCodeAt(j)) || isWideTerminator(text.charCodeAt(j)) || isCloser(text.charCodeAt(j)))) j++;
    if (!wide && j < n && !isSpace(text.charCodeAt(j))) {
      i = j - 1;
      continue; // "3.14", "e.g.," — no space, no boundary
    }
    let k = j;
    while (k < n && isSpace(text.charCodeAt(k)) && !isLineBreak(text.charCodeAt(k))) k++;
    const nextIsLower = k < n && LOWER.test(text[k]);
    const abbreviation = c === 0x2e && j === i + 1 && ABBREVIATION.test(text.slice(Math.max(start, i - 7), i + 1));
    if (!nextIsLower && !abbreviation) emit(j);
    i = j - 1;
  }
  emit(n);
  return spans;
}
