import { AppError, type Clock } from '@ragops/contracts';
import { DelegateBackoff, handleWhen, retry } from 'cockatiel';
import type { DependencyBreaker } from './circuit-breaker.policy.js';

export interface DeadlineRetryOptions {
  /** Attempts after the first. */
  maxRetries: number;
  /** Wait before the first retry when the server named none; doubles per retry (with jitter) up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * A retry is only made when, after its wait, at least this much of the deadline is left for the attempt itself;
   * otherwise the error is returned at once, so the caller still has time to fall back.
   */
  minAttemptMs: number;
  clock: Clock;
  /** Uniform [0, 1), for jitter. */
  random: () => number;
  /** Told about each retry about to be made, with the error that caused it (the ragops_retries_total metric). */
  onRetry?: (error: AppError) => void;
  /** The dependency's circuit breaker, shared by every call to it: each attempt goes through it. */
  breaker?: DependencyBreaker;
}

export const DEFAULT_RETRY: Omit<DeadlineRetryOptions, 'clock' | 'random'> = {
  maxRetries: 2,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  minAttemptMs: 100,
};

/** Errors an adapter has judged worth another attempt beyond what their code and status say (a broken connection). */
const transient = new WeakSet<AppError>();
/** Errors that must not be retried whatever their code (a stream that already delivered text). */
const final = new WeakSet<AppError>();

export function markTransient(error: AppError): AppError {
  transient.add(error);
  return error;
}

export function markFinal(error: AppError): AppError {
  final.add(error);
  return error;
}

/** HTTP statuses worth another attempt: timeouts, conflicts, rate limits and server errors (as the openai SDK retries). */
function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

function isRetryable(error: AppError): boolean {
  if (final.has(error)) return false;
  if (transient.has(error)) return true;
  const status = (error.details as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number') return retryableStatus(status);
  // Connection refused or host not found: the server may be restarting; a short wait is cheap under a deadline.
  return error.code === 'UNAVAILABLE';
}

/**
 * Runs `attempt` with retries bounded by an absolute deadline.
 *
 * Why our own policy instead of the openai SDK's retries: the SDK waits out a `retry-after` of up to 60 s (and
 * swaps a longer one for its own short backoff) without knowing the request's deadline, so a wait longer than the
 * budget ends in our abort signal (DEADLINE_EXCEEDED, after burning the whole budget) instead of an immediate
 * RATE_LIMITED the gateway can act on (fallback model, 429 to the client with the same retry-after). The SDK also
 * cannot retry a stream that broke after its headers arrived, and the reranker is plain fetch. So the SDK runs
 * with `maxRetries: 0` and this cockatiel policy decides: every retryable failure gets a wait — the server's
 * `retry-after` when it sent one, else jittered exponential backoff — and the retry happens only if that wait plus
 * `minAttemptMs` fits before the deadline. Otherwise the last error is thrown unchanged (RATE_LIMITED keeps its
 * `retryAfterSeconds`).
 */
export async function withDeadlineRetry<T>(
  attempt: (attemptIndex: number) => Promise<T>,
  deadline: number,
  options: DeadlineRetryOptions,
): Promise<T> {
  let attempts = 0;
  let nextWait = 0;
  const policy = retry(
    handleWhen((error) => {
      if (!(error instanceof AppError) || !isRetryable(error)) return false;
      const wait = waitFor(error, attempts, options);
      if (options.clock.now() + wait + options.minAttemptMs > deadline) return false;
      nextWait = wait;
      return true;
    }),
    { maxAttempts: options.maxRetries, backoff: new DelegateBackoff(() => nextWait) },
  );
  // Not in handleWhen: that also runs on the last failure, which is not retried once the attempts are used up.
  const { onRetry } = options;
  if (onRetry) policy.onRetry((reason) => 'error' in reason && reason.error instanceof AppError && onRetry(reason.error));
  // With a breaker, the order of cockatiel's `wrap(retry, breaker)`: the retry outside, so each attempt is one call
  // through the breaker and counts, and an open circuit's error (final) reaches the retry, which does not retry it.
  const { breaker } = options;
  const run = () => attempt(attempts++);
  return policy.execute(breaker ? () => breaker.execute(run, deadline - options.clock.now()) : run);
}

/** The wait before retrying after `error`, the `attemptsSoFar`-th failure (1-based). */
function waitFor(error: AppError, attemptsSoFar: number, options: DeadlineRetryOptions): number {
  const retryAfterSeconds = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof retryAfterSeconds === 'number' && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) {
    return Math.ceil(retryAfterSeconds * 1000);
  }
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attemptsSoFar - 1));
  // "Equal jitter": at least half the exponential step, so retries neither synchronise nor collapse to zero.
  return Math.round(ceiling / 2 + (options.random() * ceiling) / 2);
}

/** Checks retry options from constructor input; `what` names the adapter in the message. */
export function validateRetryOptions(what: string, options: Partial<Omit<DeadlineRetryOptions, 'clock' | 'random'>>): void {
  for (const key of ['maxRetries', 'baseDelayMs', 'maxDelayMs', 'minAttemptMs'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new AppError('VALIDATION_FAILED', `${what} ${key} must be a non-negative integer, got ${value}`);
    }
  }
}
