/** FNV-1a offset basis; callers hash while scanning, folding in each UTF-16 unit with `Math.imul(h ^ unit, 0x01000193)`. */
export const SPAN_HASH_SEED = 0x811c9dc5 | 0;

export function spanHash(text: string, start: number, end: number): number {
  let h = SPAN_HASH_SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

const INITIAL_ENTRIES = 1024;

/**
 * A bounded memo keyed by a substring `text[start, end)` that never slices the text on a hit.
 *
 * Why not a Map: tokenizers look up ~1.2–1.4 M words per SciFact pass, and `map.get(text.slice(s, e))` allocates and
 * hashes a fresh string each time (~100 ns a lookup here, more than the scan itself). This table takes a hash the
 * caller computed while scanning, probes linearly, and compares against keys copied into one UTF-16 arena (keeping
 * `slice`d keys would pin whole documents in memory and make the comparison polymorphic). It starts small, doubles
 * up to `maxEntries`, and is then cleared when full, so memory stays bounded; results never depend on what is cached.
 */
export class SpanCache<V> {
  private capacity = 0;
  private mask = 0;
  /**
   * Per slot: [hash, (entry index + 1) << 8 | key length] (0 = empty), adjacent so a probe that fails on the hash
   * or the length touches one cache line.
   */
  private slots = new Int32Array(0);
  private offsets = new Int32Array(0);
  private arena = new Uint16Array(0);
  private values: V[] = [];
  private entries = 0;
  private used = 0;

  constructor(
    readonly maxEntries = 1 << 16,
    /** Longer keys are not stored: they are rare and would crowd the arena. */
    readonly maxKeyLength = 64,
  ) {
    if (maxKeyLength > 255) throw new RangeError('SpanCache keys are at most 255 code units long');
    this.allocate(Math.min(INITIAL_ENTRIES, maxEntries));
  }

  get size(): number {
    return this.entries;
  }

  get(text: string, start: number, end: number, hash: number): V | undefined {
    const len = end - start;
    const { slots, offsets, arena, mask } = this;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const packed = slots[2 * slot + 1];
      if (packed === 0) return undefined;
      if (slots[2 * slot] !== hash || (packed & 0xff) !== len) continue;
      const entry = (packed >>> 8) - 1;
      const offset = offsets[entry];
      let i = 0;
      while (i < len && arena[offset + i] === text.charCodeAt(start + i)) i++;
      if (i === len) return this.values[entry];
    }
  }

  /** Stores `value` for `text[start, end)`; the caller has just missed with get(), so the key is not present. */
  set(text: string, start: number, end: number, hash: number, value: V): void {
    const len = end - start;
    if (len > this.maxKeyLength) return;
    if (this.entries >= this.capacity) {
      if (this.capacity < this.maxEntries) this.grow();
      else this.clear();
    }
    if (this.used + len > this.arena.length) {
      const bigger = new Uint16Array(Math.max(this.arena.length * 2, this.used + len));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
    }
    this.insert(hash, ((this.entries + 1) << 8) | len);
    const entry = this.entries++;
    this.offsets[entry] = this.used;
    for (let i = start; i < end; i++) this.arena[this.used++] = text.charCodeAt(i);
    this.values[entry] = value;
  }

  clear(): void {
    this.slots.fill(0);
    this.values = [];
    this.entries = 0;
    this.used = 0;
  }

  private insert(hash: number, packed: number): void {
    let slot = hash & this.mask;
    while (this.slots[2 * slot + 1] !== 0) slot = (slot + 1) & this.mask;
    this.slots[2 * slot] = hash;
    this.slots[2 * slot + 1] = packed;
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    let size = 2;
    while (size < capacity * 2) size <<= 1; // load factor ≤ 0.5 keeps probe chains short
    this.mask = size - 1;
    this.slots = new Int32Array(size * 2);
    const offsets = new Int32Array(capacity);
    offsets.set(this.offsets.subarray(0, this.entries));
    this.offsets = offsets;
    if (this.arena.length === 0) this.arena = new Uint16Array(capacity * 8);
  }

  private grow(): void {
    const old = this.slots;
    this.allocate(Math.min(this.capacity * 2, this.maxEntries));
    for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== 0) this.insert(old[s], old[s + 1]);
  }
}
