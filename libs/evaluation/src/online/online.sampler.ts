import { createHash } from 'node:crypto';
import { AppError } from '@ragops/contracts';

/**
 * A number in [0, 1) fixed by the request id: the first 52 bits of its SHA-256, so every replica of the evaluation
 * service (and a re-delivery) reaches the same decision without coordination, and decisions are uniform over ids.
 */
export function sampleUnit(requestId: string): number {
  const digest = createHash('sha256').update(requestId, 'utf8').digest();
  // 52 bits fit a double exactly: 4 bytes, then the high 20 bits of the next 3.
  const high = digest.readUInt32BE(0);
  const low = digest.readUIntBE(4, 3) >>> 4;
  return (high * 2 ** 20 + low) / 2 ** 52;
}

/** Whether `requestId` is in the sample at `rate` (0: never, 1: always). Raising the rate only adds requests. */
export function isSampled(requestId: string, rate: number): boolean {
  if (!(rate >= 0 && rate <= 1)) throw new AppError('VALIDATION_FAILED', `sample rate must be in [0, 1], got ${rate}`);
  if (rate === 0) return false;
  if (rate === 1) return true;
  return sampleUnit(requestId) < rate;
}
