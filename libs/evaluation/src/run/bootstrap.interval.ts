import { pairedBootstrapCI } from '../metrics.aggregate.js';
import { mulberry32 } from '../seeded.random.js';
import type { Aggregate, BootstrapSettings } from './run.schema.js';

/** Defaults for run aggregates, comparisons and gates: 2,000 resamples keep the 95 % bounds stable to ~0.002. */
export const DEFAULT_BOOTSTRAP: BootstrapSettings = { samples: 2000, confidence: 0.95, seed: 1 };

/**
 * The seed for one metric's bootstrap: the base seed mixed with an FNV-1a hash of the metric key, so each metric
 * gets its own stream and its interval does not depend on which other metrics were computed, or in what order.
 */
export function seedFor(seed: number, key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h ^ seed) >>> 0;
}

/** Mean of `values` with a percentile bootstrap interval (the paired bootstrap of the values against zeros). */
export function meanWithInterval(values: readonly number[], key: string, settings: BootstrapSettings): Aggregate {
  const ci = pairedBootstrapCI(new Array<number>(values.length).fill(0), values, {
    samples: settings.samples,
    confidence: settings.confidence,
    random: mulberry32(seedFor(settings.seed, key)),
  });
  return { mean: ci.meanDelta, low: ci.low, high: ci.high, n: values.length };
}
