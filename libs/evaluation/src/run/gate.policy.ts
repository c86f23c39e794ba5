import { z } from 'zod';
import { parseOrThrow } from '@ragops/contracts';
import { DEFAULT_BOOTSTRAP } from './bootstrap.interval.js';
import { MetricDirection } from './run.schema.js';

/**
 * A promotion-gate policy (eval/gates.yaml). Per metric: absolute bounds on the run's mean (`min`, `max`) and the
 * largest allowed regression against the baseline (`maxRegression`, in the metric's units). A regression fails
 * only when it is larger than allowed AND the paired bootstrap interval says it is real (excludes 0), so noise
 * on a small dataset cannot block a change.
 */
export const GateCheckPolicy = z
  .strictObject({
    metric: z.string().min(1),
    min: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
    max: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
    maxRegression: z.number().nonnegative().refine(Number.isFinite, 'must be a finite number').optional(),
    /** Overrides the run's direction for this metric (cost and latency-like metrics are better lower). */
    direction: MetricDirection.optional(),
  })
  .refine((c) => c.min !== undefined || c.max !== undefined || c.maxRegression !== undefined, 'give at least one of min, max, maxRegression')
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, 'min must not exceed max');
export type GateCheckPolicy = z.infer<typeof GateCheckPolicy>;

export const GatePolicy = z
  .strictObject({
    version: z.literal(1),
    bootstrap: z
      .strictObject({
        samples: z.number().int().min(100).max(100_000).default(DEFAULT_BOOTSTRAP.samples),
        confidence: z.number().gt(0.5).lt(1).default(DEFAULT_BOOTSTRAP.confidence),
        seed: z.number().int().min(0).max(0xffffffff).default(DEFAULT_BOOTSTRAP.seed),
      })
      .default(DEFAULT_BOOTSTRAP),
    checks: z.array(GateCheckPolicy).min(1, 'list at least one check'),
  })
  .superRefine((p, ctx) => {
    const first = new Map<string, number>();
    p.checks.forEach((c, i) => {
      const at = first.get(c.metric);
      if (at !== undefined) ctx.addIssue({ code: 'custom', path: ['checks', i, 'metric'], message: `"${c.metric}" is already checked by checks[${at}]; merge the two` });
      else first.set(c.metric, i);
    });
  });
export type GatePolicy = z.infer<typeof GatePolicy>;

/** Validates a parsed policy document; VALIDATION_FAILED names each bad key (`checks[1].maxRegression: …`). */
export function parseGatePolicy(value: unknown, what = 'gate policy'): GatePolicy {
  return parseOrThrow(GatePolicy, value, what);
}
