import { AppError } from '@ragops/contracts';

/** The rank file shape js-tiktoken ships (`js-tiktoken/ranks/*`). */
export interface BpeRanks {
  pat_str: string;
  special_tokens: Record<string, number>;
  bpe_ranks: string;
}

const RANK_SHIFT = 2 ** 23; // heap key = rank * RANK_SHIFT + byte offset; ranks < 2^29 and offsets < 2^23 stay exact
const MAX_HEAP_PIECE = RANK_SHIFT;
const PAIR_SHIFT = 2 ** 20; // pair key = left token * PAIR_SHIFT + right token (vocabularies below 2^20 tokens)
const MAX_PAIRS = 1 << 20;

/**
 * Byte-pair encoding of one pre-tokenized piece, equal to js-tiktoken's `bytePairEncode` (the reference in the
 * spec) but O(n log n): js-tiktoken rescans every pair after each merge (quadratic or worse), which a single
 * 100 kB word without spaces turns into minutes. Byte strings are kept as Latin-1 strings (one char per byte), so
 * rank lookups need no `join(',')`.
 */
export class BytePairEncoder {
  private readonly ranks = new Map<string, number>();
  private readonly bytesOf: string[] = [];
  /** Token of each single byte (every tiktoken vocabulary has all 256). */
  private readonly byteToken = new Int32Array(256);
  /**
   * Memo of "the token two adjacent tokens merge into" (-1: none). Merging by token pairs instead of looking up
   * sliced byte strings makes first-time encoding of a piece ~3x faster. Bounded: cleared when full.
   */
  private pairs = new Map<number, number>();
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8');

  constructor(source: BpeRanks) {
    for (const line of source.bpe_ranks.split('\n')) {
      if (!line) continue;
      const fields = line.split(' ');
      const offset = Number.parseInt(fields[1], 10);
      for (let i = 2; i < fields.length; i++) {
        const bytes = atob(fields[i]);
        this.ranks.set(bytes, offset + i - 2);
        this.bytesOf[offset + i - 2] = bytes;
      }
    }
    // Special tokens are never produced by encode (text is encoded as ordinary text), but decode accepts them.
    for (const [text, rank] of Object.entries(source.special_tokens)) this.bytesOf[rank] = this.toBytes(text);
    for (let b = 0; b < 256; b++) {
      const rank = this.ranks.get(String.fromCharCode(b));
      if (rank === undefined || rank >= PAIR_SHIFT) {
        throw new AppError('INTERNAL', 'a byte-pair vocabulary must have a token for every byte and fewer than 2^20 tokens');
      }
      this.byteToken[b] = rank;
    }
  }

  /** UTF-8 bytes of `text` as a Latin-1 string (lone surrogates become U+FFFD, as TextEncoder does). */
  toBytes(text: string): string {
    const bytes = this.encoder.encode(text);
    let out = '';
    for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return out;
  }

  /** Appends the tokens of one piece (its UTF-8 bytes as a Latin-1 string) to `out`. */
  encodePiece(piece: string, out: number[]): void {
    const whole = this.ranks.get(piece);
    if (whole !== undefined) {
      out.push(whole);
      return;
    }
    const n = piece.length;
    if (n >= MAX_HEAP_PIECE) {
      // Cannot occur under the document size limit; bytes are still valid tokens.
      for (let i = 0; i < n; i++) out.push(this.byteToken[piece.charCodeAt(i)]);
      return;
    }
    this.merge(piece, n, out);
  }

  /** The token that tokens `a` and `b` merge into, or -1. */
  private pair(a: number, b: number): number {
    const key = a * PAIR_SHIFT + b;
    let merged = this.pairs.get(key);
    if (merged === undefined) {
      merged = this.ranks.get(this.bytesOf[a] + this.bytesOf[b]) ?? -1;
      if (this.pairs.size >= MAX_PAIRS) this.pairs = new Map();
      this.pairs.set(key, merged);
    }
    return merged;
  }

  private merge(piece: string, n: number, out: number[]): void {
    // Parts are a linked list of start offsets holding their token; next[i] === -1 marks a part merged into its
    // left neighbour. A part's bytes are always one token: parts only merge when their concatenation is one.
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const token = new Int32Array(n);
    const pairRank = new Int32Array(n); // token (= rank) that the part at i and its right neighbour make, -1 if none
    const heap: number[] = [];
    for (let i = 0; i < n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
      token[i] = this.byteToken[piece.charCodeAt(i)];
    }
    for (let i = 0; i + 1 < n; i++) {
      pairRank[i] = this.pair(token[i], token[i + 1]);
      if (pairRank[i] >= 0) heapPush(heap, pairRank[i] * RANK_SHIFT + i);
    }
    pairRank[n - 1] = -1;
    // The lowest rank merges first, the leftmost on ties (same order as the reference's linear scan). Entries whose
    // pair has changed since they were pushed are stale: ranks are unique per byte string, so a changed pair has a
    // different rank.
    while (heap.length > 0) {
      const key = heapPop(heap);
      const rank = Math.floor(key / RANK_SHIFT);
      const i = key - rank * RANK_SHIFT;
      if (next[i] === -1 || pairRank[i] !== rank) continue;
      const j = next[i];
      const k = next[j];
      token[i] = rank;
      next[i] = k;
      next[j] = -1;
      if (k < n) prev[k] = i;
      pairRank[i] = k < n ? this.pair(rank, token[k]) : -1;
      if (pairRank[i] >= 0) heapPush(heap, pairRank[i] * RANK_SHIFT + i);
      const p = prev[i];
      if (p >= 0) {
        pairRank[p] = this.pair(token[p], rank);
        if (pairRank[p] >= 0) heapPush(heap, pairRank[p] * RANK_SHIFT + p);
      }
    }
    for (let i = 0; i < n; i = next[i]) out.push(token[i]);
  }

  decode(tokens: readonly number[]): string {
    let bytes = '';
    for (const token of tokens) {
      const b = this.bytesOf[token];
      if (b === undefined) {
        throw new AppError('VALIDATION_FAILED', `token id ${token} is not in this encoding; decode only ids it produced`);
      }
      bytes += b;
    }
    const buf = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) buf[i] = bytes.charCodeAt(i);
    return this.decoder.decode(buf);
  }
}

function heapPush(heap: number[], value: number): void {
  let i = heap.push(value) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent] <= value) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = value;
}

function heapPop(heap: number[]): number {
  const top = heap[0];
  const last = heap.pop() as number;
  const size = heap.length;
  if (size > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      const c = r < size && heap[r] < heap[l] ? r : l;
      if (heap[c] >= last) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = last;
  }
  return top;
}
