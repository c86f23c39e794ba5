import { describe, expect, it } from '@jest/globals';
import { packageOf, profileWhile, summarizeProfile, type CpuProfile } from './cpu.profile.js';

describe('packageOf', () => {
  it('names workspace packages, npm packages, node internals and V8 pseudo-frames', () => {
    expect(packageOf('file:///work/main/libs/text/dist/chunker.service.js', 'chunk')).toBe('@ragops/text');
    expect(packageOf('file:///work/main/services/gateway/dist/main.js', 'x')).toBe('@ragops/gateway');
    expect(packageOf('file:///work/main/node_modules/@nestjs/core/router/x.js', 'f')).toBe('@nestjs/core');
    expect(packageOf('file:///work/main/node_modules/zod/v4/core/schemas.js', 'f')).toBe('zod');
    expect(packageOf('node:internal/worker/js_transferable', 'structuredClone')).toBe('node internals');
    expect(packageOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(packageOf('', 'writev')).toBe('(native) writev');
  });
});

describe('summarizeProfile', () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 3] },
      { id: 2, callFrame: frame('analyze', 'file:///r/libs/text/dist/analyzer.service.js'), children: [] },
      { id: 3, callFrame: frame('(idle)', ''), children: [] },
    ],
    startTime: 0,
    endTime: 1000,
    // Sample i stands for the time until the next sample: 2 → 300 µs + 100 µs, 3 → 600 µs.
    samples: [2, 2, 3, 2],
    timeDeltas: [0, 300, 600, 100],
  };

  it('adds each sample interval to the frame that was sampled, by package and by function', () => {
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBeCloseTo(1.0);
    expect(s.byPackage.map((p) => p.name)).toEqual(['@ragops/text', '(idle)']);
    expect(s.byPackage[0]!.ms).toBeCloseTo(0.9);
    expect(s.byPackage[0]!.share).toBeCloseTo(0.9);
    expect(s.byPackage[1]!.ms).toBeCloseTo(0.1);
    expect(s.byFunction[0]!.name).toContain('analyze');
  });

  it('profiles real work in this process', async () => {
    const { result, profile: real } = await profileWhile(async () => {
      let x = 0;
      for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
      return x;
    });
    expect(result).toBeGreaterThan(0);
    expect(real.nodes.length).toBeGreaterThan(1);
    expect(summarizeProfile(real).totalMs).toBeGreaterThan(0);
  });
});
