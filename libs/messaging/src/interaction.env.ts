import { z } from 'zod';
import { INTERACTION_CONTENT_MODES } from '@ragops/contracts';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
  tb: 1e12,
  tib: 1024 ** 4,
};

/** `1GiB`, `512MiB`, `100MB`, `65536` (bytes): a size in bytes within [min, max]. */
export const byteSizeVar = (fallback: string, min: number, max: number) =>
  z
    .string()
    .default(fallback)
    .transform((raw, ctx) => {
      const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
      const unit = UNITS[(m?.[2] || 'b').toLowerCase()];
      const bytes = m && unit ? Math.floor(Number(m[1]) * unit) : NaN;
      if (!Number.isSafeInteger(bytes) || bytes < min || bytes > max) {
        ctx.addIssue({ code: 'custom', message: `must be a size from ${min} to ${max} bytes, like 512MiB, 1GiB or 1048576` });
        return z.NEVER;
      }
      return bytes;
    });

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `24h`, `7d` (or `1500ms`): a duration in milliseconds within [min, max]. */
export const durationVar = (fallback: string, minMs: number, maxMs: number) =>
  z
    .string()
    .default(fallback)
    .transform((raw, ctx) => {
      const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(raw);
      const ms = m ? Math.round(Number(m[1]) * (DURATION_UNITS[m[2]!] as number)) : NaN;
      if (!Number.isSafeInteger(ms) || ms < minMs || ms > maxMs) {
        ctx.addIssue({ code: 'custom', message: `must be a duration from ${minMs} ms to ${maxMs / 86_400_000} days, like 90s, 30m, 24h or 7d` });
        return z.NEVER;
      }
      return ms;
    });

const intIn = (fallback: number, min: number, max: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).default(fallback);

const TiB = 1024 ** 4;
const DAY = 86_400_000;

/**
 * Limits of the two record streams. They are limits-based streams (not work queues): every reader sees every record,
 * and the server discards the oldest once a limit is reached — size first, so a burst of traffic cannot fill the disk.
 */
export const RecordStreamsEnv = z.object({
  /** Size cap of RAGOPS_INTERACTIONS; at it, the oldest records are discarded. */
  INTERACTIONS_MAX_BYTES: byteSizeVar('1GiB', 1024, 64 * TiB),
  /** Records older than this are discarded. */
  INTERACTIONS_MAX_AGE: durationVar('7d', 1000, 3650 * DAY),
  /** Record-count cap of RAGOPS_INTERACTIONS; -1: none (bytes and age bound it). */
  INTERACTIONS_MAX_MSGS: intIn(-1, -1, Number.MAX_SAFE_INTEGER),
  /** Stream replicas in a NATS cluster (1, 3 or 5). */
  INTERACTIONS_REPLICAS: z.enum(['1', '3', '5'], { error: 'must be 1, 3 or 5' }).default('1').transform(Number),
  FEEDBACK_MAX_BYTES: byteSizeVar('256MiB', 1024, 64 * TiB),
  FEEDBACK_MAX_AGE: durationVar('90d', 1000, 3650 * DAY),
});
export type RecordStreamsConfig = z.infer<typeof RecordStreamsEnv>;

/** What the gateway (or the all-in-one process) records per query and per feedback, and how. */
export const InteractionEnv = RecordStreamsEnv.extend({
  /** `on` (default): one interaction record per /v1/query; `off`: none (POST /v1/feedback answers 503). */
  INTERACTIONS: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  /** How query, answer, passages, prompt and feedback comments are stored: redacted (default), full or hash. */
  INTERACTION_CONTENT: z.enum(INTERACTION_CONTENT_MODES, { error: `must be one of ${INTERACTION_CONTENT_MODES.join(', ')}` }).default('redacted'),
  /** Records waiting to be published; when full, the oldest waiting record is dropped (and counted). */
  INTERACTIONS_QUEUE_SIZE: intIn(1000, 1, 1_000_000),
  /** Records the all-in-one process keeps in memory for `ragops interactions tail --since`. */
  INTERACTIONS_BUFFER: intIn(1000, 1, 1_000_000),
});
export type InteractionConfig = z.infer<typeof InteractionEnv>;

/** RAGOPS_INTERACTIONS limits from the configuration. */
export function interactionStreamLimits(c: RecordStreamsConfig) {
  return { maxBytes: c.INTERACTIONS_MAX_BYTES, maxAgeMs: c.INTERACTIONS_MAX_AGE, maxMsgs: c.INTERACTIONS_MAX_MSGS, replicas: c.INTERACTIONS_REPLICAS };
}

/** RAGOPS_FEEDBACK limits from the configuration (replicas as for interactions). */
export function feedbackStreamLimits(c: RecordStreamsConfig) {
  return { maxBytes: c.FEEDBACK_MAX_BYTES, maxAgeMs: c.FEEDBACK_MAX_AGE, replicas: c.INTERACTIONS_REPLICAS };
}
