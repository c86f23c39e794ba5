import { describe, expect, it } from '@jest/globals';
import { reciprocalRankFusion } from './rrf.fusion.js';

describe('reciprocalRankFusion', () => {
  it('sums w / (k + rank) over the lists, rank 1-based', () => {
    const fused = reciprocalRankFusion([['a', 'b'], ['b', 'c']], 60);
    expect(fused.map((f) => f.id)).toEqual(['b', 'a', 'c']);
    expect(fused[0].score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[1].score).toBeCloseTo(1 / 61, 12);
  });

  it('weights lists and keeps first-seen order on ties', () => {
    expect(reciprocalRankFusion([['a'], ['b']], 60, [1, 2]).map((f) => f.id)).toEqual(['b', 'a']);
    expect(reciprocalRankFusion([['a'], ['b']]).map((f) => f.id)).toEqual(['a', 'b']);
  });
});
