import { describe, expect, it } from '@jest/globals';
import { AppError, ManualClock } from '@ragops/contracts';
import { markFinal, markTransient, withDeadlineRetry, type DeadlineRetryOptions } from './deadline-retry.policy.js';

const options = (clock: ManualClock, overrides: Partial<DeadlineRetryOptions> = {}): DeadlineRetryOptions => ({
  maxRetries: 3,
  baseDelayMs: 10,
  maxDelayMs: 40,
  minAttemptMs: 100,
  clock,
  random: () => 1,
  ...overrides,
});

/** An attempt function failing with the given errors in turn, then answering 'ok'; records each attempt's clock. */
function script(clock: ManualClock, errors: AppError[]) {
  const times: number[] = [];
  const attempt = async () => {
    times.push(clock.now());
    const error = errors.shift();
    if (error) throw error;
    return 'ok';
  };
  return { attempt, times };
}

const rateLimited = (seconds?: number) =>
  new AppError('RATE_LIMITED', 'slow down', seconds === undefined ? { status: 429 } : { status: 429, retryAfterSeconds: seconds });

describe('withDeadlineRetry', () => {
  it('retries 5xx, 408, 409, 429 and UNAVAILABLE; not 4xx validation, auth or unmarked failures', async () => {
    const clock = new ManualClock(0);
    for (const status of [500, 502, 503, 504, 408, 409]) {
      const { attempt, times } = script(clock, [new AppError('UPSTREAM_FAILED', 'x', { status })]);
      await expect(withDeadlineRetry(attempt, 10_000, options(clock))).resolves.toBe('ok');
      expect(times).toHaveLength(2);
    }
    const { attempt: refused, times: refusedTimes } = script(clock, [new AppError('UNAVAILABLE', 'refused', { socketCode: 'ECONNREFUSED' })]);
    await expect(withDeadlineRetry(refused, 10_000, options(clock))).resolves.toBe('ok');
    expect(refusedTimes).toHaveLength(2);
    for (const error of [
      new AppError('VALIDATION_FAILED', 'bad', { status: 400 }),
      new AppError('UNAUTHENTICATED', 'key', { status: 401 }),
      new AppError('NOT_FOUND', 'model', { status: 404 }),
      new AppError('UPSTREAM_FAILED', 'malformed body'),
      new AppError('DEADLINE_EXCEEDED', 'late'),
    ]) {
      const { attempt, times } = script(clock, [error]);
      await expect(withDeadlineRetry(attempt, 10_000, options(clock))).rejects.toBe(error);
      expect(times).toHaveLength(1);
    }
  });

  it('tells onRetry about each retry it makes, with its cause, and not about the failure it gives up on', async () => {
    const clock = new ManualClock(0);
    const failures = [500, 502, 503, 504].map((status) => new AppError('UPSTREAM_FAILED', `status ${status}`, { status }));
    const told: AppError[] = [];
    const { attempt, times } = script(clock, [...failures]);
    await expect(withDeadlineRetry(attempt, 10_000, options(clock, { onRetry: (e) => told.push(e) }))).rejects.toBe(failures[3]);
    expect(times).toHaveLength(4);
    expect(told).toEqual(failures.slice(0, 3));
    const once: AppError[] = [];
    const { attempt: recovering } = script(clock, [failures[0]!]);
    await expect(withDeadlineRetry(recovering, 10_000, options(clock, { onRetry: (e) => once.push(e) }))).resolves.toBe('ok');
    expect(once).toEqual([failures[0]]);
    const never: AppError[] = [];
    const { attempt: invalid } = script(clock, [new AppError('VALIDATION_FAILED', 'bad', { status: 400 })]);
    await expect(withDeadlineRetry(invalid, 10_000, options(clock, { onRetry: (e) => never.push(e) }))).rejects.toThrow('bad');
    expect(never).toEqual([]);
  });

  it('retries errors an adapter marked transient, and never ones marked final', async () => {
    const clock = new ManualClock(0);
    const broken = markTransient(new AppError('UPSTREAM_FAILED', 'stream broke'));
    const { attempt, times } = script(clock, [broken]);
    await expect(withDeadlineRetry(attempt, 10_000, options(clock))).resolves.toBe('ok');
    expect(times).toHaveLength(2);
    const partial = markFinal(new AppError('UPSTREAM_FAILED', 'stalled after text', { status: 503 }));
    const again = script(clock, [partial]);
    await expect(withDeadlineRetry(again.attempt, 10_000, options(clock))).rejects.toBe(partial);
    expect(again.times).toHaveLength(1);
  });

  it('stops after maxRetries and throws the last error', async () => {
    const clock = new ManualClock(0);
    const errors = [1, 2, 3].map((i) => new AppError('UPSTREAM_FAILED', `fail ${i}`, { status: 500 }));
    const last = errors[2]!;
    const { attempt, times } = script(clock, [...errors]);
    await expect(withDeadlineRetry(attempt, 10_000, options(clock, { maxRetries: 2 }))).rejects.toBe(last);
    expect(times).toHaveLength(3);
  });

  it('honours retry-after when it fits before the deadline, with room for the attempt', async () => {
    const clock = new ManualClock(0);
    // Waits are real: keep them small. 0.03 s + 100 ms minAttempt fits a 200 ms deadline.
    const { attempt, times } = script(clock, [rateLimited(0.03)]);
    const started = Date.now();
    await expect(withDeadlineRetry(attempt, 200, options(clock))).resolves.toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(times).toHaveLength(2);
  });

  it('fails at once with the RATE_LIMITED error when retry-after would outlast the deadline', async () => {
    const clock = new ManualClock(1_000);
    const error = rateLimited(5);
    const { attempt, times } = script(clock, [error]);
    const started = Date.now();
    await expect(withDeadlineRetry(attempt, 1_000 + 5_050, options(clock))).rejects.toBe(error);
    expect(Date.now() - started).toBeLessThan(100);
    expect(times).toHaveLength(1);
    expect(error.details).toMatchObject({ retryAfterSeconds: 5 });
  });

  it('reads the deadline from the injected clock at each failure', async () => {
    const clock = new ManualClock(0);
    const first = new AppError('UPSTREAM_FAILED', 'one', { status: 500 });
    const second = new AppError('UPSTREAM_FAILED', 'two', { status: 500 });
    let calls = 0;
    const attempt = async () => {
      calls++;
      // The second attempt "takes" 900 ms of the 1000 ms budget: its backoff (≤ 40 ms) + 100 ms no longer fits.
      if (calls === 2) clock.advance(900);
      throw calls === 1 ? first : second;
    };
    await expect(withDeadlineRetry(attempt, 1_000, options(clock))).rejects.toBe(second);
    expect(calls).toBe(2);
  });

  it('backs off exponentially with equal jitter, capped at maxDelayMs, when no retry-after is given', async () => {
    const clock = new ManualClock(0);
    const waits: number[] = [];
    let last = Date.now();
    const errors = [1, 2, 3, 4].map(() => rateLimited());
    const attempt = async () => {
      const now = Date.now();
      waits.push(now - last);
      last = now;
      const error = errors.shift();
      if (error) throw error;
      return 'ok';
    };
    await withDeadlineRetry(attempt, 60_000, options(clock, { maxRetries: 4, baseDelayMs: 20, maxDelayMs: 60, random: () => 0 }));
    // random 0 → half of min(60, 20·2^(k−1)): 10, 20, 30, 30 ms.
    const [w1, w2, w3, w4] = waits.slice(1);
    expect(w1).toBeGreaterThanOrEqual(8);
    expect(w2).toBeGreaterThanOrEqual(18);
    expect(w3).toBeGreaterThanOrEqual(28);
    expect(w4).toBeGreaterThanOrEqual(28);
    expect(w4).toBeLessThan(200);
  });
});
