/**
 * mulberry32: a tiny, fast 32-bit seeded PRNG returning floats in [0, 1), so bootstrap resampling is reproducible
 * from a seed. Algorithm by Tommy Ettinger (public domain), as collected in bryc's "code/jshash/PRNGs.md"
 * (https://github.com/bryc/code/blob/master/jshash/PRNGs.md#mulberry32). Not for anything security-related.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
