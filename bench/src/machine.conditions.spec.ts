import { describe, expect, it } from '@jest/globals';
import { formatConditions, machineConditions, markdownTable } from './machine.conditions.js';

describe('formatConditions', () => {
  const machine = { cpu: 'Test CPU', cores: 2, loadAverage: [1.5, 1, 0.5] as [number, number, number], memoryGiB: 24, node: 'v22.23.3', platform: 'linux-x64', revision: 'abc1234' };

  it('prints machine, load, node and every setting', () => {
    const text = formatConditions('Title', { corpus: '5183 docs', runs: 3 }, machine);
    expect(text).toContain('# Title');
    expect(text).toContain('Test CPU × 2 cores');
    expect(text).toContain('1.50 / 1.00 / 0.50');
    expect(text).toContain('v22.23.3');
    expect(text).toContain('abc1234');
    expect(text).toMatch(/corpus\s+5183 docs/);
    expect(text).toMatch(/runs\s+3/);
  });

  it('says when the machine was busy before the run', () => {
    expect(formatConditions('T', {}, machine)).toContain('shared');
    expect(formatConditions('T', {}, { ...machine, loadAverage: [0.2, 0.2, 0.2] })).not.toContain('shared');
  });

  it('reads this machine', () => {
    const m = machineConditions();
    expect(m.cores).toBeGreaterThan(0);
    expect(m.node).toBe(process.version);
  });
});

describe('markdownTable', () => {
  it('aligns columns under a header and a separator line', () => {
    const lines = markdownTable(['a', 'long header'], [[1, 'x'], ['wide cell', 2]]).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^\| -+ \| -+ \|$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});
