import { describe, expect, it } from '@jest/globals';
import { runFromValues } from './run.fixture.js';
import { runHistory } from './run.history.js';

const at = (id: string, createdAt: string, m: number, options: { version?: string; name?: string; variant?: string } = {}) =>
  runFromValues({ q1: { m, other: 1 } }, { id, createdAt, variant: options.variant, dataset: { name: options.name ?? 'tiny', version: options.version ?? 'sha256:a' } });

describe('runHistory', () => {
  const runs = [
    at('r3', '2026-11-03T00:00:00Z', 0.7),
    at('r1', '2026-11-01T00:00:00Z', 0.5),
    at('r2', '2026-11-02T00:00:00Z', 0.75, { version: 'sha256:b' }),
    at('r4', '2026-11-04T00:00:00Z', 0.6, { variant: 'topk-1' }),
    at('x1', '2026-11-02T12:00:00Z', 0.1, { name: 'other' }),
    runFromValues({ q1: { unrelated: 1 } }, { id: 'no-metric' }),
  ];

  it('lists runs with the metric oldest first, each change against the previous run on the same dataset version', () => {
    const rows = runHistory(runs, 'm', { dataset: 'tiny' });
    expect(rows.map((r) => [r.id, r.mean, r.change === null ? null : Number(r.change.toFixed(10))])).toEqual([
      ['r1', 0.5, null],
      ['r2', 0.75, null], // another dataset version: no change figure
      ['r3', 0.7, 0.2],
      ['r4', 0.6, -0.1],
    ]);
    expect(rows[0]).toMatchObject({ n: 1, dataset: 'tiny', datasetVersion: 'sha256:a', variant: 'default' });
  });

  it('filters by dataset and variant, and skips runs without the metric', () => {
    expect(runHistory(runs, 'm').map((r) => r.id)).toEqual(['r1', 'r2', 'x1', 'r3', 'r4']);
    expect(runHistory(runs, 'm', { variant: 'topk-1' }).map((r) => r.id)).toEqual(['r4']);
    expect(runHistory(runs, 'missing')).toEqual([]);
    expect(runHistory([], 'm')).toEqual([]);
  });

  it('orders runs made at the same instant by id', () => {
    const same = [at('b', '2026-11-01T00:00:00Z', 1), at('a', '2026-11-01T00:00:00Z', 2)];
    expect(runHistory(same, 'm').map((r) => r.id)).toEqual(['a', 'b']);
  });
});
