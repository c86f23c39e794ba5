// Intl.Segmenter implements Unicode sentence boundaries (UAX #29): punctuation-aware, and every line break
// ends a sentence, so list items and table rows come out one per segment. It holds no per-text state, so one
// instance serves every call.
let segmenter: Intl.Segmenter | undefined;

/** A heading trail such as "Guide > Install > Linux". */
const BREADCRUMB = /^[^\n]{1,300}? > [^\n]*$/;
const HEADING = /^#{1,6}\s/;
/** Citation markers already in the source ("[12]", "[3, 4]", "[5–7]") would collide with ours. */
const SOURCE_CITATION = /\s*\[\d+(?:\s*[,–-]\s*\d+)*\]/g;
const LIST_MARKER = /^(?:[-*•◦▪]|\d{1,3}[.)])\s+/;
const WHITESPACE = /\s+/g;
const HAS_WORD = /[\p{L}\p{N}]/u;

/**
 * Splits chunk text into clean sentences for extractive answering: drops the chunk's leading breadcrumb line (see
 * isBreadcrumbLine), removes the source's own citation markers and list bullets, collapses whitespace and skips
 * Markdown headings and segments without a letter or digit. Length filtering is the caller's (it counts analyzed
 * terms, not characters).
 */
export function splitSentences(text: string, title?: string): string[] {
  let body = text;
  const firstBreak = body.indexOf('\n');
  const firstLine = (firstBreak < 0 ? body : body.slice(0, firstBreak)).trim();
  const blankLineFollows = firstBreak >= 0 && /^[^\S\n]*\n/.test(body.slice(firstBreak + 1));
  if (isBreadcrumbLine(firstLine, blankLineFollows, title)) body = firstBreak < 0 ? '' : body.slice(firstBreak + 1);
  segmenter ??= new Intl.Segmenter('en', { granularity: 'sentence' });
  const out: string[] = [];
  for (const { segment } of segmenter.segment(body)) {
    const sentence = segment.replace(SOURCE_CITATION, '').replace(WHITESPACE, ' ').trim().replace(LIST_MARKER, '');
    if (HAS_WORD.test(sentence) && !HEADING.test(sentence)) out.push(sentence);
  }
  return out;
}

/**
 * Whether a chunk's first line is the trail @ragops/text's chunker puts there ("Title > Heading", a blank line,
 * then content; cut with "…" when long): context for retrieval, not a statement to quote. Recognised as a Markdown
 * heading, as an "A > B" trail (followed by a blank line, or not ending like a sentence), or — when followed by a
 * blank line — as starting with the chunk's title (a title-only trail may well end with a full stop).
 */
function isBreadcrumbLine(line: string, blankLineFollows: boolean, title: string | undefined): boolean {
  if (HEADING.test(line)) return true;
  if (BREADCRUMB.test(line) && (blankLineFollows || !/[.!?:]$/.test(line))) return true;
  if (!blankLineFollows || !title) return false;
  const t = title.replace(WHITESPACE, ' ').trim();
  if (!t) return false;
  if (line === t || line.startsWith(`${t} > `)) return true;
  return line.endsWith('…') && t.startsWith(line.slice(0, -1).trimEnd());
}
