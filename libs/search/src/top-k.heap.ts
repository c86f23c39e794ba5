import { AppError } from '@ragops/contracts';

export interface Scored {
  key: number;
  score: number;
}

/**
 * Keeps the K best (key, score) pairs seen so far: a bounded min-heap on parallel typed arrays, so pushing a million
 * candidates allocates nothing. The root is the worst kept entry; a candidate only enters by beating it.
 * Order is score descending, ties by smaller key, so results are deterministic whatever the insertion order.
 * Reusable: `drain()` empties it.
 */
export class TopKHeap {
  private readonly keys: Float64Array;
  private readonly scores: Float64Array;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new AppError('VALIDATION_FAILED', `topK must be a non-negative integer, got ${capacity}`);
    }
    this.keys = new Float64Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Whether (key, score) would enter the heap: lets callers skip work for candidates that cannot make the cut. */
  accepts(key: number, score: number): boolean {
    if (this.count < this.capacity) return true;
    if (this.capacity === 0) return false;
    return this.worse(this.scores[0], this.keys[0], score, key);
  }

  push(key: number, score: number): void {
    if (this.count < this.capacity) {
      this.siftUp(this.count++, key, score);
    } else if (this.capacity > 0 && this.worse(this.scores[0], this.keys[0], score, key)) {
      this.siftDown(0, key, score);
    }
  }

  /** The kept entries, best first; leaves the heap empty. */
  drain(): Scored[] {
    const out: Scored[] = new Array(this.count);
    // Repeatedly pop the worst into the back of the array.
    for (let i = this.count - 1; i >= 0; i--) {
      out[i] = { key: this.keys[0], score: this.scores[0] };
      const last = --this.count;
      if (last > 0) this.siftDown(0, this.keys[last], this.scores[last]);
    }
    return out;
  }

  /** a ranks below b: lower score, or equal score and larger key. */
  private worse(aScore: number, aKey: number, bScore: number, bKey: number): boolean {
    return aScore < bScore || (aScore === bScore && aKey > bKey);
  }

  private siftUp(i: number, key: number, score: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(score, key, this.scores[parent], this.keys[parent])) break;
      this.keys[i] = this.keys[parent];
      this.scores[i] = this.scores[parent];
      i = parent;
    }
    this.keys[i] = key;
    this.scores[i] = score;
  }

  private siftDown(i: number, key: number, score: number): void {
    const n = this.count;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.worse(this.scores[right], this.keys[right], this.scores[child], this.keys[child])) child = right;
      if (!this.worse(this.scores[child], this.keys[child], score, key)) break;
      this.keys[i] = this.keys[child];
      this.scores[i] = this.scores[child];
      i = child;
    }
    this.keys[i] = key;
    this.scores[i] = score;
  }
}
