import { AppError, systemClock, type Clock, type RequestContext } from '@ragops/contracts';
import type { EmbedKind, Embedder } from '@ragops/rag';
import { createAnalyzer, type Analyzer } from '@ragops/text';
import { CountTable } from './count.table.js';

export interface LocalEmbedderOptions {
  /** Buckets (vector length). Default 384. */
  dimensions?: number;
  /** Default: createAnalyzer() from @ragops/text, the same terms BM25 indexes. */
  analyzer?: Analyzer;
  /** Deadline checks. Default systemClock. */
  clock?: Clock;
}

/**
 * Relative weight of each feature family: unigrams carry the meaning, trigrams add morphology (partial matches),
 * bigrams a little phrase signal. Chosen on BEIR SciFact's train queries (dense-only nDCG@10 at 384 dims:
 * unigrams only 0.431, + trigrams 0.4 → 0.467, + bigrams 0.2 → 0.469; heavier bigrams cost more in collisions
 * than they add at this width).
 */
const UNIGRAM_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.2;
const TRIGRAM_WEIGHT = 0.4;
/** Texts embedded between deadline checks and yields to the event loop (~10 ms of work for abstracts). */
const SLICE = 256;

// FNV-1a 32-bit (offset basis and prime from http://www.isthe.com/chongo/tech/comp/fnv/) over UTF-16 code
// units, with a different start per feature family so "ab" the word and "ab" the trigram land apart.
// Stored vectors depend on these and on the weights above: changing any of them needs a new model name.
const FNV_PRIME = 0x01000193;
const UNIGRAM_SEED = 0x811c9dc5;
const BIGRAM_SEED = fnvString('bigram', 0x811c9dc5);
const TRIGRAM_SEED = fnvString('trigram', 0x811c9dc5);
const BOUNDARY = 0x1f; // unit separator: marks word start/end in trigrams ("<ab", "ab>" in fastText's notation)

/**
 * A dense embedder that needs no model: signed feature hashing ("the hashing trick", Weinberger et al., "Feature
 * Hashing for Large Scale Multitask Learning", ICML 2009) of analyzed word unigrams, word bigrams and the
 * character trigrams of each term (with word-boundary marks, as in fastText) into `dimensions` buckets.
 *
 * Each feature's weight is family weight × (1 + ln tf); its bucket comes from its 32-bit hash and its sign from
 * the top bit of a second hash (the murmur3 finalizer of the first), so collisions cancel in expectation instead
 * of piling up. The vector is L2-normalised; a text with no terms (empty, stopwords only) embeds as zeros.
 * Deterministic across processes and machines. `kind` is ignored: queries and documents share one space.
 *
 * Good enough for lexical-semantic retrieval (matching morphology and phrases, not synonyms), and the default in
 * all-in-one mode; the OpenAI-compatible embedder is the choice for real semantic search.
 */
export class LocalEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  private readonly analyzer: Analyzer;
  private readonly clock: Clock;
  // Scratch space reused from text to text; safe because embedding one text is synchronous.
  private readonly accumulator: Float64Array;
  private readonly unigrams = new CountTable();
  private readonly bigrams = new CountTable();

  /** The model name a local embedder of this size reports (its vectors depend on nothing else). */
  static modelName(dimensions: number): string {
    return `local-hash-${dimensions}`;
  }

  constructor(options: LocalEmbedderOptions = {}) {
    const dimensions = options.dimensions ?? 384;
    if (!Number.isInteger(dimensions) || dimensions < 2 || dimensions > 65_536) {
      throw new AppError('VALIDATION_FAILED', `local embedder dimensions must be an integer in 2..65536, got ${dimensions}`);
    }
    this.dimensions = dimensions;
    this.model = LocalEmbedder.modelName(dimensions);
    this.accumulator = new Float64Array(dimensions);
    this.analyzer = options.analyzer ?? createAnalyzer();
    this.clock = options.clock ?? systemClock;
  }

  async embed(texts: string[], _kind: EmbedKind, ctx: RequestContext): Promise<number[][]> {
    const out: number[][] = new Array(texts.length);
    for (let i = 0; i < texts.length; i++) {
      if (i % SLICE === 0) {
        // In all-in-one mode this shares the event loop with every other service: let them run between slices.
        if (i > 0) await new Promise((resolve) => setImmediate(resolve));
        this.checkDeadline(ctx, i, texts.length);
      }
      out[i] = this.embedOne(texts[i]);
    }
    return out;
  }

  /** One text's vector, synchronously. */
  embedOne(text: string): number[] {
    return this.embedTerms(this.analyzer.analyze(text));
  }

  /**
   * The vector of already analyzed terms (createAnalyzer's output for the text, in order), for a pipeline that
   * analyzes each chunk once for both BM25 and this embedder: analysis is about half the cost of embedding.
   */
  embedTerms(terms: readonly string[]): number[] {
    const acc = this.accumulator;
    acc.fill(0);
    const unigrams = this.unigrams;
    const bigrams = this.bigrams;
    unigrams.reset(terms.length);
    bigrams.reset(terms.length);
    let previous = 0;
    for (let j = 0; j < terms.length; j++) {
      const hash = fnvString(terms[j], UNIGRAM_SEED);
      unigrams.add(hash, j);
      // An ordered pair's hash from the two words' hashes: no second pass over the characters.
      if (j > 0) bigrams.add(pairHash(previous, hash), j);
      previous = hash;
    }

    for (let s = 0; s < unigrams.size; s++) {
      const slot = unigrams.slots[s];
      const weight = 1 + Math.log(unigrams.count(slot));
      addFeature(acc, unigrams.key(slot), UNIGRAM_WEIGHT * weight);
      // Trigrams of "<term>" (once per distinct term, at its tf weight); a one-letter term still yields "<a>".
      const term = terms[unigrams.first(slot)];
      const trigramWeight = TRIGRAM_WEIGHT * weight;
      let c0 = BOUNDARY;
      let c1 = term.charCodeAt(0);
      for (let i = 0; i < term.length; i++) {
        const c2 = i + 1 < term.length ? term.charCodeAt(i + 1) : BOUNDARY;
        const h = Math.imul(Math.imul(Math.imul(TRIGRAM_SEED ^ c0, FNV_PRIME) ^ c1, FNV_PRIME) ^ c2, FNV_PRIME);
        addFeature(acc, h, trigramWeight);
        c0 = c1;
        c1 = c2;
      }
    }
    for (let s = 0; s < bigrams.size; s++) {
      const slot = bigrams.slots[s];
      addFeature(acc, bigrams.key(slot), BIGRAM_WEIGHT * (1 + Math.log(bigrams.count(slot))));
    }

    const dims = this.dimensions;
    let norm = 0;
    for (let i = 0; i < dims; i++) norm += acc[i] * acc[i];
    // No terms, or every feature cancelled out: zeros rather than a division by zero.
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    // Built with push, not `new Array(dims)`: a pre-sized array is "holey" to V8, and structuredClone / JSON of
    // holey arrays is ~4.5x slower (measured: 356 vs 78 ms for SciFact's vectors through the in-process bus).
    const vector: number[] = [];
    for (let i = 0; i < dims; i++) vector.push(acc[i] * scale);
    return vector;
  }

  private checkDeadline(ctx: RequestContext, done: number, total: number): void {
    if (this.clock.now() >= ctx.deadline) {
      throw new AppError('DEADLINE_EXCEEDED', `deadline passed while embedding (${done} of ${total} texts done)`, {
        done,
        total,
      });
    }
  }
}

function addFeature(acc: Float64Array, hash: number, weight: number): void {
  // Bucket from the hash's high bits by multiply-shift (Lemire's "fastrange": floor(h · n / 2^32), exact in doubles
  // for n < 2^21), cheaper than a modulo and using FNV's better-mixed high bits. Sign (±1) from the top bit of a
  // second hash, without a branch: it is a coin flip a branch predictor gets wrong half the time (3x slower).
  acc[((hash >>> 0) * acc.length) / 4294967296 | 0] += weight * ((mix(hash) >> 31) | 1);
}

/** FNV-1a over UTF-16 code units, continuing from `h`; an int32. */
function fnvString(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h | 0;
}

/** Hash of the ordered pair (a, b): order matters, so "cell death" and "death cell" differ. */
function pairHash(a: number, b: number): number {
  return mix(Math.imul(a ^ BIGRAM_SEED, FNV_PRIME) + b);
}

/** murmur3's 32-bit finalizer (fmix32): an avalanche bijection, so its top bit is an independent-looking sign. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
