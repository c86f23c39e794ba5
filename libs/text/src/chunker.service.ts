import { AppError } from '@ragops/contracts';
import { parseHtml } from './html.parser.js';
import { parseMarkdown } from './markdown.parser.js';
import type { Block, CodeFence, Section } from './section.types.js';
import { isSpace, sentenceSpans } from './sentence.splitter.js';
import { collapseWhitespace, normalizeLines } from './text.normalizer.js';
import type { TokenCounter } from './token-counter.service.js';

export type ChunkFormat = 'text' | 'markdown' | 'html';

export interface ChunkerOptions {
  /** Upper bound on every chunk's tokens, breadcrumb line included. Default 256, minimum 16. */
  maxTokens?: number;
  /**
   * Tokens repeated between consecutive pieces of a block that had to be split (whole words, so a little less).
   * Default 32; must be below maxTokens, and is capped at half of a chunk's room.
   */
  overlapTokens?: number;
  /**
   * Counts the tokens. Sums rely on a tiktoken-style pre-tokenizer (cl100k, o200k) that never joins a piece to the
   * whitespace after it, as cl100kCounter() does.
   */
  counter: TokenCounter;
}

export interface ChunkInput {
  text: string;
  format?: ChunkFormat;
  /** The document's title: the first element of every chunk's breadcrumb. */
  title?: string;
}

export interface Chunk {
  index: number;
  /**
   * What gets embedded and indexed: the breadcrumb line (title and headings, e.g. "Docs > Install > Helm") and a
   * blank line when there is a title or heading, then the content.
   */
  text: string;
  /** Exact token count of `text`. */
  tokens: number;
  /** Heading trail of the section the chunk comes from (without the title), e.g. ['Install', 'Helm']. */
  headings: string[];
}

export interface Chunker {
  readonly maxTokens: number;
  readonly overlapTokens: number;
  chunk(input: ChunkInput): Chunk[];
}

export const DEFAULT_MAX_TOKENS = 256;
export const DEFAULT_OVERLAP_TOKENS = 32;
/** Room for a breadcrumb and for any single character (up to 4 UTF-8 bytes, so up to 4 tokens). */
export const MIN_MAX_TOKENS = 16;
const FORMATS: readonly ChunkFormat[] = ['text', 'markdown', 'html'];
const LINE_BREAK = /[\n\r\v\f\u0085\u2028\u2029]/;

/** A unit of packing: `text[s, e)`, never ending with whitespace (code lines keep their indentation). */
interface Atom {
  s: number;
  e: number;
  /** Tokens of the atom together with the whitespace before it (from the previous atom's end). */
  joined: number;
  /** Tokens of the atom alone, counted lazily (-1 until needed). */
  alone: number;
  /**
   * The whitespace before it is non-empty and has no line break. Then pieces split exactly there (the cl100k
   * family's pre-tokenizer never lets a piece run from non-space into a following space or tab), so token counts
   * add up: count(a + " " + b) = count(a) + count(" " + b), and a packed piece needs no recount.
   */
  safe: boolean;
}

interface Piece {
  text: string;
  tokens: number;
}

/** How pieces of one block are rendered and where an overlap may start. */
interface BlockShape {
  text: string;
  /** Extra tokens the rendering adds around a span (code fences), as an estimate; the result is recounted. */
  overhead: number;
  render(s: number, e: number): string;
  /** Overlap tails start at word starts (prose) or line starts (code). */
  lines: boolean;
}

function validationError(message: string, details?: unknown): AppError {
  return new AppError('VALIDATION_FAILED', message, details);
}

/**
 * Splits documents into self-describing chunks of at most `maxTokens` tokens.
 *
 * Markdown and HTML are cut into sections at their headings and a chunk never spans two sections; every chunk
 * starts with its breadcrumb (title > headings). Within a section, blocks (paragraphs, lists, tables, fenced code)
 * are packed whole while they fit; a block that does not fit is split at sentence boundaries (code: at lines),
 * then at words, then inside a word, with `overlapTokens` of overlap between consecutive pieces. A document that
 * fits in one chunk is exactly one chunk. Output is deterministic, and no chunk is empty.
 *
 * Cost: each sentence is counted once with the whitespace before it; a piece of sentences separated by spaces is
 * then exact by addition, so only pieces with line breaks inside, overlaps and piece starts are counted again.
 */
export function createChunker(options: ChunkerOptions): Chunker {
  const maxTokens = options?.maxTokens ?? DEFAULT_MAX_TOKENS;
  const overlapTokens = options?.overlapTokens ?? DEFAULT_OVERLAP_TOKENS;
  const counter = options?.counter;
  const problems: string[] = [];
  if (!counter || typeof counter.count !== 'function' || typeof counter.countUpTo !== 'function') {
    problems.push('counter must be a TokenCounter (e.g. cl100kCounter())');
  }
  if (!Number.isInteger(maxTokens) || maxTokens < MIN_MAX_TOKENS) {
    problems.push(`maxTokens must be an integer ≥ ${MIN_MAX_TOKENS} (got ${String(maxTokens)})`);
  }
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || !(overlapTokens < maxTokens)) {
    problems.push(`overlapTokens must be an integer ≥ 0 and below maxTokens (got ${String(overlapTokens)})`);
  }
  if (problems.length > 0) throw validationError(`invalid chunker options: ${problems.join('; ')}`, { problems });

  const count = (text: string) => counter.count(text);

  /** Exact tokens of `text` if it fits in `budget`, else -1; one pass that stops at the budget. */
  const measure = (text: string, budget: number): number => {
    const n = counter.countUpTo(text, budget);
    return n <= budget ? n : -1;
  };

  /**
   * Breadcrumb line plus blank line, at most a quarter of maxTokens. When too long, leading crumbs give way first
   * ("… > Helm": the deepest heading says most), then the last crumb is cut with an ellipsis.
   */
  const breadcrumb = (crumbs: string[]): Piece => {
    const parts = crumbs.filter(Boolean); // titles and headings arrive whitespace-collapsed
    if (parts.length === 0) return { text: '', tokens: 0 };
    const cap = Math.floor(maxTokens / 4);
    for (let k = 0; k < parts.length; k++) {
      const text = `${k > 0 ? '… > ' : ''}${parts.slice(k).join(' > ')}\n\n`;
      const n = measure(text, cap);
      if (n >= 0) return { text, tokens: n };
    }
    const last = Array.from(parts[parts.length - 1]);
    const lead = parts.length > 1 ? '… > ' : '';
    const cut = (k: number) => `${lead}${last.slice(0, k).join('').trimEnd()}…\n\n`;
    let lo = 0;
    let hi = last.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (counter.fitsWithin(cut(mid), cap)) lo = mid;
      else hi = mid - 1;
    }
    return lo > 0 ? { text: cut(lo), tokens: count(cut(lo)) } : { text: '', tokens: 0 };
  };

  // ---- atoms -------------------------------------------------------------------------------------------------

  const atomOf = (text: string, s: number, e: number, prevEnd: number): Atom => {
    let safe = prevEnd < s;
    for (let k = prevEnd; k < s && safe; k++) {
      const c = text.charCodeAt(k);
      if (c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c || c === 0x85 || c === 0x2028 || c === 0x2029) {
        safe = false;
      }
    }
    const joined = count(text.slice(prevEnd, e));
    return { s, e, joined, alone: prevEnd === s ? joined : -1, safe };
  };

  const alone = (text: string, atom: Atom): number => (atom.alone >= 0 ? atom.alone : (atom.alone = count(text.slice(atom.s, atom.e))));

  /** Splits `text[s, e)` (no whitespace inside) into windows of at most `limit` tokens, on code-point boundaries. */
  const windows = (text: string, s: number, e: number, prevEnd: number, limit: number, out: Atom[]) => {
    let before = prevEnd;
    for (let p = s; p < e; ) {
      // Grow the window exponentially until it no longer fits, then binary-search the longest prefix that does.
      // One code point always fits (≤ 4 tokens, limit ≥ 4), so every window makes progress.
      let span = limit * 4;
      let end = Math.min(e, p + span);
      while (end < e && counter.fitsWithin(text.slice(p, end), limit)) end = Math.min(e, p + (span *= 2));
      if (!counter.fitsWithin(text.slice(p, end), limit)) {
        const starts = codePointStarts(text, p, end);
        let lo = 1; // starts[lo] = end of the longest prefix known to fit
        let hi = starts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (counter.fitsWithin(text.slice(p, starts[mid]), limit)) lo = mid;
          else hi = mid - 1;
        }
        end = starts[lo];
      }
      out.push(atomOf(text, p, end, before));
      before = end;
      p = end;
    }
  };

  /**
   * Atoms of a sentence that does not fit: its words (each kept whole up to `budget` tokens), and windows of at
   * most `limit` tokens inside any longer word (smaller, so an overlap fits before each).
   */
  const words = (text: string, s: number, e: number, prevEnd: number, budget: number, limit: number, out: Atom[]) => {
    let p = s;
    let before = prevEnd;
    while (p < e && isSpace(text.charCodeAt(p))) p++;
    while (p < e) {
      let q = p;
      while (q < e && !isSpace(text.charCodeAt(q))) q++;
      const atom = atomOf(text, p, q, before);
      if (atom.joined <= budget && alone(text, atom) <= budget) out.push(atom);
      else windows(text, p, q, before, limit, out);
      before = q;
      p = q;
      while (p < e && isSpace(text.charCodeAt(p))) p++;
    }
  };

  /** Sentence atoms of prose (or line atoms of code); sentences over `budget` become words of at most `limit`. */
  const atomize = (shape: BlockShape, budget: number, limit: number): Atom[] => {
    const { text } = shape;
    const spans = shape.lines ? lineSpans(text) : sentenceSpans(text);
    const atoms: Atom[] = [];
    let prevEnd = spans.length > 0 ? spans[0] : 0;
    for (let k = 0; k < spans.length; k += 2) {
      const atom = atomOf(text, spans[k], spans[k + 1], prevEnd);
      if (atom.joined <= budget && (atom.joined < budget - 8 || alone(text, atom) <= budget)) atoms.push(atom);
      else words(text, spans[k], spans[k + 1], prevEnd, budget, limit, atoms);
      prevEnd = spans[k + 1];
    }
    return atoms;
  };

  /** The longest proper suffix of `text[s, e)` with at most `limit` tokens, starting at a word (or line) start. */
  const tail = (shape: BlockShape, s: number, e: number, limit: number): Piece & { start: number } => {
    const { text } = shape;
    const none = { start: e, text: '', tokens: 0 };
    if (limit <= 0) return none;
    const boundary = (k: number) => (shape.lines ? text.charCodeAt(k - 1) === 0x0a : isSpace(text.charCodeAt(k - 1)));
    // Walk back over whole words (or lines) while ~4 characters a token says they fit, then check exactly (and
    // give words back until they do). Counting each word instead costs thousands of tiny counts per corpus.
    let start = e;
    const reach = Math.max(s + 1, e - limit * 4);
    for (let q = e; q > s; ) {
      let w = q;
      while (w > s && !boundary(w)) w--;
      if (w <= s || (w < reach && start < e)) break; // never the whole previous piece
      start = w;
      q = w;
      while (q > s && isSpace(text.charCodeAt(q - 1))) q--;
    }
    while (start < e) {
      const tokens = count(text.slice(start, e));
      if (tokens <= limit) return { start, text: text.slice(start, e), tokens };
      do start++;
      while (start < e && !(boundary(start) && (shape.lines || !isSpace(text.charCodeAt(start)))));
    }
    // No whole word fits. Overlap inside a word only where the piece was cut inside one (a word longer than a
    // chunk); a piece that ends at a word's end simply gets no overlap.
    if (shape.lines || e >= text.length || isSpace(text.charCodeAt(e))) return none;
    let wordStart = e;
    while (wordStart > s && !isSpace(text.charCodeAt(wordStart - 1))) wordStart--;
    const starts = codePointStarts(text, Math.max(wordStart, s + 1, e - limit * 16), e);
    let lo = 0;
    let hi = starts.length - 1; // starts[hi] (= e) is the empty suffix, which fits
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (counter.fitsWithin(text.slice(starts[mid], e), limit)) hi = mid;
      else lo = mid + 1;
    }
    if (hi >= starts.length - 1) return none;
    const suffix = text.slice(starts[hi], e);
    return { start: starts[hi], text: suffix, tokens: count(suffix) };
  };

  /** Packs atoms greedily into pieces of at most `budget` tokens, each after the first opening with an overlap. */
  const pack = (shape: BlockShape, atoms: Atom[], budget: number, overlap: number): Piece[] => {
    const { text } = shape;
    const pieces: Piece[] = [];
    let prev: { s: number; e: number } | undefined;
    next: for (let i = 0; i < atoms.length; ) {
      const first = atoms[i];
      let start = first.s;
      let tokens = 0;
      let exact = shape.overhead === 0;
      if (prev && overlap > 0) {
        const t = tail(shape, prev.s, prev.e, overlap);
        if (t.tokens > 0 && shape.overhead + t.tokens + first.joined <= budget) {
          start = t.start;
          tokens = shape.overhead + t.tokens + first.joined;
          exact &&= first.safe;
        }
      }
      if (start === first.s) {
        tokens = shape.overhead + alone(text, first);
        if (tokens > budget) {
          splitAtom(shape, atoms, i, budget);
          continue;
        }
      }
      let j = i + 1;
      while (j < atoms.length && tokens + atoms[j].joined <= budget) {
        tokens += atoms[j].joined;
        exact &&= atoms[j].safe;
        j++;
      }
      let rendered = shape.render(start, atoms[j - 1].e);
      if (!exact) {
        // Counts did not provably add up (line breaks, cuts inside words, fences): count the piece itself and
        // give back atoms, then the overlap, until it fits.
        for (;;) {
          tokens = count(rendered);
          if (tokens <= budget) break;
          if (j - 1 > i) j--;
          else if (start !== first.s) start = first.s;
          else {
            splitAtom(shape, atoms, i, budget);
            continue next;
          }
          rendered = shape.render(start, atoms[j - 1].e);
        }
      }
      pieces.push({ text: rendered, tokens });
      prev = { s: start, e: atoms[j - 1].e };
      i = j;
    }
    return pieces;
  };

  /** Replaces an atom that does not fit on its own with smaller ones (words, then windows inside a word). */
  const splitAtom = (shape: BlockShape, atoms: Atom[], i: number, budget: number) => {
    const atom = atoms[i];
    const limit = Math.max(4, Math.floor(Math.min(budget - shape.overhead, alone(shape.text, atom)) / 2));
    const parts: Atom[] = [];
    words(shape.text, atom.s, atom.e, i > 0 ? atoms[i - 1].e : atom.s, limit, limit, parts);
    if (parts.length <= 1) {
      // A single code point with fences that still does not fit: only an absurd fence line gets here.
      throw new AppError('INTERNAL', `cannot fit one character into a ${budget}-token chunk`, { budget });
    }
    atoms.splice(i, 1, ...parts);
  };

  /** One block as pieces that each fit `budget`. `tooBig` is a text already known not to fit. */
  const blockPieces = (block: Block, budget: number, tooBig: string | undefined): Piece[] => {
    const overlap = Math.min(overlapTokens, Math.floor(budget / 2));
    const prose: BlockShape = { text: block.text, overhead: 0, render: (s, e) => block.text.slice(s, e), lines: false };
    if (!block.code && !LINE_BREAK.test(block.text)) {
      // One line of prose (a typical abstract or paragraph): its sentences, each counted once with the space
      // before it, add up exactly, so packing them yields one piece exactly when the block fits.
      const atoms = atomize(prose, budget, budget - overlap);
      if (atoms.every((a, k) => k === 0 || a.safe)) return pack(prose, atoms, budget, overlap);
      const n = block.text === tooBig ? -1 : measure(block.text, budget);
      return n >= 0 ? [{ text: block.text, tokens: n }] : pack(prose, atoms, budget, overlap);
    }
    const n = block.text === tooBig ? -1 : measure(block.text, budget);
    if (n >= 0) return [{ text: block.text, tokens: n }];
    if (block.code) {
      const code: CodeFence = block.code;
      const overhead = count(`${code.open}\n`) + count(`\n${code.close}`);
      const room = budget - overhead;
      if (room >= MIN_MAX_TOKENS / 2) {
        const shape: BlockShape = {
          text: code.body,
          overhead,
          render: (s, e) => `${code.open}\n${code.body.slice(s, e)}\n${code.close}`,
          lines: true,
        };
        return pack(shape, atomize(shape, room, room - Math.min(overlap, Math.floor(room / 2))), budget, overlap);
      }
    }
    return pack(prose, atomize(prose, budget, budget - overlap), budget, overlap);
  };

  /** Pieces of one section joined with blank lines into chunk bodies of at most `budget` tokens. */
  const sectionBodies = (section: Section, budget: number, tooBig: string | undefined): Piece[] => {
    const pieces = section.blocks.flatMap((b) => blockPieces(b, budget, tooBig));
    const bodies: Piece[] = [];
    for (let i = 0; i < pieces.length; ) {
      let estimate = pieces[i].tokens;
      let j = i + 1;
      while (j < pieces.length && estimate + 1 + pieces[j].tokens <= budget) estimate += 1 + pieces[j++].tokens;
      for (;;) {
        if (j === i + 1) {
          bodies.push(pieces[i]);
          break;
        }
        const text = pieces
          .slice(i, j)
          .map((p) => p.text)
          .join('\n\n');
        const tokens = count(text);
        if (tokens <= budget) {
          bodies.push({ text, tokens });
          break;
        }
        j--;
      }
      i = j;
    }
    return bodies;
  };

  return {
    maxTokens,
    overlapTokens,
    chunk(input: ChunkInput): Chunk[] {
      if (!input || typeof input.text !== 'string') throw validationError('chunk input needs a text string');
      const format = input.format ?? 'text';
      if (!FORMATS.includes(format)) {
        throw validationError(`format must be one of ${FORMATS.join(', ')} (got ${String(format)})`);
      }
      if (input.title !== undefined && typeof input.title !== 'string') throw validationError('title must be a string');
      const title = collapseWhitespace(input.title ?? '');

      const text = normalizeLines(input.text);
      const sections =
        format === 'markdown' ? parseMarkdown(text) : format === 'html' ? parseHtml(text) : parsePlainText(text);
      const whole = format === 'html' ? renderSections(sections) : text;
      if (whole.trim() === '') return [];

      // A document that fits is one chunk, whatever its structure. (A single line of plain text needs no check
      // here: its sentence counts decide exactly, below.)
      const docCrumb = breadcrumb([title]);
      let tooBig: string | undefined;
      const singleLine = format === 'text' && sections.length === 1 && sections[0].blocks.length === 1 && !LINE_BREAK.test(whole);
      if (!singleLine) {
        const wholeTokens = measure(whole, maxTokens - docCrumb.tokens);
        if (wholeTokens >= 0) {
          return [{ index: 0, text: docCrumb.text + whole, tokens: docCrumb.tokens + wholeTokens, headings: [] }];
        }
        tooBig = whole; // never measure it again as a block
      }

      const chunks: Chunk[] = [];
      for (const section of sections) {
        const sameAsTitle = title && section.headings[0]?.toLowerCase() === title.toLowerCase();
        const crumb =
          section.headings.length === 0 ? docCrumb : breadcrumb(sameAsTitle ? section.headings : [title, ...section.headings]);
        for (const body of sectionBodies(section, maxTokens - crumb.tokens, tooBig)) {
          chunks.push({
            index: chunks.length,
            text: crumb.text + body.text,
            tokens: crumb.tokens + body.tokens,
            headings: section.headings,
          });
        }
      }
      return chunks;
    },
  };
}

/** Plain text: one section whose blocks are the paragraphs (separated by blank lines). */
function parsePlainText(text: string): Section[] {
  const blocks = text
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '')
    .map((p) => ({ text: p }));
  return blocks.length > 0 ? [{ headings: [], blocks }] : [];
}

/** Sections back to text, headings as their own lines (used to judge whether an HTML document fits in one chunk). */
function renderSections(sections: Section[]): string {
  const parts: string[] = [];
  let previous: string[] = [];
  for (const section of sections) {
    const own = section.headings.at(-1);
    if (own && section.headings.join('\u0000') !== previous.join('\u0000')) parts.push(own);
    parts.push(...section.blocks.map((b) => b.text));
    previous = section.headings;
  }
  return parts.join('\n\n');
}

/** Non-blank lines as [start, end) spans, indentation included (code keeps its shape). */
function lineSpans(text: string): number[] {
  const spans: number[] = [];
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let e = end;
    while (e > start && isSpace(text.charCodeAt(e - 1))) e--;
    if (e > start) spans.push(start, e);
    start = end + 1;
  }
  return spans;
}

function codePointLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
}

/** Offsets in [from, to) where a code point starts, followed by `to`. */
function codePointStarts(text: string, from: number, to: number): number[] {
  const starts: number[] = [];
  const c = text.charCodeAt(from);
  const start = c >= 0xdc00 && c <= 0xdfff && from > 0 && codePointLength(text, from - 1) === 2 ? from + 1 : from;
  for (let i = start; i < to; ) {
    starts.push(i);
    i += codePointLength(text, i);
  }
  starts.push(to);
  return starts;
}
