import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { AppError } from '@ragops/contracts';
import { BytePairEncoder, type BpeRanks } from './byte-pair.encoder.js';
import { CL100K_PATTERN, cl100kPieceEnd } from './cl100k.pretokenizer.js';
import { SPAN_HASH_SEED, SpanCache } from './span.cache.js';

/** Counts and splits model tokens. Chunking and prompt budgets are measured in these, not characters. */
export interface TokenCounter {
  readonly encoding: string;
  count(text: string): number;
  /**
   * Whether `text` has at most `maxTokens` tokens: exactly `count(text) <= maxTokens`, but answers short texts
   * without encoding (a token is at least one UTF-8 byte) and stops counting long ones at the limit.
   */
  fitsWithin(text: string, maxTokens: number): boolean;
  /**
   * `count(text)` when that is at most `limit`; otherwise some number above `limit` (counting stops there). One
   * pass for "does it fit, and if so how many tokens", where fitsWithin + count would encode twice.
   */
  countUpTo(text: string, limit: number): number;
  encode(text: string): number[];
  decode(tokens: number[]): string;
}

/**
 * A tiktoken-compatible counter: splits text with the encoding's pre-tokenizer regex, then byte-pair encodes each
 * piece. Identical output to js-tiktoken's `Tiktoken.encode(text, [], [])` (the spec checks it; so do all of SciFact
 * and NFCorpus), ~25x faster (SciFact: ~11 M tokens/s against 0.4 M): cl100k's pre-tokenizer is a hand-written scan,
 * pieces repeat heavily in real text so their tokens are memoised (bounded), a piece is never sliced out of the text
 * on a cache hit, and long pieces merge in O(n log n).
 *
 * Special-token strings such as `<|endoftext|>` inside user text are encoded as ordinary text (tiktoken's
 * `encode_ordinary`); js-tiktoken's default `encode(text)` would throw on them instead.
 */
class BpeTokenCounter implements TokenCounter {
  private readonly bpe: BytePairEncoder;
  private readonly pattern: RegExp;
  /** cl100k's pattern has a hand-written equivalent scanner (cl100k.pretokenizer.ts). */
  private readonly scan: boolean;
  private readonly pieces = new SpanCache<readonly number[]>(1 << 17, 64);
  private readonly scratch: number[] = [];

  constructor(
    readonly encoding: string,
    ranks: BpeRanks,
  ) {
    this.bpe = new BytePairEncoder(ranks);
    // The pattern matches at every position (letters, digits, whitespace and "anything else" each have a branch),
    // so sticky test() calls walk the text piece by piece with no gaps.
    this.pattern = new RegExp(ranks.pat_str, 'uy');
    this.scan = ranks.pat_str === CL100K_PATTERN;
  }

  count(text: string): number {
    return this.walk(text, NO_LIMIT, null);
  }

  fitsWithin(text: string, maxTokens: number): boolean {
    if (!(maxTokens >= 0)) return false;
    if (text.length * 3 <= maxTokens) return true; // a UTF-16 unit is at most 3 UTF-8 bytes
    if (utf8LengthUpTo(text, maxTokens) <= maxTokens) return true;
    return this.countUpTo(text, maxTokens) <= maxTokens;
  }

  countUpTo(text: string, limit: number): number {
    // A negative or NaN limit admits nothing: the walk stops at once and 0 is "above" it.
    return this.walk(text, limit >= 0 ? Math.min(Math.floor(limit), NO_LIMIT) : -1, null);
  }

  encode(text: string): number[] {
    const out: number[] = [];
    this.walk(text, NO_LIMIT, out);
    return out;
  }

  decode(tokens: number[]): string {
    return this.bpe.decode(tokens);
  }

  /** Counts tokens of `text` (stopping once past `limit`), appending them to `out` when given. */
  private walk(text: string, limit: number, out: number[] | null): number {
    const cache = this.pieces;
    const n = text.length;
    let total = 0;
    for (let start = 0; start < n && total <= limit; ) {
      const end = this.scan ? cl100kPieceEnd(text, start) : this.regexPieceEnd(text, start);
      let h = SPAN_HASH_SEED;
      let ascii = true;
      for (let i = start; i < end; i++) {
        const c = text.charCodeAt(i);
        if (c > 0x7f) ascii = false;
        h = Math.imul(h ^ c, 0x01000193);
      }
      const tokens = cache.get(text, start, end, h) ?? this.encodeMiss(text, start, end, h, ascii);
      total += tokens.length;
      if (out) for (const t of tokens) out.push(t);
      start = end;
    }
    return total;
  }

  /** Byte-pair encodes a piece the cache does not hold, and caches it. */
  private encodeMiss(text: string, start: number, end: number, hash: number, ascii: boolean): readonly number[] {
    const piece = text.slice(start, end);
    const scratch = this.scratch;
    scratch.length = 0;
    this.bpe.encodePiece(ascii ? piece : this.bpe.toBytes(piece), scratch);
    const tokens = scratch.slice();
    this.pieces.set(text, start, end, hash, tokens);
    return tokens;
  }

  private regexPieceEnd(text: string, start: number): number {
    this.pattern.lastIndex = start;
    if (!this.pattern.test(text)) {
      // tiktoken patterns match at every position; failing loudly beats silently dropping text.
      throw new AppError('INTERNAL', `the ${this.encoding} pre-tokenizer did not match at offset ${start}`);
    }
    return this.pattern.lastIndex;
  }
}

/** UTF-8 byte length of `text`, or some value above `limit` as soon as it is known to exceed it. */
function utf8LengthUpTo(text: string, limit: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3; // lone surrogate → U+FFFD
    } else bytes += 3;
  }
  return bytes;
}

/** "No limit" as a small integer, so walk() always compares integers. */
const NO_LIMIT = 0x3fffffff;

let cached: TokenCounter | undefined;

/** cl100k_base (OpenAI's GPT-4-family tokenizer), a reasonable proxy for other BPE models' token counts. */
export function cl100kCounter(): TokenCounter {
  cached ??= new BpeTokenCounter('cl100k_base', cl100k);
  return cached;
}
