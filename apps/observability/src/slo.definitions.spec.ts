import { describe, expect, it } from '@jest/globals';
import { HTTP_BUCKETS } from '@ragops/telemetry';
import { AVAILABILITY, BURN_RATE_TIERS, LATENCY, LATENCY_THRESHOLD_SECONDS, SLI_WINDOWS, windowHours } from './slo.definitions.js';

describe('SLO definitions', () => {
  it('derives the workbook burn rates from budget share, period and window: 14.4x/1h, 6x/6h, 1x/3d', () => {
    expect(BURN_RATE_TIERS.map((t) => [t.severity, t.factor, t.longWindow, t.shortWindow])).toEqual([
      ['page', 14.4, '1h', '5m'],
      ['page', 6, '6h', '30m'],
      ['ticket', 1, '3d', '6h'],
    ]);
    for (const t of BURN_RATE_TIERS) expect(windowHours(t.shortWindow) * 12).toBeCloseTo(windowHours(t.longWindow));
  });

  it('records the SLIs at every alert window and at the 30-day period, shortest first', () => {
    expect(SLI_WINDOWS).toEqual(['5m', '30m', '1h', '6h', '3d', '30d']);
  });

  it('reads the latency threshold from a bucket the HTTP histogram has', () => {
    expect(HTTP_BUCKETS).toContain(LATENCY_THRESHOLD_SECONDS);
    expect(LATENCY.errorRatio('5m')).toContain(`le="${LATENCY_THRESHOLD_SECONDS}"`);
  });

  it('targets 99.9% availability and 99% latency', () => {
    expect(AVAILABILITY.objective).toBe(0.999);
    expect(LATENCY.objective).toBe(0.99);
  });

  it('rejects windows it cannot convert', () => {
    expect(() => windowHours('5w')).toThrow('unsupported window');
    expect(() => windowHours('1h30m')).toThrow('unsupported window');
  });
});
